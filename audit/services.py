"""Writing to the audit trail. Call ``record`` inside the action's transaction:
if the audit write fails, the action does not happen (SECURITY.md 20)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from rules.findings import Finding

from .chain import event_hash
from .context import client_ip_var, request_id_var
from .models import AuditEvent, ChainHead


def _jsonable(value: Any) -> Any:
    from rules.findings import _plain

    return _plain(value)


def record(*, actor, action: str, obj=None, project=None, before: dict | None = None, after: dict | None = None,
           findings: list[Finding] | list[dict] | None = None, profile: str = "", outcome: str = "success",
           object_label: str = "") -> AuditEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("审计记录必须在业务事务内写入")
    head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
    roles = ""
    organisation = None
    if actor is not None and getattr(actor, "pk", None):
        roles = ",".join(sorted(actor.role_set()))
        organisation = actor.organisation
    event = AuditEvent(
        seq=head.seq + 1,
        at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=(actor.get_username() if actor is not None and getattr(actor, "pk", None) else "system"),
        roles=roles,
        organisation=organisation,
        organisation_name=organisation.name if organisation else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=(object_label or (str(obj) if obj is not None else ""))[:200],
        project=project,
        outcome=outcome,
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        findings=[f.as_dict() if isinstance(f, Finding) else f for f in (findings or [])],
        profile=profile,
        client_ip=client_ip_var.get(),
        request_id=request_id_var.get(),
        prev_hash=head.hash,
    )
    # Round-trip the time to the database's precision before hashing.
    event.at = event.at.replace(microsecond=event.at.microsecond)
    event.hash = event_hash(head.hash, event)
    event.save(force_insert=True)
    head.seq = event.seq
    head.hash = event.hash
    head.save(update_fields=["seq", "hash"])
    return event
