"""A project page's actions: the form a page offers for each, and the POST that runs one.

A page (delivery, funding, oversight) names its actions in a dict ``{name: Action}``; its ``act`` view calls
``run_posted_action`` and then either redirects (done) or renders the page again with the bound form and the
refusal. Each action's ``run`` calls one service; the decisions stay in the services and rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from projects.services import ActionRefused


@dataclass(frozen=True)
class Action:
    title: str
    form: type
    run: Callable  # (actor, project_id, cleaned_data) -> success message
    allowed: Callable  # (user, project) -> bool: whether the page offers it
    confirm: str = ""


@dataclass
class Posted:
    """What became of a POSTed action."""

    form: Any  # bound; carries the errors when not done
    key: str  # the form's key in the page's ``bound`` mapping: the action, or "<action>:<row id>" for a row's form
    done: bool = False  # the service ran (its success message is queued for the next page)
    refusal: ActionRefused | None = None


def run_posted_action(request, project, actions: Mapping[str, Action], action: str, per_row: Mapping[str, str], *,
                      permission_denied_refuses: bool = False, bind: Callable | None = None,
                      row_fields: Sequence[str] = ()) -> Posted:
    """Bind the action's form to the POST and, when it is valid, run the action for ``project``.

    A refusal (``ActionRefused``) and the service's ``ValidationError`` land on the form (a field's error on that
    field when the form has it). With ``permission_denied_refuses``, a ``PermissionDenied`` from the service is
    shown on the page as a 403 refusal too; otherwise it propagates (Django's 403 page). ``per_row`` names, for
    an action offered on each row of a table, the hidden field holding the row's id, so the page puts the bound
    form back on its own row; ``row_fields`` does the same for any action whose form has one of those hidden fields
    (the last one present wins). ``bind(spec)`` returns the bound form when a page builds its forms itself (files,
    choices that depend on the project). When not done, ``project`` is re-read: the page shows the state as it is
    now."""
    spec = actions.get(action)
    if spec is None:
        raise Http404("没有此操作")
    form = bind(spec) if bind is not None else spec.form(request.POST)
    refusal = None
    if form.is_valid():
        try:
            message = spec.run(request.user, project.pk, form.cleaned_data)
        except ActionRefused as exc:
            refusal = exc
            form.add_error(None, exc.message)
        except PermissionDenied as exc:
            if not permission_denied_refuses:
                raise
            refusal = ActionRefused(str(exc) or "您没有执行此操作的权限", status=403)
            form.add_error(None, refusal.message)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, message)
            return Posted(form, action, done=True)
    project.refresh_from_db()
    key = action
    if action in per_row and form.data.get(per_row[action]):
        key = f"{action}:{form.data.get(per_row[action])}"
    for hidden in row_fields:
        if hidden in form.fields and form.data.get(hidden):
            key = f"{action}:{form.data.get(hidden)}"
    return Posted(form, key, refusal=refusal)
