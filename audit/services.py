"""Writing to the audit trail. Call ``record`` inside the action's transaction:
if the audit write fails, the action does not happen (SECURITY.md 20)."""

from __future__ import annotations

from typing import Any

from django.db import connections, router, transaction
from django.db.models import signals
from django.utils import timezone

from config.statements import PerDatabase
from rules.findings import Finding

from .chain import current_algorithm, event_hash
from .context import client_ip_var, request_id_var, system_request_id
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
        request_id=request_id_var.get() or system_request_id(),
        algorithm=current_algorithm(),
    )
    # Everything above is prepared before the chain head is locked: the lock serialises every writer of the
    # platform, so only what needs the previous link (seq, prev_hash, the MAC) and the two writes happen under it,
    # and it is held until the caller commits — which is why actions record as their last step (issue #8).
    using = router.db_for_write(AuditEvent)
    connection = connections[using]
    statements = _statements(using)
    with connection.cursor() as cursor:
        cursor.execute(statements.lock_head, [1])
        head = cursor.fetchone()
    if head is None:  # the first event of a new database: the head row is created (and locked) here
        created = ChainHead.objects.select_for_update().get_or_create(id=1)[0]
        head = (created.seq, created.hash)
    head_seq, head_hash = head
    event.seq = head_seq + 1
    event.at = timezone.now()  # taken under the lock, so times never run backwards along the chain
    event.prev_hash = head_hash
    event.hash = event_hash(head_hash, event)
    statements.insert(event, connection, using)
    return event


class _ChainStatements:
    """The chain's statements under the lock (three; two on PostgreSQL), written once per database from the models'
    columns.

    They do what ``select_for_update().get_or_create``, ``AuditEvent.save(force_insert=True)`` and
    ``ChainHead.save(update_fields=...)`` did — the same columns, values prepared by each field's own
    ``get_db_prep_save``, the same pre_save/post_save signals (obligations listen to post_save) — without building
    the ORM's queries again on every action, which cost about as much as the rest of the record (issue #8)."""

    def __init__(self, connection):
        q = connection.ops.quote_name
        head, event = ChainHead._meta, AuditEvent._meta
        seq, hash_ = q(head.get_field("seq").column), q(head.get_field("hash").column)
        table, pk = q(head.db_table), q(head.pk.column)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        self.lock_head = f"SELECT {seq}, {hash_} FROM {table} WHERE {pk} = %s{lock}"
        self.update_head = f"UPDATE {table} SET {seq} = %s, {hash_} = %s WHERE {pk} = %s"
        self.fields = [f for f in event.local_concrete_fields if f is not event.auto_field]
        self.insert_sql = (f"INSERT INTO {q(event.db_table)} ({', '.join(q(f.column) for f in self.fields)}) "
                           f"VALUES ({', '.join(['%s'] * len(self.fields))})")
        self.returning = connection.features.can_return_columns_from_insert
        # PostgreSQL writes the event and moves the head in one statement (a data-modifying WITH): one round trip
        # fewer while every other writer of the platform waits for this one's COMMIT (issue #8). SQLite has no
        # INSERT inside WITH; it runs the two statements, as PostgreSQL did until session 7.
        self.fused = connection.vendor == "postgresql"
        if self.fused:
            self.insert_sql = (f"WITH inserted AS ({self.insert_sql} RETURNING {q(event.pk.column)}) "
                               f"{self.update_head} RETURNING (SELECT {q(event.pk.column)} FROM inserted)")
        elif self.returning:
            returning_sql, _ = connection.ops.return_insert_columns([event.pk])
            self.insert_sql = f"{self.insert_sql} {returning_sql}"

    def insert(self, event: AuditEvent, connection, using: str) -> None:
        """Insert the event (seq, prev_hash and hash set) and move the chain head to it."""
        # What save() checks first: an unsaved related object (actor, organisation, project) is an error, not NULL.
        event._prepare_related_fields_for_save(operation_name="save")
        signals.pre_save.send(sender=AuditEvent, instance=event, raw=False, using=using, update_fields=None)
        params = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in self.fields]
        with connection.cursor() as cursor:
            if self.fused:
                cursor.execute(self.insert_sql, [*params, event.seq, event.hash, 1])
                row = cursor.fetchone()
                if row is None or row[0] is None:  # no head row to move: the chain would fork, so nothing is written
                    raise RuntimeError("审计链头不存在，事件未写入")
                pk = row[0]
            else:
                cursor.execute(self.insert_sql, params)
                if self.returning:
                    pk = cursor.fetchone()[0]
                else:
                    pk = connection.ops.last_insert_id(cursor, AuditEvent._meta.db_table, AuditEvent._meta.pk.column)
                cursor.execute(self.update_head, [event.seq, event.hash, 1])
        event.pk = AuditEvent._meta.pk.to_python(pk)
        event._state.adding = False
        event._state.db = using
        signals.post_save.send(sender=AuditEvent, instance=event, created=True, update_fields=None, raw=False,
                               using=using)


_statements = PerDatabase(_ChainStatements)
