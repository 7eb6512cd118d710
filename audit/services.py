"""Writing to the audit trail. Call ``record`` inside the action's transaction:
if the audit write fails, the action does not happen (SECURITY.md 20)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from rules.findings import Finding

from .chain import current_algorithm, event_hash
from .context import client_ip_var, request_id_var
from .models import AuditEvent, ChainHead
from .redaction import redact_text, redact_value


def _jsonable(value: Any) -> Any:
    from rules.findings import _plain

    return _plain(value)


OUTCOMES = ("success", "refused", "failed")
NOT_APPLICABLE = "-"
SYSTEM = "system"


def record(*, actor, action: str, obj=None, project=None, before: dict | None = None, after: dict | None = None,
           findings: list[Finding] | list[dict] | None = None, profile: str = "", outcome: str = "success",
           object_label: str = "", object_type: str = "", object_id: str = "") -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (R20: if this fails, the action fails).

    Every R15 field is filled: a system job (``actor=None``) is actor/role ``system``, department 系统, client
    ``local`` and a ``sys-…`` request id; an event about no particular object says ``-``. Secrets are redacted
    from the before/after values (R16). The event records the MAC algorithm it is chained with (R18)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("审计记录必须在业务事务内写入")
    if outcome not in OUTCOMES:
        raise ValueError(f"审计结果只能是 {', '.join(OUTCOMES)}，不能是 {outcome!r}")
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    organisation = actor.organisation if is_user else None
    if is_user:
        roles = ",".join(sorted(actor.role_set())) or "无角色"
        organisation_name = organisation.name if organisation else "无所属机构"
    else:
        roles, organisation_name = SYSTEM, "系统"
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)
    event = AuditEvent(
        actor=actor if is_user else None,
        actor_name=actor.get_username() if is_user else SYSTEM,
        roles=roles[:200],
        organisation=organisation,
        organisation_name=organisation_name[:100],
        action=action,
        object_type=(object_type or NOT_APPLICABLE)[:60],
        object_id=(str(object_id) or NOT_APPLICABLE)[:60],
        object_label=redact_text(object_label or object_type or NOT_APPLICABLE)[:200],
        project=project,
        outcome=outcome,
        before=redact_value(_jsonable(before or {})),
        after=redact_value(_jsonable(after or {})),
        findings=redact_value([f.as_dict() if isinstance(f, Finding) else f for f in (findings or [])]),
        profile=profile,
        client_ip=client_ip_var.get() or "local",
        request_id=request_id_var.get() or f"sys-{uuid.uuid4().hex}",
        algorithm=current_algorithm(),
    )
    # Everything above is prepared before the chain head is locked: the lock serialises every writer of the
    # platform, so only what needs the previous link (seq, prev_hash, the MAC) and the two writes happen under it,
    # and it is held until the caller commits — which is why actions record as their last step (issue #8).
    head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
    event.seq = head.seq + 1
    event.at = timezone.now()  # taken under the lock, so times never run backwards along the chain
    event.prev_hash = head.hash
    event.hash = event_hash(head.hash, event)
    event.save(force_insert=True)
    head.seq = event.seq
    head.hash = event.hash
    head.save(update_fields=["seq", "hash"])
    return event
