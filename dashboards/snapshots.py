"""The province dashboard's figures as a stored snapshot (issue #8): aggregating the whole portfolio took ≈ 157 ms
at 10,000 projects and ≈ 3 s at 100,000 on every request; the page now reads one row.

- The figures are computed by ``dashboards.selectors.province_figures`` (the same code the live page ran) over the
  portfolio, and stored as JSON with the time the computation started (``computed_at``: every fact committed before
  it is counted) and the day it was computed for (overdue figures depend on the day).
- A page serves the stored figures to a user whose visible projects are exactly the portfolio
  (``selectors.sees_exactly_the_portfolio``); anyone else (a portfolio viewer who also sees drafts) gets them live.
- When the snapshot is older than ``settings.DASHBOARD_SNAPSHOT_MAX_AGE_SECONDS`` (default 300) or was computed
  for another day, the page queues its recomputation on the task queue (settings.TASKS) and serves it meanwhile;
  the daily job refreshes it too (``refresh_all``); with no snapshot yet the request computes and stores it.
- Money is stored as exact decimal strings and dates as YYYY-MM-DD: ``load(dump(figures))`` gives back the same
  Decimals and dates the selectors returned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role
from projects.selectors import can_see_portfolio

from . import selectors
from .models import DashboardSnapshot

logger = logging.getLogger(__name__)

PROVINCE = DashboardSnapshot.PROVINCE
DEFAULT_MAX_AGE_SECONDS = 300
REFRESH_ACTION = "dashboard.snapshot_refreshed"


def max_age() -> timedelta:
    return timedelta(seconds=getattr(settings, "DASHBOARD_SNAPSHOT_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS))


# --- JSON form of the figures --------------------------------------------------------------------

def _money(value: Decimal) -> str:
    return str(value)  # exact: Decimal(str(d)) == d, with the same number of places


def dump(data: dict) -> dict:
    """The figures of ``selectors.province_figures`` as plain JSON: what the page and the API show, nothing else."""
    return {
        "total": data["total"],
        "stage_year": [{"stage": r["stage"], "year": r["year"], "n": r["n"]} for r in data["stage_year"]],
        "by_unit": [{"unit_id": r["unit_id"], "unit__name": r["unit__name"], "n": r["n"],
                     "declared": _money(r["declared"]), "approved": _money(r["approved"]),
                     "approved_n": r["approved_n"]} for r in data["by_unit"]],
        "lead_times": [{"project_id": t.project_id, "number": t.number, "name": t.name, "unit": t.unit,
                        "submitted_on": t.submitted_on.isoformat(), "approved_on": t.approved_on.isoformat(),
                        "days": t.days} for t in data["lead_times"]],
        "lead_summary": dict(data["lead_summary"]),
        # The summary of each body's days, not the days themselves (one number per answered request).
        "opinions": [{"body_id": o.body_id, "body": o.body, "requested": o.requested, "answered": o.answered,
                      "pending": o.pending, "summary": o.summary} for o in data["opinions"]],
        "acceptance_overdue": [{"project_id": p.pk, "number": p.number, "name": p.name, "unit": p.unit.name,
                                "due_on": due.isoformat()} for p, due in data["acceptance_overdue"]],
        "rectifications": [{"finding__project__unit_id": r["finding__project__unit_id"],
                            "finding__project__unit__name": r["finding__project__unit__name"],
                            "n": r["n"], "overdue": r["overdue"]} for r in data["rectifications"]],
        "sanctions": [{"unit_id": s.unit.pk, "unit": s.unit.name, "findings": [f.as_dict() for f in s.findings]}
                      for s in data["sanctions"]],
        "cities": [{"city_project__unit__jurisdiction__code": c["city_project__unit__jurisdiction__code"],
                    "city_project__unit__jurisdiction__name": c["city_project__unit__jurisdiction__name"],
                    "city_projects": c["city_projects"], "provincial_projects": c["provincial_projects"],
                    "city_investment": _money(c["city_investment"])} for c in data["cities"]],
    }


def load(figures: dict) -> dict:
    """``dump``'s JSON with its money back as Decimal and its dates as date."""
    day = date.fromisoformat
    return {
        **figures,
        "by_unit": [{**r, "declared": Decimal(r["declared"]), "approved": Decimal(r["approved"])}
                    for r in figures["by_unit"]],
        "lead_times": [{**t, "submitted_on": day(t["submitted_on"]), "approved_on": day(t["approved_on"])}
                       for t in figures["lead_times"]],
        "acceptance_overdue": [{**a, "due_on": day(a["due_on"])} for a in figures["acceptance_overdue"]],
        "cities": [{**c, "city_investment": Decimal(c["city_investment"])} for c in figures["cities"]],
    }


# --- computing and storing -----------------------------------------------------------------------

@dataclass
class Computed:
    scope: str
    today: date
    computed_at: datetime
    figures: dict  # dump()'s JSON


# The projects each scope's figures are computed over.
SCOPE_PROJECTS = {PROVINCE: selectors.portfolio_projects}


def compute(scope: str = PROVINCE, today: date | None = None) -> Computed:
    """The scope's figures now, by the selectors (outside any transaction: nothing is locked meanwhile)."""
    computed_at = timezone.now()  # taken first: every fact committed before this moment is in the figures
    on = today or timezone.localdate(computed_at)
    figures = dump(selectors.province_figures(SCOPE_PROJECTS[scope](), on))
    return Computed(scope, on, computed_at, figures)


def store(computed: Computed) -> DashboardSnapshot:
    """Keep ``computed`` unless a computation that started later has been stored already (two may run at once:
    a page, the queue, the daily job, a refresh); one UPDATE, or the first INSERT of the scope."""
    values = {"today": computed.today, "figures": computed.figures, "computed_at": computed.computed_at,
              "refresh_requested_at": None}
    rows = DashboardSnapshot.objects.filter(scope=computed.scope)
    with transaction.atomic():
        newer = rows.filter(Q(computed_at__isnull=True) | Q(computed_at__lt=computed.computed_at))
        if not newer.update(**values) and not rows.exists():
            try:
                with transaction.atomic():
                    DashboardSnapshot.objects.create(scope=computed.scope, **values)
            except IntegrityError:  # another computation created the row meanwhile
                newer.update(**values)
    return rows.get()


def refresh(scope: str = PROVINCE, *, today: date | None = None, requested_at: datetime | None = None):
    """Compute and store the scope's figures. With ``requested_at`` (when a page found them stale), nothing is
    computed if a computation that started after that moment has been stored meanwhile."""
    if requested_at is not None:
        current = DashboardSnapshot.objects.filter(scope=scope, computed_at__gte=requested_at).first()
        if current is not None and (today is None or current.today == today):
            return current
    return store(compute(scope, today))


def refresh_all(today: date | None = None) -> dict:
    """The daily job's step: recompute every scope. Returns {scope: computed_at as ISO 8601}."""
    return {scope: refresh(scope, today=today).computed_at.isoformat() for scope in SCOPE_PROJECTS}


def is_stale(snapshot: DashboardSnapshot, now: datetime) -> bool:
    return (snapshot.computed_at is None or now - snapshot.computed_at > max_age()
            or snapshot.today != timezone.localdate(now))


def request_refresh(snapshot: DashboardSnapshot, now: datetime) -> bool:
    """Queue the recomputation of a stale snapshot, once per maximum age whatever the number of pages read
    meanwhile (a conditional UPDATE claims it). The page goes on with the stored figures if the queue fails."""
    from .tasks import refresh_snapshot_task

    since = now - max_age()
    if snapshot.refresh_requested_at is not None and snapshot.refresh_requested_at > since:
        return False  # already queued: no query
    claimed = (DashboardSnapshot.objects.filter(pk=snapshot.pk)
               .filter(Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lte=since))
               .update(refresh_requested_at=now))
    if not claimed:
        return False
    try:
        refresh_snapshot_task.enqueue(snapshot.scope, now.isoformat())
    except Exception:  # the page must not fail because the queue is down: it shows the figures with their age
        logger.exception("看板统计快照刷新任务提交失败（%s）", snapshot.scope)
        return False
    return True


# --- reading -------------------------------------------------------------------------------------

@dataclass
class Shown:
    """What a page shows: the figures (``load``'s form), the day they are for and the time they are as of."""

    today: date
    computed_at: datetime
    # Which stored snapshot (scope, row, computed_at): what is shown from it is the same for everyone. None when the
    # figures were computed for this user alone.
    key: tuple | None = None
    loaded: dict | None = None

    @property
    def figures(self) -> dict:
        if self.loaded is None:
            # The row was read without its figures (the page's HTML is usually rendered already, and the JSON grows
            # with the portfolio): read them now, with the row's day and time in case it was replaced meanwhile.
            snapshot = DashboardSnapshot.objects.get(pk=self.key[1])
            self.today, self.computed_at, self.key = snapshot.today, snapshot.computed_at, _key(snapshot)
            self.loaded = load(snapshot.figures)
        return self.loaded


def _key(snapshot: DashboardSnapshot) -> tuple:
    return (snapshot.scope, snapshot.pk, snapshot.computed_at)


def province_for(user) -> Shown:
    """The province dashboard's figures for ``user`` (who may see the dashboard: the caller checks): the stored
    snapshot when ``user`` sees exactly the portfolio, else computed now over the user's own visible projects."""
    now = timezone.now()
    if not selectors.sees_exactly_the_portfolio(user):
        today = timezone.localdate(now)
        return Shown(today, now, loaded=load(dump(selectors.province_dashboard(user, today))))
    snapshot = DashboardSnapshot.objects.filter(scope=PROVINCE).defer("figures").first()
    if snapshot is None or snapshot.computed_at is None:
        snapshot = refresh(PROVINCE, requested_at=now)  # the first page: computed once, then stored for all
        return Shown(snapshot.today, snapshot.computed_at, _key(snapshot), load(snapshot.figures))
    if is_stale(snapshot, now):
        request_refresh(snapshot, now)
    return Shown(snapshot.today, snapshot.computed_at, _key(snapshot))


def may_refresh(user) -> bool:
    """The reviewers of the bodies that review every project may ask for fresh figures (auditors read them)."""
    return can_see_portfolio(user) and user.has_role(Role.REVIEWER)


def beijing_time(moment: datetime) -> str:
    """数据截至 … (北京时间): the time zone is named on the page, so it is fixed here, not the active one."""
    from zoneinfo import ZoneInfo

    return f"{moment.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M}"
