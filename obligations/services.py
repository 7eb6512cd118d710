"""Write paths of obligations: the recomputation from the facts, and the one manual act (a waiver).

``recompute_obligations`` is idempotent: each derived obligation is upserted by its ``source_key``;
it is done when its fact says so, overdue when today is past its due date and it is not done, and an
obligation whose fact has gone (a draft moved to another year, an opinion no longer needed) is removed
unless it was done or waived. Only ``waive_obligation`` sets “waived”, with a reason, audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record
from policy.services import resolve_for
from projects.models import Project, Stage
from projects.services import ActionRefused

from . import derivation
from .models import Obligation, ObligationStatus
from .selectors import can_waive, get_obligation_for_user, rest_days

logger = logging.getLogger("zwxm.obligations")

# Stages in which no duty of the measures arises or remains (not listed; terminated).
NO_DUTIES = (Stage.NOT_LISTED, Stage.TERMINATED)

FIELDS = ("organisation_id", "user_id", "project_id", "kind", "title", "detail", "article", "paragraph", "item",
          "opens_on", "due_on", "amount", "url_name", "url_args", "profile")


def today() -> date:
    return timezone.localdate()


@dataclass
class RecomputeResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "removed": self.removed,
                "unchanged": self.unchanged}


def status_for(derived: derivation.Derived, current: str | None, on: date) -> str:
    if current == ObligationStatus.WAIVED:
        return ObligationStatus.WAIVED
    if derived.done_on is not None:
        return ObligationStatus.DONE
    if derived.due_on is not None and on > derived.due_on:
        return ObligationStatus.OVERDUE
    return ObligationStatus.OPEN


def _values(derived: derivation.Derived, current: Obligation | None, on: date) -> dict:
    values = {name: getattr(derived, name) for name in FIELDS}
    values["url_args"] = list(derived.url_args)
    values["status"] = status_for(derived, current.status if current else None, on)
    values["done_on"] = derived.done_on if values["status"] == ObligationStatus.DONE else (
        current.done_on if current is not None and values["status"] == ObligationStatus.WAIVED else None)
    values["remind_on"] = derived.due_on - timedelta(days=derived.remind_days) if derived.due_on else None
    return values


def _upsert(derived: derivation.Derived, on: date, result: RecomputeResult) -> None:
    current = Obligation.objects.filter(source_key=derived.source_key).first()
    values = _values(derived, current, on)
    if current is None:
        try:
            with transaction.atomic():
                Obligation.objects.create(source_key=derived.source_key, **values)
            result.created += 1
            return
        except IntegrityError:
            # Another job created it a moment ago: update that one instead.
            current = Obligation.objects.get(source_key=derived.source_key)
            values = _values(derived, current, on)
    changed = {k: v for k, v in values.items() if getattr(current, k) != v}
    if changed:
        Obligation.objects.filter(pk=current.pk).update(**changed, updated_at=timezone.now())
        result.updated += 1
    else:
        result.unchanged += 1


def _context(on: date) -> derivation.Context:
    holidays = rest_days()
    profiles: dict[str, object] = {}

    def profile_for_code(code: str):
        if code not in profiles:
            profiles[code] = resolve_for(code, on)
        return profiles[code]

    return derivation.Context(today=on, holidays=holidays,
                              profile_of=lambda project: profile_for_code(project.unit.jurisdiction.code))


def _recompute_project(project: Project, ctx: derivation.Context, result: RecomputeResult) -> None:
    rows = [] if project.stage in NO_DUTIES else derivation.derive_for_project(project, ctx)
    with transaction.atomic():
        for row in rows:
            _upsert(row, ctx.today, result)
        gone = (Obligation.objects.filter(project=project)
                .exclude(source_key__in=[r.source_key for r in rows])
                .exclude(status__in=[ObligationStatus.DONE, ObligationStatus.WAIVED]))
        result.removed += gone.delete()[1].get("obligations.Obligation", 0)


def recompute_obligations(project: Project | None = None, today: date | None = None,
                          projects=None) -> RecomputeResult:
    """Derive every obligation (or those of one project, or of a queryset of projects) as of ``today``."""
    on = today or timezone.localdate()
    ctx = _context(on)
    result = RecomputeResult()
    if project is not None:
        selected = [Project.objects.select_related("unit__jurisdiction").get(pk=project.pk)]
    elif projects is not None:
        selected = projects.select_related("unit__jurisdiction").order_by("pk")
    else:
        selected = Project.objects.select_related("unit__jurisdiction").order_by("pk")
    for p in selected:
        try:
            _recompute_project(p, ctx, result)
        except Exception:  # one project's broken facts must not stop everybody's reminders
            logger.exception("重算项目 %s 的义务失败", p.number)
    return result


def facts_changed(project_id: int | None = None, *, drafts: bool = False) -> None:
    """Recompute after the current transaction commits: a project's obligations, or (a round opened or
    closed) those of every draft. Failures are logged, never raised into the action that changed the facts:
    the daily job recomputes everything anyway."""

    def run():
        try:
            if project_id is not None:
                project = Project.objects.filter(pk=project_id).first()
                if project is not None:
                    recompute_obligations(project=project)
            elif drafts:
                recompute_obligations(projects=Project.objects.filter(stage=Stage.DRAFT))
        except Exception:
            logger.exception("义务重算失败（项目 %s）", project_id)

    transaction.on_commit(run)


@transaction.atomic
def waive_obligation(*, actor, obligation_id: int, reason: str) -> Obligation:
    """领导小组办公室或省发展改革委豁免一项义务，须写明理由；记入审计日志。"""
    if not can_waive(actor):
        raise PermissionDenied("只有领导小组办公室或省发展改革委的审核人可以豁免义务")
    obligation = get_obligation_for_user(actor, obligation_id)
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if not can_waive(actor, obligation):
        raise PermissionDenied("不能豁免本单位自己的义务")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写豁免理由"})
    if obligation.status in (ObligationStatus.DONE, ObligationStatus.WAIVED):
        raise ActionRefused(f"该事项{obligation.get_status_display()}，不能豁免（可能已被他人处理）")
    before = {"status": obligation.status}
    obligation.status = ObligationStatus.WAIVED
    obligation.waived_reason, obligation.waived_by, obligation.waived_at = reason, actor, timezone.now()
    obligation.save(update_fields=["status", "waived_reason", "waived_by", "waived_at", "updated_at"])
    record(actor=actor, action="obligation.waived", obj=obligation, project=obligation.project, before=before,
           after={"status": obligation.status, "reason": reason, "source_key": obligation.source_key,
                  "due_on": obligation.due_on})
    return obligation
