from collections.abc import Mapping
from functools import lru_cache
from html import escape
from types import MappingProxyType
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import PROJECT_UNIT_KINDS, Role
from audit.models import AuditEvent
from web.templatetags.zw import cn_date, finding_link, stage_badge_html, stage_label, wan

from . import services
from .forms import ProjectFilterForm, ProjectForm
from .models import DeliveryMode
from .selectors import get_project_for_user, ledger_count, visible_projects

SORTS = {"number": "number", "-number": "-number", "investment": "total_investment",
         "-investment": "-total_investment", "year": "year", "-year": "-year"}


class CheckedFilters(NamedTuple):
    """What the ledger needs of its filter form: whether it is valid, the cleaned values, and its HTML."""

    valid: bool
    cleaned_data: Mapping
    as_filters: SafeString


FILTER_FIELDS = tuple(ProjectFilterForm.base_fields)


@lru_cache(maxsize=512)
def checked_filters(key: tuple[bool, tuple[tuple[str, str], ...]]) -> CheckedFilters:
    """The filter form checked and rendered once per distinct input: it depends on nothing but the input (the
    choices are the code's stages and delivery modes), and building, validating and rendering it was a sixth of the
    ledger page (issue #8). ``key``: whether the form is bound, and the filter fields present with their values."""
    bound, items = key
    form = ProjectFilterForm(dict(items) if bound else None)
    valid = form.is_valid()
    return CheckedFilters(valid, MappingProxyType(dict(form.cleaned_data)) if valid else MappingProxyType({}),
                          form.as_filters())


def filter_key(params) -> tuple[bool, tuple[tuple[str, str], ...]]:
    """A hashable key of the request's filters: the form reads each field's last value (QueryDict.get)."""
    return bool(params), tuple((name, params.get(name)) for name in FILTER_FIELDS if name in params)


def filter_projects(user, params):
    form = checked_filters(filter_key(params or {}))
    valid = form.valid
    # Built once: a stage lets visible_projects leave out the visibility OR for a portfolio body.
    qs = visible_projects(user, stage=(form.cleaned_data["stage"] or None) if valid else None)
    if valid:
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(name__contains=data["q"]) | Q(number__contains=data["q"]))
        if data["year"]:
            qs = qs.filter(year=data["year"])
        if data["delivery_mode"]:
            qs = qs.filter(delivery_mode=data["delivery_mode"])
        if data["unit"]:
            qs = qs.filter(unit__name__contains=data["unit"])
        if data["min_investment"] is not None:
            qs = qs.filter(total_investment__gte=data["min_investment"])
        if data["max_investment"] is not None:
            qs = qs.filter(total_investment__lte=data["max_investment"])
    return form, qs.order_by(SORTS.get(params.get("sort", ""), "-year"), "number")


LEDGER_COLUMNS = ("pk", "number", "name", "unit__name", "year", "delivery_mode", "total_investment", "stage")
DELIVERY_MODE_LABELS = dict(DeliveryMode.choices)


def detail_url():
    """projects:detail for any pk, reversed once per page rather than once per row."""
    head, _, tail = reverse("projects:detail", args=[987654321]).partition("987654321")
    return lambda pk: f"{head}{pk}{tail}"


def ledger_rows_html(rows) -> str:
    """The ledger's table rows (tuples of LEDGER_COLUMNS), built here rather than in the template: 25 rows of
    seven cells, a URL, a badge and a money filter each through the template engine were a third of the page's
    time (issue #8; audit.views.rows_html does the same). Every text value is HTML-escaped."""
    detail = detail_url()
    out = []
    for pk, number, name, unit, year, mode, investment, stage in rows:
        out.append(
            f'<tr><td>{escape(number)}</td><td><a href="{detail(pk)}">{escape(name)}</a></td><td>{escape(unit)}</td>'
            f"<td>{year}</td>\n<td>{escape(DELIVERY_MODE_LABELS.get(mode, mode))}</td>"
            f'<td class="num">{wan(investment)}</td><td>{stage_badge_html(stage)}</td></tr>')
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped or a number


@login_required
@require_GET
def project_list(request):
    form, qs = filter_projects(request.user, request.GET)
    paginator = Paginator(qs.values_list(*LEDGER_COLUMNS), 25)
    # Counted without the join to the unit the page's columns need, so the database can count from an index alone;
    # and kept until the projects may have changed (ledger_count).
    filters = (form.valid, tuple(sorted(form.cleaned_data.items())))
    paginator.count = ledger_count(request.user, qs, filters)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_create = request.user.org_kind in PROJECT_UNIT_KINDS and request.user.has_role(Role.FILER, Role.UNIT_HEAD)
    return render(request, "projects/list.html", {"form": form, "page": page, "rows": ledger_rows_html(page),
                                                  "query": query.urlencode(), "can_create": can_create})


# The timeline shows the latest events and links to the earlier ones page by page (keyset on seq, as the audit
# search): a project gathers about 100 events over its life, some many more, and rendering all of them (it was up
# to 500, and the later ones were then never shown) was most of the page's time (issue #8).
TIMELINE_PAGE = 50
TIMELINE_FIELDS = ("seq", "at", "actor_name", "organisation_name", "action", "before", "after", "findings")


def _stage_change(event) -> str:
    before = event["before"].get("stage") if isinstance(event["before"], dict) else None
    after = event["after"].get("stage") if isinstance(event["after"], dict) else None
    shown_before = f"{escape(str(stage_label(before)))} → " if before else ""
    return shown_before + (escape(str(stage_label(after))) if after else "")


def timeline_rows_html(events) -> str:
    """The timeline's rows (dicts of TIMELINE_FIELDS, oldest first); every text value is HTML-escaped and the
    citations come from the same ``finding_link`` the template used."""
    tz = timezone.get_current_timezone()
    out = []
    for e in events:
        findings = "".join(
            f'<div class="outcome-{escape(str(f.get("outcome", "")))}">{finding_link(f)} '
            f'{escape(str(f.get("message", "")))}</div>' for f in e["findings"] or ())
        out.append(
            f"<tr><td>{cn_date(e['at'], tz)}</td><td>{escape(e['actor_name'])} <span class=\"muted\">"
            f"{escape(e['organisation_name'])}</span></td><td><code>{escape(e['action'])}</code></td>\n"
            f"<td>{_stage_change(e)}</td>\n<td>{findings}</td></tr>")
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped or built by format_html


def _timeline(project, before: str | None):
    """The page of events before ``before`` (a seq; the latest page without it), oldest first, and the seq to ask
    for the page before it (None when this page starts with the project's first event)."""
    qs = AuditEvent.objects.filter(project=project)
    if before and before.isdigit() and len(before) <= 18:  # a seq (bigint); a mangled link shows the latest events
        qs = qs.filter(seq__lt=int(before))
    events = list(qs.order_by("-seq").values(*TIMELINE_FIELDS)[:TIMELINE_PAGE + 1])
    earlier = events[TIMELINE_PAGE - 1]["seq"] if len(events) > TIMELINE_PAGE else None
    events = events[:TIMELINE_PAGE]
    events.reverse()
    return events, earlier


@login_required
@require_GET
def project_detail(request, pk: int):
    project = get_project_for_user(request.user, pk)
    before = request.GET.get("before")
    events, earlier = _timeline(project, before)
    context = {"project": project, "events": events, "rows": timeline_rows_html(events), "earlier": earlier,
               "paged": bool(before)}
    if request.htmx and before:
        # "更早的记录" loaded in place: the earlier rows (and the link to the ones before them) above those shown.
        response = render(request, "projects/detail.html#timeline_rows", context)
    else:
        response = render(request, "projects/detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    if not (request.user.org_kind in PROJECT_UNIT_KINDS and request.user.has_role(Role.FILER, Role.UNIT_HEAD)):
        raise PermissionDenied("只有项目单位的填报人或负责人可以新建项目")
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.cleaned_data)
        except services.ActionRefused as refused:  # a replayed form token (SECURITY.md R36)
            form.add_error(None, refused.message)
            return render(request, "projects/form.html", {"form": form}, status=refused.status)
        except ValidationError as invalid:
            for message in invalid.messages:
                form.add_error(None, message)
            return render(request, "projects/form.html", {"form": form}, status=422)
        messages.success(request, f"已创建项目草稿 {project.number}")
        return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/form.html", {"form": form})
