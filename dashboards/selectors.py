"""The figures of the dashboards (issue 6 §3). Every figure is computed over ``visible_projects(user)`` with
aggregate queries, and every figure has a drill-down: ``drill_projects(user, figure, key, today)`` returns the
projects behind it, so the number on the chart and the length of the list behind it are the same query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import PROJECT_UNIT_KINDS, Organisation, Role
from policy.services import memoised_profiles
from projects.models import Project, Stage
from projects.selectors import can_see_portfolio, visible_projects

ZERO = Decimal("0.00")

# 第三十一条: past approval, not yet applied for acceptance (nor accepted, nor terminated): acceptance can be overdue.
AWAITING_ACCEPTANCE_STAGES = (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.SUSPENDED, Stage.TRIAL_RUN,
                              Stage.ACCEPTANCE_FAILED)

FIGURES = {
    "stage_year": "阶段与年度",
    "unit": "项目单位",
    "lead_time": "申报至批复",
    "opinion": "征求意见部门",
    "acceptance_overdue": "逾期未申请验收",
    "rectifications_open": "未完成的限期整改",
    "sanction": "受限制措施的单位",
    "city": "省市协同项目的市（州）",
}


def is_unit_user(user) -> bool:
    return user.org_kind in PROJECT_UNIT_KINDS and user.has_role(Role.FILER, Role.UNIT_HEAD)


# --- the figures ---------------------------------------------------------------------------------

def stage_year_counts(projects: QuerySet[Project]) -> list[dict]:
    """[{stage, year, n}] — one GROUP BY."""
    return list(projects.order_by().values("stage", "year").annotate(n=Count("pk")).order_by("year", "stage"))


def investment_by_unit(projects: QuerySet[Project]) -> list[dict]:
    """申报总投资 and 批复总投资 summed by unit — one GROUP BY."""
    return list(projects.order_by().values("unit_id", "unit__name")
                .annotate(n=Count("pk"), declared=Coalesce(Sum("total_investment"), ZERO),
                          approved=Coalesce(Sum("approved_total_investment"), ZERO),
                          approved_n=Count("approved_total_investment"))
                .order_by("unit__name"))


def _submitted_at():
    from audit.models import AuditEvent

    return (AuditEvent.objects.filter(project_id=OuterRef("pk"), action="declaration.submitted")
            .order_by("seq").values("at")[:1])


@dataclass
class LeadTime:
    project_id: int
    number: str
    name: str
    unit: str
    submitted_on: date
    approved_on: date

    @property
    def days(self) -> int:
        return (self.approved_on - self.submitted_on).days


def approval_lead_times(projects: QuerySet[Project]) -> list[LeadTime]:
    """From the first 'declaration.submitted' audit event to the approval date of the approval record
    (reviews.Approval), for every project that has both. One query."""
    rows = (projects.filter(approval__isnull=False).annotate(submitted_at=Subquery(_submitted_at()))
            .filter(submitted_at__isnull=False)
            .values_list("pk", "number", "name", "unit__name", "submitted_at", "approval__approval_date")
            .order_by("number"))
    return [LeadTime(pk, number, name, unit, timezone.localtime(at).date(), approved)
            for pk, number, name, unit, at, approved in rows]


def summarise_days(days: list[int]) -> dict:
    if not days:
        return {"n": 0, "avg": None, "min": None, "max": None}
    return {"n": len(days), "avg": round(sum(days) / len(days), 1), "min": min(days), "max": max(days)}


@dataclass
class OpinionTimes:
    body_id: int
    body: str
    requested: int = 0
    answered: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        return summarise_days(self.days)

    @property
    def pending(self) -> int:
        return self.requested - self.answered


def opinion_times(projects: QuerySet[Project]) -> list[OpinionTimes]:
    """第二十二条: how long each body took to answer the DRC's request (calendar days, the request day not counted,
    as ``OpinionRequest.days_taken``). One query."""
    from reviews.models import OpinionRequest

    # Grouped in SQL by body and number of local days taken (TruncDate uses the current time zone, as
    # timezone.localtime does; the difference of two dates is a whole number of days): a few rows per body
    # instead of one per request (issue #8).
    days_taken = ExpressionWrapper(TruncDate("answered_at") - TruncDate("requested_at"), output_field=DurationField())
    rows = (OpinionRequest.objects.filter(project__in=projects.values("pk")).annotate(taken=days_taken)
            .values_list("body_id", "body__name", "taken").annotate(n=Count("pk"))
            .order_by("body__name", "body_id", "taken"))
    result: dict[int, OpinionTimes] = {}
    for body_id, name, taken, n in rows:
        item = result.setdefault(body_id, OpinionTimes(body_id, name))
        item.requested += n
        if taken is not None:
            item.answered += n
            item.days.extend([taken.days] * n)
    return list(result.values())


def _acceptance_due_dates(projects: QuerySet[Project], today: date) -> dict[int, tuple[date | None, str | None]]:
    """{project id: (last day for applying for acceptance, status of the latest acceptance application)} in one
    query of plain values (issue #8: model instances of every project took seconds at 10,000 projects).

    The same facts and rule as ``delivery.selectors.acceptance_due_on`` (the construction record's period, else
    the approval's; the latest deferral's new date; ``rules.ch04_construction.acceptance_due_date`` under the
    profile in force today); tests/test_performance_paths.py checks both agree. Used only to choose which
    projects to load: the findings shown are still made by the delivery and oversight selectors."""
    from delivery.models import AcceptanceApplication, AcceptanceDeferral
    from policy.services import resolve_for
    from rules.ch04_construction import AcceptanceSchedule, acceptance_due_date

    latest_deferral = (AcceptanceDeferral.objects.filter(project_id=OuterRef("pk"))
                       .order_by("-requested_on", "-pk").values("new_date")[:1])
    latest_acceptance = (AcceptanceApplication.objects.filter(project_id=OuterRef("pk"))
                         .order_by("-applied_on", "-pk").values("status")[:1])
    rows = (projects.order_by().annotate(deferred_to=Subquery(latest_deferral),
                                         latest_acceptance=Subquery(latest_acceptance))
            .values_list("pk", "approval_date", "construction__pk", "construction__construction_period_months",
                         "approval__construction_months", "unit__jurisdiction__code", "deferred_to",
                         "latest_acceptance"))
    result = {}
    with memoised_profiles():  # once per jurisdiction (also for the unit dashboard and the drill-down)
        for pk, approved_on, record, record_months, approval_months, code, deferred_to, status in rows:
            months = record_months if record is not None else approval_months
            due = None
            if months is not None and approved_on is not None:
                schedule = AcceptanceSchedule(approved_on, months, deferred_to)
                due = acceptance_due_date(schedule, resolve_for(code, today))
            result[pk] = (due, status)
    return result


def acceptance_overdue(projects: QuerySet[Project], today: date) -> list[tuple[Project, date]]:
    """第三十一条: projects whose last day for applying for acceptance (delivery.selectors.acceptance_due_on, from
    the approval, the construction period and any deferral) is past and that have not applied."""
    awaiting = projects.filter(stage__in=AWAITING_ACCEPTANCE_STAGES)
    due_dates = {pk: due for pk, (due, _) in _acceptance_due_dates(awaiting, today).items()
                 if due is not None and due < today}
    return [(project, due_dates[project.pk])
            for project in awaiting.filter(pk__in=list(due_dates)).select_related("unit__jurisdiction")]


def open_rectifications(projects: QuerySet[Project]):
    """第四十七条: rectifications not yet rechecked as passed, with their current deadline
    (the latest new deadline decided, or the one first set)."""
    from oversight.models import Rectification

    return (Rectification.objects.filter(finding__project__in=projects.values("pk"))
            .exclude(recheck_passed=True)
            .annotate(current_due_on=Coalesce(Max("decisions__new_due_on"), "due_on"))
            .select_related("finding__project__unit", "finding__body").order_by("due_on", "pk"))


def open_rectifications_by_unit(projects: QuerySet[Project], today: date) -> list[dict]:
    from oversight.models import Rectification

    latest = (Rectification.objects.filter(pk=OuterRef("pk"))
              .annotate(d=Coalesce(Max("decisions__new_due_on"), "due_on")).values("d")[:1])
    qs = (Rectification.objects.filter(finding__project__in=projects.values("pk")).exclude(recheck_passed=True)
          .annotate(current=Subquery(latest)))
    return list(qs.order_by().values("finding__project__unit_id", "finding__project__unit__name")
                .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(current__lt=today, rectified_on__isnull=True)))
                .order_by("finding__project__unit__name"))


@dataclass
class UnitSanctions:
    unit: Organisation
    findings: list


def units_under_sanction(projects: QuerySet[Project], today: date) -> list[UnitSanctions]:
    """第三十二条 (acceptance overdue or failed), 第三十三条 and 第五十一条: the units with a finding barring them,
    from the rules (oversight.selectors.unit_sanctions_findings, delivery.selectors.unit_acceptance_sanctions)."""
    from delivery.models import AcceptanceStatus
    from delivery.selectors import ACCEPTANCE_DUE_STAGES, unit_acceptance_sanctions
    from oversight.models import SharingViolation
    from oversight.selectors import unit_sanctions_findings

    unit_ids = projects.order_by().values("unit_id").distinct()
    # Only the projects that can bar their unit are loaded (issue #8: loading all 10,000 took ≈ 7 s): those with
    # a sharing violation (第三十三条) or a security profile (第五十一条), and those the acceptance rule bars
    # (第三十二条: the latest acceptance failed, or none applied for and the last day is past,
    # rules.ch04_construction.acceptance_standing). The findings are then made by the same selectors as before.
    due_dates = _acceptance_due_dates(Project.objects.filter(unit_id__in=unit_ids, stage__in=ACCEPTANCE_DUE_STAGES),
                                      today)
    barred = [pk for pk, (due, status) in due_dates.items()
              if status == AcceptanceStatus.FAILED or (status is None and due is not None and today > due)]
    relevant = (Q(pk__in=barred) | Q(pk__in=SharingViolation.objects.values("project_id"))
                | Q(security_profile__isnull=False))
    by_unit: dict[int, list[Project]] = {}
    for project in (Project.objects.filter(relevant, unit_id__in=unit_ids)
                    .select_related("unit__jurisdiction", "construction", "approval", "security_profile")
                    .prefetch_related("sharing_violations", "acceptance_deferrals", "acceptance_applications")
                    .order_by("number")):
        by_unit.setdefault(project.unit_id, []).append(project)
    result = []
    for unit in Organisation.objects.filter(pk__in=list(by_unit)).order_by("name"):
        own = by_unit[unit.pk]
        findings = (list(unit_sanctions_findings(unit, today, projects=own))
                    + list(unit_acceptance_sanctions(unit, today, projects=own)))
        if findings:
            result.append(UnitSanctions(unit, findings))
    return result


def collaborating_cities(projects: QuerySet[Project]) -> list[dict]:
    """第十条: the cities (by the jurisdiction of the city project's unit) linked to provincial projects. One query."""
    from reviews.models import CityProjectLink

    return list(CityProjectLink.objects.filter(application__project__in=projects.values("pk"))
                .order_by().values("city_project__unit__jurisdiction__code", "city_project__unit__jurisdiction__name")
                .annotate(city_projects=Count("city_project", distinct=True),
                          provincial_projects=Count("application__project", distinct=True),
                          city_investment=Coalesce(Sum("city_project__total_investment"), ZERO))
                .order_by("city_project__unit__jurisdiction__code"))


# --- the dashboards ------------------------------------------------------------------------------

# The projects every portfolio viewer sees (projects.selectors.visible_projects: every project but drafts). The
# province dashboard's snapshot (dashboards.snapshots) is computed over them and shown only to a user whose visible
# projects are exactly these.
PORTFOLIO = ~Q(stage=Stage.DRAFT)


def portfolio_projects() -> QuerySet[Project]:
    return Project.objects.select_related("unit").filter(PORTFOLIO)


def sees_exactly_the_portfolio(user) -> bool:
    """A portfolio viewer sees the whole portfolio (visible_projects), and more only as a unit user: its own unit's
    drafts. The projects its body was asked about (第二十二条) are in the portfolio already: opinions are asked
    during approval (reviews.services.opinions_request), and a project never goes back to draft from there.
    No query: a query for drafts among the visible projects grew with the portfolio."""
    return can_see_portfolio(user) and not is_unit_user(user)


def province_dashboard(user, today: date) -> dict:
    """The province dashboard's figures over the projects ``user`` may see."""
    return province_figures(visible_projects(user), today)


def province_figures(projects: QuerySet[Project], today: date) -> dict:
    with memoised_profiles():  # one profile resolution per jurisdiction, not per project (issue #8)
        return _province_figures(projects, today)


def _province_figures(projects: QuerySet[Project], today: date) -> dict:
    lead_times = approval_lead_times(projects)
    return {
        "total": projects.count(),
        "stage_year": stage_year_counts(projects),
        "by_unit": investment_by_unit(projects),
        "lead_times": lead_times,
        "lead_summary": summarise_days([t.days for t in lead_times]),
        "opinions": opinion_times(projects),
        "acceptance_overdue": acceptance_overdue(projects, today),
        "rectifications": open_rectifications_by_unit(projects, today),
        "sanctions": units_under_sanction(projects, today),
        "cities": collaborating_cities(projects),
    }


def unit_dashboard(user, today: date) -> dict:
    from obligations.models import ObligationStatus
    from obligations.selectors import own_obligations

    projects = visible_projects(user).filter(unit_id=user.organisation_id)
    money = projects.aggregate(n=Count("pk"), declared=Coalesce(Sum("total_investment"), ZERO),
                               approved=Coalesce(Sum("approved_total_investment"), ZERO))
    obligations = (own_obligations(user).filter(status__in=[ObligationStatus.OPEN, ObligationStatus.OVERDUE])
                   .order_by("due_on", "pk"))
    return {
        "projects": projects.order_by("-year", "number"),
        "money": money,
        "stages": list(projects.order_by().values("stage").annotate(n=Count("pk"),
                                                                   declared=Coalesce(Sum("total_investment"), ZERO))
                       .order_by("stage")),
        "obligations": obligations[:200],
        "obligations_overdue": obligations.filter(due_on__lt=today).count(),
        "rectifications": list(open_rectifications(projects)),
        "acceptance_overdue": acceptance_overdue(projects, today),
        "sanctions": units_under_sanction(projects, today) if projects.exists() else [],
    }


# --- drill-down ----------------------------------------------------------------------------------

def drill_projects(user, figure: str, key: str, today: date) -> QuerySet[Project]:
    """The projects behind one figure of a dashboard (always within ``visible_projects(user)``)."""
    projects = visible_projects(user)
    if figure == "stage_year":
        stage, _, year = key.partition(":")
        qs = projects
        if stage:
            qs = qs.filter(stage=stage)
        if year:
            qs = qs.filter(year=_int(year))
        return qs
    if figure == "unit":
        return projects.filter(unit_id=_int(key))
    if figure == "lead_time":
        return projects.filter(pk__in=[t.project_id for t in approval_lead_times(projects)])
    if figure == "opinion":
        return projects.filter(opinion_requests__body_id=_int(key)).distinct()
    if figure == "acceptance_overdue":
        return projects.filter(pk__in=[p.pk for p, _ in acceptance_overdue(projects, today)])
    if figure == "rectifications_open":
        qs = projects.filter(pk__in=open_rectifications(projects).values("finding__project_id"))
        return qs.filter(unit_id=_int(key)) if key else qs
    if figure == "sanction":
        return projects.filter(unit_id=_int(key))
    if figure == "city":
        from reviews.models import CityProjectLink

        links = CityProjectLink.objects.filter(city_project__unit__jurisdiction__code=key)
        return projects.filter(Q(pk__in=links.values("application__project_id"))
                               | Q(pk__in=links.values("city_project_id")))
    return projects.none()


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
