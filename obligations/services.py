"""Write paths of obligations: the recomputation from the facts, and the one manual act (a waiver).

``recompute_obligations`` is idempotent: each derived obligation is upserted by its ``source_key``;
it is done when its fact says so, overdue when today is past its due date and it is not done, and an
obligation whose fact has gone (a draft moved to another year, an opinion no longer needed) is removed
unless it was done or waived. Only ``waive_obligation`` sets “waived”, with a reason, audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Jurisdiction
from audit.services import record
from policy.profiles import resolve
from policy.services import current_documents, resolve_for
from projects.models import Project, Stage
from projects.services import ActionRefused

from . import derivation
from .models import Obligation, ObligationStatus
from .selectors import can_waive, get_obligation_for_user, rest_days

logger = logging.getLogger("zwxm.obligations")

# Stages in which no duty of the measures arises or remains (not listed; terminated).
NO_DUTIES = (Stage.NOT_LISTED, Stage.TERMINATED)

# Projects recomputed together: their facts and obligations are read in a constant number of queries per batch
# and written with one bulk statement per kind of write, so the whole portfolio costs time in proportion to
# its size (issue #8: 100,000 projects a day).
BATCH_SIZE = 500

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


def _context(on: date, bulk: bool = False) -> derivation.Context:
    holidays = rest_days()
    profiles: dict[str, object] = {}
    loaded: dict[str, object] = {}

    def profile_for_code(code: str):
        # policy.services.resolve_for(code, on); in a bulk run with the current profiles and the jurisdiction tree
        # read once instead of once for each jurisdiction met (up to every county of the province).
        if code not in profiles and not bulk:
            profiles[code] = resolve_for(code, on)
        elif code not in profiles:
            if not loaded:
                loaded["documents"] = current_documents()
                loaded["parents"] = dict(Jurisdiction.objects.values_list("code", "parent__code"))
            profiles[code] = resolve(loaded["documents"], code, on, loaded["parents"])
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


def _recompute_one_by_one(selected, ctx: derivation.Context, result: RecomputeResult) -> None:
    for p in selected:
        try:
            _recompute_project(p, ctx, result)
        except Exception:  # one project's broken facts must not stop everybody's reminders
            logger.exception("重算项目 %s 的义务失败", p.number)


def _changed_fields(current: Obligation, values: dict) -> tuple[str, ...]:
    return tuple(k for k, v in values.items() if getattr(current, k) != v)


def _current_rows(rows: list[derivation.Derived], facts: derivation.BatchFacts) -> dict[str, Obligation]:
    """The stored obligations of these keys: the batch's projects' ones (read with the facts), and one query for
    keys they did not hold (new ones; or one another job wrote a moment ago)."""
    existing = dict(facts.existing)
    unseen = {row.source_key for row in rows} - existing.keys()
    if unseen:
        existing.update((o.source_key, o) for o in Obligation.objects.filter(source_key__in=unseen))
    return existing


def _write_batch(projects: list[Project], derived: dict[int, list[derivation.Derived]],
                 facts: derivation.BatchFacts, on: date, result: RecomputeResult) -> None:
    """Upsert a batch's derived obligations and remove its gone ones, with the same outcome as ``_upsert`` and
    the per-project removal of ``_recompute_project``: one read of the rows not yet seen, one insert, one
    update per set of changed fields, one delete."""
    rows = [row for p in projects for row in derived[p.pk]]
    existing = _current_rows(rows, facts)
    now = timezone.now()
    to_create: dict[str, tuple[derivation.Derived, Obligation]] = {}
    to_update: dict[int, Obligation] = {}
    fields_of: dict[int, set[str]] = {}
    for row in rows:
        current = existing.get(row.source_key)
        if current is None and row.source_key in to_create:
            current = to_create[row.source_key][1]  # the same key twice: the later row updates the first
        values = _values(row, current, on)
        if current is None:
            to_create[row.source_key] = (row, Obligation(source_key=row.source_key, **values))
            continue
        changed = _changed_fields(current, values)
        if not changed:
            if current.pk is not None:
                result.unchanged += 1
            continue
        for name in changed:
            setattr(current, name, values[name])
        if current.pk is None:
            to_create[row.source_key] = (row, current)  # still to be created, now with these values
            continue
        current.updated_at = now
        to_update[current.pk] = current
        fields_of.setdefault(current.pk, set()).update(changed)
        result.updated += 1
    if to_create:
        new = [obligation for _, obligation in to_create.values()]
        try:
            with transaction.atomic():
                Obligation.objects.bulk_create(new, batch_size=BATCH_SIZE)
            result.created += len(new)
        except IntegrityError:
            # Another job created some of these a moment ago (or a constraint refuses one): the row-by-row
            # upsert re-reads each and updates the one that is there, as the single-project path does.
            for row, _ in to_create.values():
                _upsert(row, on, result)
    # Write only the fields that changed (as ``_upsert`` does), so a waiver recorded meanwhile is not
    # overwritten with a stale status: one UPDATE per distinct set of changed fields.
    groups: dict[tuple[str, ...], list[Obligation]] = {}
    for pk, obligation in to_update.items():
        groups.setdefault(tuple(sorted(fields_of[pk])) + ("updated_at",), []).append(obligation)
    for names, objs in groups.items():
        if len(objs) == 1:  # an action's narrowed recompute: a plain UPDATE compiles in a fraction of bulk_update's CASE
            Obligation.objects.filter(pk=objs[0].pk).update(**{name: getattr(objs[0], name) for name in names})
        else:
            Obligation.objects.bulk_update(objs, list(names), batch_size=BATCH_SIZE)
    keep = {p.pk: {row.source_key for row in derived[p.pk]} for p in projects}
    gone = [o.pk for o in facts.existing.values()
            if o.project_id in keep and o.source_key not in keep[o.project_id]
            and o.status not in (ObligationStatus.DONE, ObligationStatus.WAIVED)]
    if gone:
        deleted = (Obligation.objects.filter(pk__in=gone)
                   .exclude(status__in=[ObligationStatus.DONE, ObligationStatus.WAIVED]).delete())
        result.removed += deleted[1].get("obligations.Obligation", 0)


def _recompute_batch(projects: list[Project], ctx: derivation.Context, result: RecomputeResult) -> None:
    facts = derivation.BatchFacts.load(projects)
    batch_ctx = replace(ctx, facts=facts)
    derived = {p.pk: [] if p.stage in NO_DUTIES else derivation.derive_for_project(p, batch_ctx) for p in projects}
    partial = RecomputeResult()
    _write_batch(projects, derived, facts, ctx.today, partial)
    for name in ("created", "updated", "removed", "unchanged"):
        setattr(result, name, getattr(result, name) + getattr(partial, name))


def recompute_obligations(project: Project | None = None, today: date | None = None,
                          projects=None, batch_size: int | None = BATCH_SIZE,
                          project_ids: set[int] | None = None) -> RecomputeResult:
    """Derive every obligation (or those of one project, of a queryset of projects, or of ``project_ids``) as of
    ``today``.

    Projects are taken ``batch_size`` at a time (``BatchFacts``); a batch that fails is recomputed project by
    project, so one project's broken facts are logged and stop no one else. ``batch_size=None`` is the
    project-by-project path (each derivation reads its own facts): the reference the batches must match."""
    on = today or timezone.localdate()
    ctx = _context(on, bulk=bool(batch_size) and project is None)
    result = RecomputeResult()
    if project is not None:
        selected = Project.objects.filter(pk=project.pk)
    elif project_ids is not None and batch_size:
        _recompute_batches(sorted(project_ids), ctx, result, batch_size)
        return result
    elif project_ids is not None:
        selected = Project.objects.filter(pk__in=project_ids)
    elif projects is not None:
        selected = projects
    else:
        selected = Project.objects.all()
    if not batch_size:
        _recompute_one_by_one(selected.select_related("unit__jurisdiction").order_by("pk"), ctx, result)
        return result
    _recompute_batches(list(selected.order_by("pk").values_list("pk", flat=True)), ctx, result, batch_size)
    return result


def _recompute_batches(ids: list[int], ctx: derivation.Context, result: RecomputeResult, batch_size: int) -> None:
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        batch = list(Project.objects.filter(pk__in=chunk).select_related(*derivation.BATCH_SELECT_RELATED)
                     .prefetch_related(*derivation.BATCH_PREFETCH_RELATED).order_by("pk"))
        try:
            # One transaction (a savepoint inside the caller's): a batch that fails leaves nothing half-written,
            # and on PostgreSQL a failed query does not poison the caller's transaction for the retry below.
            with transaction.atomic():
                _recompute_batch(batch, ctx, result)
        except Exception:
            logger.exception("批量重算义务失败（项目 %s 至 %s），改为逐个项目重算", batch[0].number if batch else "",
                             batch[-1].number if batch else "")
            plain = Project.objects.filter(pk__in=chunk).select_related("unit__jurisdiction").order_by("pk")
            _recompute_one_by_one(plain, ctx, result)


def recompute_narrowed(project: Project, derivations, today: date | None = None) -> RecomputeResult:
    """The obligations of ``derivations`` only, for one project: what an action that can change only their facts
    needs (obligations/receivers.py). Each derivation reads its own facts (the one-project path), and the stored
    rows compared, updated and removed are those of their source keys only (``derivation.SOURCE_KEY_PREFIXES``):
    these come out as a full recompute's, and the other rows stay as the last recompute left them — the same as a
    full recompute would leave them when only the derivations' facts changed (tests/test_obligation_scopes.py);
    what the date or a new profile changes is the daily job's, which recomputes every project with a new event in
    full. A project without duties (not listed, terminated) is recomputed in full: all its open rows go."""
    prefixes = derivation.source_key_prefixes(derivations)
    if not prefixes:
        return RecomputeResult()
    if project.stage in NO_DUTIES:
        return recompute_obligations(project=project, today=today)
    on = today or timezone.localdate()
    result = RecomputeResult()
    ctx = _context(on)
    rows = derivation.derive_for_project(project, ctx, derivations)
    stored = derivation.BatchFacts(existing={o.source_key: o for o in Obligation.objects.filter(project=project)
                                             if o.source_key.startswith(prefixes)})
    with transaction.atomic():
        _write_batch([project], {project.pk: rows}, stored, on, result)
    return result


def facts_changed(project_id: int | None = None, *, drafts: bool = False, derivations=None) -> None:
    """Recompute after the current transaction commits: a project's obligations (those of ``derivations`` only,
    when the action can change no other: ``recompute_narrowed``), or (a round opened or closed) those of every
    draft. Failures are logged, never raised into the action that changed the facts: the daily job recomputes
    everything anyway."""

    def run():
        try:
            if project_id is not None and derivations is not None:
                # Only the unit and jurisdiction joined in (every derivation's profile): the facts of the few
                # derivations run are read by each (a join of every one-to-one fact costs more than most scopes).
                from projects.selectors import load_project

                project = load_project(project_id)
                if project is not None:
                    recompute_narrowed(project, derivations)
            elif project_id is not None:
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


# --- The daily job's scope: what changed since the last run ---------------------------------------------------

# A full recompute runs on this weekday (Sunday) even when nothing says it is needed: it picks up facts changed
# outside the audited services (a correction in the Django admin, a script) within a week.
FULL_RECOMPUTE_WEEKDAY = 6
# Longer than this since the last run (the job was stopped): recompute everything.
MAX_INCREMENTAL_GAP_DAYS = 7
# Audit actions without a project whose facts reach many projects' obligations.
PORTFOLIO_ACTIONS = ("declaration_round.", "policy.")


@dataclass
class Scope:
    """The projects the daily job recomputes: every one (``project_ids`` None) with the reason, or those named."""

    full_reason: str = ""
    project_ids: set[int] | None = None

    @property
    def full(self) -> bool:
        return self.project_ids is None


def calendar_key() -> str:
    """Identifies the holiday calendar's content: an edit moves due dates of every project."""
    import hashlib

    from .models import CalendarDay

    rows = CalendarDay.objects.order_by("day").values_list("day", "kind")
    return hashlib.sha256(repr([(d.isoformat(), k) for d, k in rows]).encode()).hexdigest()[:32]


def profiles_key() -> str:
    """Identifies the current policy profiles (a new version is a new row)."""
    import hashlib

    from policy.models import PolicyProfile

    rows = PolicyProfile.objects.filter(is_current=True).order_by("pk").values_list(
        "pk", "version", "effective_from", "effective_to")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:32]


def daily_scope(on: date, last: dict | None, *, full: bool = False) -> Scope:
    """What the daily job run on ``on`` must recompute, given the record of the last run (``last``: its day, the
    audit sequence number it had read up to, the calendar and profiles it used).

    Obligations change only (1) when a fact of their project changes — every lifecycle action writes an audit
    event naming its project in the same transaction (docs/architecture.md), so the projects of the events
    after the last run's sequence number are the ones whose facts changed — or (2) with the date: an obligation
    whose due date has passed turns overdue (and 第三十二条's sanction appears on the same day), an acceptance
    duty becomes “申请验收” the day the trial run completes, a failed acceptance without a decision date opens
    today; a new year brings the year's monitoring report (第四十五条) and ends the sharing sanctions (第三十三条);
    a holiday or a profile that comes into force moves dates everywhere. (1) and the first kind of (2) are
    selected here; the rest, and anything unknown, recompute everything."""
    from audit.models import AuditEvent
    from policy.models import PolicyProfile

    if full:
        return Scope("requested")
    if not last:
        return Scope("first_run")
    since = date.fromisoformat(last["on"])
    if since > on:
        return Scope("date_went_back")
    if since.year != on.year:
        return Scope("new_year")
    if (on - since).days > MAX_INCREMENTAL_GAP_DAYS:
        return Scope("long_gap")
    if on.weekday() == FULL_RECOMPUTE_WEEKDAY and since != on:
        return Scope("weekly")
    if last.get("calendar") != calendar_key():
        return Scope("holidays_changed")
    if last.get("profiles") != profiles_key():
        return Scope("profiles_changed")
    if PolicyProfile.objects.filter(is_current=True).filter(
            Q(effective_from__gt=since, effective_from__lte=on)
            | Q(effective_to__gte=since, effective_to__lt=on)).exists():
        return Scope("profile_in_force")
    events = AuditEvent.objects.filter(seq__gt=last["through_seq"])
    portfolio = Q()
    for prefix in PORTFOLIO_ACTIONS:
        portfolio |= Q(action__startswith=prefix)
    if events.filter(project__isnull=True).filter(portfolio).exists():
        return Scope("portfolio_facts_changed")
    ids = set(events.filter(project__isnull=False).values_list("project_id", flat=True).distinct())
    # Due dates passed since the last run (any status: a waived acceptance duty still brings 第三十二条's sanction),
    # and open ones past due whatever the reason.
    ids |= set(Obligation.objects.filter(status__in=ObligationStatus.values, due_on__gte=since, due_on__lt=on,
                                         project__isnull=False).values_list("project_id", flat=True).distinct())
    ids |= set(Obligation.objects.filter(status=ObligationStatus.OPEN, due_on__lt=on, project__isnull=False)
               .values_list("project_id", flat=True).distinct())
    # Acceptance duties that move with the date (derivation.acceptance_obligations).
    ids |= set(Project.objects.filter(
        Q(stage=Stage.ACCEPTANCE_FAILED)
        | Q(stage__in=derivation.BEFORE_ACCEPTANCE, construction__trial_run_started_on__isnull=False))
        .values_list("pk", flat=True))
    return Scope("", ids)
