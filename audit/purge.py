"""The one controlled way audit events leave the table (SECURITY.md 19; 网络安全法 第二十一条: logs kept ≥ 6 months).

``purge_events`` removes only events older than the retention (``AUDIT_RETENTION_DAYS``, never below 180 days),
after checking that the chain is intact, in one transaction that:

1. locks the chain head (no event is appended meanwhile);
2. opens the database's door for exactly this purge — PostgreSQL: the transaction-local setting
   ``zwxm.audit_purge``; SQLite: a ``PurgePermit`` row — while the triggers still refuse any row younger than
   180 days and any UPDATE (migration 0003);
3. deletes the events up to the last one older than the cut-off, and stores that event's ``seq`` and ``hash`` as
   a MAC-protected checkpoint: verification restarts from it, so the remaining chain stays verifiable;
4. closes the door and appends an ``audit.purged`` event saying what was removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .apps import MIN_RETENTION_DAYS
from .chain import checkpoint_mac, current_algorithm, verify_stored
from .models import AuditCheckpoint, AuditEvent, ChainHead, PurgePermit
from .services import record


class PurgeRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class PurgeResult:
    purged: int
    cutoff: datetime
    anchor_seq: int | None
    event: AuditEvent


def retention_days(days: int | None = None) -> int:
    days = settings.AUDIT_RETENTION_DAYS if days is None else days
    if days < MIN_RETENTION_DAYS:
        raise PurgeRefused(f"保存期限 {days} 天低于法定的 {MIN_RETENTION_DAYS} 天（网络安全法 第二十一条），不予清理")
    return days


def purge_events(*, days: int | None = None, now: datetime | None = None) -> PurgeResult:
    days = retention_days(days)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        ChainHead.objects.select_for_update().get_or_create(id=1)
        report = verify_stored()
        if not report.ok:
            raise PurgeRefused(f"审计链核验未通过，不予清理（以免抹去改动的痕迹）：{report.problem}")
        # Only a prefix of the chain can go (the checkpoint anchors what remains), and only events older than
        # the cut-off: stop before the first young event even if a clock change put an older time after it.
        first_young = AuditEvent.objects.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
        doomed = AuditEvent.objects.filter(at__lt=cutoff)
        if first_young is not None:
            doomed = doomed.filter(seq__lt=first_young)
        anchor = doomed.order_by("-seq").only("seq", "hash").first()
        purged = 0
        if anchor is not None:
            expected = AuditEvent.objects.filter(seq__lte=anchor.seq).count()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('zwxm.audit_purge', 'on', true)")
            permit = PurgePermit.objects.create(up_to_seq=anchor.seq)
            purged, _ = AuditEvent.objects.filter(seq__lte=anchor.seq).delete()
            permit.delete()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('zwxm.audit_purge', 'off', true)")
            if purged != expected:
                raise PurgeRefused(f"应清理 {expected} 条，实际 {purged} 条，已全部撤销")
            algorithm = current_algorithm()
            AuditCheckpoint.objects.create(seq=anchor.seq, hash=anchor.hash, algorithm=algorithm,
                                           mac=checkpoint_mac(anchor.seq, anchor.hash, algorithm),
                                           purged_at=timezone.now(), purged_count=purged)
        event = record(actor=None, action="audit.purged", object_type="audit.auditevent",
                       object_id=str(anchor.seq) if anchor else "-",
                       object_label=f"清理 {timezone.localtime(cutoff):%Y-%m-%d %H:%M} 以前的审计事件",
                       after={"retention_days": days, "cutoff": cutoff.isoformat(), "purged": purged,
                              "anchor_seq": anchor.seq if anchor else None,
                              "anchor_hash": anchor.hash if anchor else None})
    return PurgeResult(purged, cutoff, anchor.seq if anchor else None, event)
