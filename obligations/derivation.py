"""Deriving obligations from lifecycle facts and the policy profile (never typed by hand).

Each ``*_obligations`` function reads the facts of one project (through the owning app's models and
selectors) and returns ``Derived`` rows; every date comes from the rules layer (``rules.periods``,
``rules.ch04_construction``, ``rules.ch05_funding``, ``rules.ch07_performance``) with the profile the
project's unit is under (``projects.services.profile_for``) and the rest days of the holiday calendar
(``obligations.selectors.rest_days``). ``obligations.services.recompute_obligations`` upserts them.

Facts of the oversight app (monitoring reports, self-evaluations, rectifications, sharing and security
violations) are read through the ``oversight_*`` hooks at the bottom of this module.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from projects.models import Project, Stage
from rules.ch04_construction import (
    ACCEPTANCE_NO_NEW_PROJECTS,
    AcceptanceRecord,
    AcceptanceResult,
    AcceptanceSchedule,
    SharingViolation,
    acceptance_due_date,
    acceptance_sanctions,
    sharing_sanctions,
)
from rules.ch05_funding import (
    OmBudgetFacts,
    OmRound,
    SurplusFacts,
    om_budget_declaration_window,
    om_budget_declaration_year,
    surplus_outstanding,
    surplus_return_due_date,
)
from rules.ch07_performance import (
    MonitoringFacts,
    MonitoringReport,
    monitoring_report_due_date,
    monitoring_years,
    self_evaluation_window,
)
from rules.ch08_security import SECURITY_NO_NEW_SYSTEMS, security_sanctions
from rules.periods import period_complete_on, shift_past_holidays

from .models import ObligationKind

# Stages in which a project is in its implementation period (第四十五条 “项目实施期内”): from the
# approval until acceptance or termination.
IMPLEMENTATION_STAGES = (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.SUSPENDED, Stage.TRIAL_RUN,
                         Stage.ACCEPTANCE_APPLIED, Stage.ACCEPTANCE_FAILED)
# Stages in which acceptance has still to be applied for (第三十一条).
BEFORE_ACCEPTANCE = (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.SUSPENDED, Stage.TRIAL_RUN, Stage.ACCEPTANCE_FAILED)
APPLIED_OR_DONE = (Stage.ACCEPTANCE_APPLIED, Stage.ACCEPTED)
NO_SELF_EVALUATION = (Stage.DRAFT, Stage.SUBMITTED, Stage.LISTED, Stage.UNDER_APPROVAL, Stage.NOT_LISTED,
                      Stage.TERMINATED)


@dataclass
class Derived:
    source_key: str
    organisation_id: int
    kind: str
    title: str
    article: int
    opens_on: date
    due_on: date | None
    url_name: str
    url_args: list = field(default_factory=list)
    project_id: int | None = None
    user_id: int | None = None
    paragraph: int | None = None
    item: int | None = None
    detail: str = ""
    done_on: date | None = None
    amount: Decimal | None = None
    profile: str = ""
    remind_days: int = 0


@dataclass
class Context:
    """What every derivation needs: today, the rest days, and the profile of a unit (cached per run)."""

    today: date
    holidays: Container[date]
    profile_of: Callable[[Project], object]
    # The facts of a whole batch of projects, read in a constant number of queries (``BatchFacts.load``);
    # None on the one-project path, where each derivation reads its own facts.
    facts: BatchFacts | None = None


def _name(project: Project) -> str:
    return f"“{project.number} {project.name}”"


def _base(project: Project, ctx: Context) -> dict:
    profile = ctx.profile_of(project)
    return {"organisation_id": project.unit_id, "project_id": project.pk, "profile": profile.version_label,
            "remind_days": profile.value("reminder.days_before_due")}


# --- 第十五条 申报批次 ----------------------------------------------------------------------------


def declaration_round_obligations(project: Project, ctx: Context) -> list[Derived]:
    """A draft of the round's year must be submitted by the round's closing day (第十五条)."""
    from declarations.models import DeclarationMaterials, DeclarationRound

    if ctx.facts is not None:
        rounds = ctx.facts.rounds.get(project.year, [])
        if not rounds:
            return []
        submitted_round_id, submitted_at = ctx.facts.submission(project)
    else:
        rounds = list(DeclarationRound.objects.filter(year=project.year).order_by("opens_on"))
        if not rounds:
            return []
        submitted_round_id = (DeclarationMaterials.objects.filter(project=project)
                              .values_list("submitted_round_id", flat=True).first())
        submitted_at = (DeclarationMaterials.objects.filter(project=project)
                        .values_list("submitted_at", flat=True).first())
    rows = []
    for rnd in rounds:
        done_on = None
        if submitted_round_id == rnd.pk:
            done_on = timezone.localdate(submitted_at) if submitted_at else ctx.today
        elif project.stage != Stage.DRAFT:
            continue  # submitted in another round (or before rounds were recorded): nothing owed here
        if done_on is None and rnd.closed_at is not None and timezone.localdate(rnd.closed_at) < rnd.opens_on:
            continue
        closes_on = rnd.closes_on if rnd.closed_at is None else min(rnd.closes_on, timezone.localdate(rnd.closed_at))
        # The round's own closing day is fixed by the office: it is not moved past holidays.
        rows.append(Derived(
            source_key=f"declaration_round:{rnd.pk}:project:{project.pk}", kind=ObligationKind.DECLARATION_ROUND,
            title=f"提交项目{_name(project)}的申报材料（{rnd.title}，{closes_on} 截止）",
            article=15, opens_on=rnd.opens_on, due_on=closes_on, done_on=done_on,
            url_name="declarations:detail", url_args=[project.pk], user_id=project.created_by_id,
            detail=f"申报期 {rnd.opens_on} 至 {closes_on}。", **_base(project, ctx)))
    return rows


# --- 第二十二条 征求意见 --------------------------------------------------------------------------


def opinion_obligations(project: Project, ctx: Context) -> list[Derived]:
    """Each body asked for its opinion answers within the profile's ``opinion.response_days`` (第二十二条)."""
    from reviews.models import OpinionRequest

    rows = []
    requests = (ctx.facts.opinions.get(project.pk, []) if ctx.facts is not None
                else OpinionRequest.objects.filter(project=project).select_related("body"))
    for request in requests:
        if not request.answered and project.stage != Stage.UNDER_APPROVAL:
            continue  # approval went on without it: nothing is owed any more
        due = shift_past_holidays(request.due_date, ctx.holidays)
        opens = min(timezone.localdate(request.requested_at), due)
        base = _base(project, ctx) | {"organisation_id": request.body_id}
        rows.append(Derived(
            source_key=f"opinion:{request.pk}", kind=ObligationKind.OPINION,
            title=f"就项目{_name(project)}出具{request.remit or '审核意见'}", article=22,
            opens_on=opens, due_on=due, done_on=timezone.localdate(request.answered_at) if request.answered else None,
            url_name="reviews:opinion", url_args=[request.pk],
            detail=f"省发展改革委于 {opens} 书面征求意见，答复期限 {due}。", **base))
    return rows


# --- 第三十一条 试运行、验收和延期验收 --------------------------------------------------------------


def _acceptance_round(project: Project) -> int:
    from delivery.models import AcceptanceApplication, AcceptanceStatus

    prefetched = getattr(project, "_prefetched_objects_cache", {}).get("acceptance_applications")
    if prefetched is not None:
        return sum(1 for a in prefetched if a.status == AcceptanceStatus.FAILED)
    return AcceptanceApplication.objects.filter(project=project, status=AcceptanceStatus.FAILED).count()


def acceptance_obligations(project: Project, ctx: Context) -> list[Derived]:
    """One duty per acceptance round: apply for acceptance by the due date (construction period + trial run,
    or the deferral's new date). Until the trial run has run its months it is “验收期限” — if the unit
    cannot apply in time it must file a written deferral (第三十一条第二款); from the day the trial run
    completes it is “申请验收” (第三十一条第一款). After a failed acceptance a new round begins."""
    from delivery import selectors as delivery

    if project.stage not in BEFORE_ACCEPTANCE + APPLIED_OR_DONE or project.approval_date is None:
        return []
    months = delivery.construction_months(project)
    if months is None:
        return []
    profile = ctx.profile_of(project)
    deferral = delivery.latest_deferral(project)
    due = acceptance_due_date(AcceptanceSchedule(project.approval_date, months,
                                                 deferral.new_date if deferral else None), profile, ctx.holidays)
    failed = _acceptance_round(project)
    latest = delivery.latest_acceptance(project)
    done_on = latest.applied_on if (latest is not None and project.stage in APPLIED_OR_DONE) else None
    record = delivery.construction_record(project)
    trial_started = record.trial_run_started_on if record else None
    key = f"acceptance:{project.pk}" + (f":{failed}" if failed else "")
    base = _base(project, ctx)
    ready_on = period_complete_on(trial_started, profile.value("trial_run.months")) if trial_started else None
    if failed or project.stage == Stage.ACCEPTANCE_FAILED:
        opens = latest.decided_on if latest is not None and latest.decided_on else ctx.today
        what = "验收不合格：整改后重新申请验收"
    elif ready_on is not None and ready_on <= ctx.today:
        opens = ready_on
        what = f"试运行已满 {profile.value('trial_run.months')} 个月：申请验收"
    else:
        opens = None
    if opens is not None:
        return [Derived(
            source_key=key, kind=ObligationKind.ACCEPTANCE_APPLICATION,
            title=f"项目{_name(project)}{what}（验收期限 {due}）", article=31, paragraph=1,
            opens_on=min(opens, due), due_on=due, done_on=done_on,
            url_name="delivery:project", url_args=[project.pk],
            detail=(f"试运行 {trial_started} 开始，{ready_on} 起可以申请验收。" if trial_started else ""), **base)]
    opens = project.approval_date
    detail = f"验收期限 {due}（批复日期 {project.approval_date}，建设周期 {months} 个月，加试运行期）"
    if deferral is not None:
        detail = f"已于 {deferral.requested_on} 书面申请延期验收，验收期限延至 {deferral.new_date}"
    return [Derived(
        source_key=key, kind=ObligationKind.ACCEPTANCE_DUE,
        title=f"项目{_name(project)}应于 {due} 前申请验收；不能按期申请的，应书面提出延期验收申请",
        article=31, paragraph=2, opens_on=min(opens, due), due_on=due, done_on=done_on,
        url_name="delivery:project", url_args=[project.pk], detail=detail + "。", **base)]


# --- 第四十五条 绩效监控报告、第四十六条 自评价 ----------------------------------------------------


def monitoring_obligations(project: Project, ctx: Context) -> list[Derived]:
    """第四十五条第一款：项目实施期内 “每年年底前” 提交绩效监控报告 (the profile's ``monitoring.report_due``)."""
    if project.approval_date is None or project.stage not in IMPLEMENTATION_STAGES + (Stage.ACCEPTED,):
        return []
    profile = ctx.profile_of(project)
    if ctx.facts is not None:
        filed = ctx.facts.monitoring_reports.get(project.pk, {})
        ended = ctx.facts.implementation_ended_on(project)
    else:
        filed = oversight_monitoring_reports(project)
        ended = oversight_implementation_ended_on(project)
    facts = MonitoringFacts(implementation_started_on=project.approval_date, today=ctx.today,
                            implementation_ended_on=ended,
                            reports=tuple(MonitoringReport(year=y, submitted_on=d) for y, d in filed.items()))
    rows = []
    for year in monitoring_years(facts, profile, ctx.holidays):
        due = monitoring_report_due_date(year, profile, ctx.holidays)
        opens = max(date(year, 1, 1), project.approval_date)
        rows.append(Derived(
            source_key=f"monitoring_report:{project.pk}:{year}", kind=ObligationKind.MONITORING_REPORT,
            title=f"提交项目{_name(project)}{year} 年度绩效监控报告（报省发展改革委和财政厅）",
            article=45, paragraph=1, opens_on=min(opens, due), due_on=due, done_on=filed.get(year),
            url_name=OVERSIGHT_URL, url_args=[project.pk], **_base(project, ctx)))
    return rows


def self_evaluation_obligations(project: Project, ctx: Context) -> list[Derived]:
    """第四十六条：项目投入运行后 12 至 24 个月内开展自评价 (the profile's window). 投入运行: the acceptance date,
    or the date the unit recorded (oversight.selectors.went_live_on)."""
    if project.stage in NO_SELF_EVALUATION:
        return []
    went_live = ctx.facts.went_live_on(project) if ctx.facts is not None else oversight_went_live_on(project)
    if went_live is None:
        return []
    profile = ctx.profile_of(project)
    opens, due = self_evaluation_window(went_live, profile, ctx.holidays)
    evaluations = (ctx.facts.self_evaluations.get(project.pk, []) if ctx.facts is not None
                   else oversight_self_evaluations(project))
    filed = [d for d in evaluations if d >= opens]
    return [Derived(
        source_key=f"self_evaluation:{project.pk}", kind=ObligationKind.SELF_EVALUATION,
        title=f"开展项目{_name(project)}绩效自评价（{opens} 至 {due}）", article=46,
        opens_on=opens, due_on=due, done_on=min(filed) if filed else None,
        url_name=OVERSIGHT_URL, url_args=[project.pk], detail=f"项目于 {went_live} 投入运行。",
        **_base(project, ctx))]


# --- 第三十六条 结余资金、第三十七条 运维经费预算 --------------------------------------------------


def surplus_obligations(project: Project, ctx: Context) -> list[Derived]:
    from funding import selectors as funding

    if ctx.facts is not None:
        accounts = ctx.facts.final_accounts(project)
        returned = tuple(amount for amount, _ in ctx.facts.surplus_returns.get(project.pk, []))
    else:
        accounts = funding.final_accounts(project)
        returned = None
    if accounts is None or not accounts.goals_and_content_unchanged:
        return []
    if returned is None:
        returned = funding.returned_amounts(project)
    facts = SurplusFacts(approved_total_investment=accounts.approved_total, actual_total_spent=accounts.spent_total,
                         goals_and_content_unchanged=True, determined_on=accounts.settled_on, today=ctx.today,
                         returned=returned)
    surplus = accounts.approved_total - accounts.spent_total
    if surplus <= 0:
        return []
    due = surplus_return_due_date(facts, ctx.profile_of(project), ctx.holidays)
    outstanding = surplus_outstanding(facts)
    done_on = None
    if outstanding == 0 and ctx.facts is not None:
        done_on = max((on for _, on in ctx.facts.surplus_returns.get(project.pk, [])), default=None) or ctx.today
    elif outstanding == 0:
        from funding.models import SurplusReturn

        done_on = (SurplusReturn.objects.filter(project=project).order_by("-returned_on")
                   .values_list("returned_on", flat=True).first()) or ctx.today
    return [Derived(
        source_key=f"surplus_return:{project.pk}", kind=ObligationKind.SURPLUS_RETURN,
        title=f"退回项目{_name(project)}结余资金 {outstanding if outstanding else surplus:,.2f} 元", article=36,
        paragraph=2, opens_on=min(accounts.settled_on, due), due_on=due, done_on=done_on,
        amount=outstanding if outstanding else surplus, url_name="funding:project", url_args=[project.pk],
        detail=f"竣工财务决算 {accounts.settled_on} 确定结余资金 {surplus:,.2f} 元。", **_base(project, ctx))]


def om_service_end(project: Project) -> date | None:
    """The last day of the O&M service the platform knows of (第四十二条 contracts, or the O&M procurement's
    service period): the next round's budget is declared in the year before it ends (第三十七条第二项)."""
    from funding.models import OmContract, Procurement

    ends = [d for d in (
        OmContract.objects.filter(procurement__project=project).order_by("-last_day")
        .values_list("last_day", flat=True).first(),
        Procurement.objects.filter(project=project, om_service=True).order_by("-service_last_day")
        .values_list("service_last_day", flat=True).first(),
    ) if d is not None]
    return max(ends) if ends else None


def om_budget_obligations(project: Project, ctx: Context) -> list[Derived]:
    """第三十七条: declare the O&M budget in the year before the service ends. Only where the platform has the
    service's end (an O&M contract or procurement); the warranty end of a new project (第一项) is not recorded
    anywhere yet, so that case is owed only once the unit records it in a declaration."""
    from funding.models import OmBudgetDeclaration, OmDeclarationStatus

    if project.stage != Stage.ACCEPTED:
        return []
    ends = ctx.facts.om_service_end(project) if ctx.facts is not None else om_service_end(project)
    if ends is None:
        return []
    facts = OmBudgetFacts(round=OmRound.CONTINUING, service_ends_on=ends, today=ctx.today)
    opens, due = om_budget_declaration_window(facts, ctx.profile_of(project), ctx.holidays)
    budget_year = om_budget_declaration_year(facts) + 1
    if ctx.facts is not None:
        declared = ctx.facts.om_declared.get((project.pk, budget_year))
    else:
        declared = (OmBudgetDeclaration.objects.filter(project=project, budget_year=budget_year)
                    .exclude(status=OmDeclarationStatus.REJECTED).values_list("declared_on", flat=True).first())
    return [Derived(
        source_key=f"om_budget:{project.pk}:{budget_year}", kind=ObligationKind.OM_BUDGET_DECLARATION,
        title=f"申报项目{_name(project)}{budget_year} 年度运维经费预算（本轮运维 {ends} 期满）", article=37, item=2,
        opens_on=opens, due_on=due, done_on=declared, url_name="funding:project", url_args=[project.pk],
        detail="续运维项目应对新一轮运维需求重新论证评估。", **_base(project, ctx))]


# --- 第四十七条 限期整改 -------------------------------------------------------------------------


def rectification_obligations(project: Project, ctx: Context) -> list[Derived]:
    """第四十七条第一款 “限期整改”: the unit reports its rectification by the current deadline (the body's, or the
    new one set with an escalation step). Done when reported, unless the recheck found it still wanting."""
    from oversight.models import Rectification
    from oversight.selectors import current_due_on

    rows = []
    rectifications = (ctx.facts.rectifications.get(project.pk, []) if ctx.facts is not None
                      else Rectification.objects.filter(finding__project=project).select_related("finding")
                      .prefetch_related("decisions").order_by("pk"))
    for r in rectifications:
        due = shift_past_holidays(current_due_on(r), ctx.holidays)
        done_on = r.rectified_on if r.rectified_on is not None and r.recheck_passed is not False else None
        failed = " 复查不合格，须继续整改。" if r.recheck_passed is False else ""
        rows.append(Derived(
            source_key=f"rectification:{r.pk}", kind=ObligationKind.RECTIFICATION,
            title=f"项目{_name(project)}限期整改（{r.finding.get_area_display()}）：{due} 前报送整改情况",
            article=47, paragraph=1, opens_on=min(r.ordered_on, due), due_on=due, done_on=done_on,
            url_name=OVERSIGHT_URL, url_args=[project.pk],
            detail=(f"整改要求：{r.finding.requirement}{failed} 逾期不整改或者整改后仍不符合要求的，将依次采取通报批评、"
                    "暂缓安排投资计划、暂停项目建设直至终止项目等措施。"), **_base(project, ctx)))
    return rows


# --- 第三十二条、第三十三条、第五十一条 限制措施（提示） ----------------------------------------------


def _year_end(year: int) -> date:
    return date(year, 12, calendar.monthrange(year, 12)[1])


def acceptance_sanction_obligations(project: Project, ctx: Context) -> list[Derived]:
    """第三十二条: while the project is overdue for acceptance or failed it, the unit may get no new projects
    (nor O&M money and cloud resources for the project). Informational; done when lifted."""
    if project.stage not in BEFORE_ACCEPTANCE + APPLIED_OR_DONE or project.approval_date is None:
        return []
    from delivery import selectors as delivery

    months = delivery.construction_months(project)
    if months is None:
        return []
    deferral = delivery.latest_deferral(project)
    due = acceptance_due_date(AcceptanceSchedule(project.approval_date, months,
                                                 deferral.new_date if deferral else None),
                              ctx.profile_of(project), ctx.holidays)
    latest = delivery.latest_acceptance(project)
    result = AcceptanceResult.NONE
    if project.stage == Stage.ACCEPTED:
        result = AcceptanceResult.PASSED
    elif project.stage == Stage.ACCEPTANCE_FAILED:
        result = AcceptanceResult.FAILED
    record = AcceptanceRecord(project=f"{project.number} {project.name}", due_on=due,
                              applied_on=latest.applied_on if latest and project.stage in APPLIED_OR_DONE else None,
                              result=result)
    findings = [f for f in acceptance_sanctions(record, ctx.today) if f.rule == ACCEPTANCE_NO_NEW_PROJECTS]
    key = f"sanction:32:{project.pk}"
    base = _base(project, ctx)
    if findings:
        finding = findings[0]
        opens = (latest.decided_on if result == AcceptanceResult.FAILED and latest and latest.decided_on
                 else due + timedelta(days=1))
        return [Derived(source_key=key, kind=ObligationKind.SANCTION, title=finding.message, article=32,
                        opens_on=min(opens, ctx.today), due_on=None, url_name="delivery:project",
                        url_args=[project.pk],
                        detail="同时不安排该项目运行维护经费和政务云资源；完成验收并合格后解除。", **base)]
    existing = _existing_opens(key, ctx)
    if existing is None:
        return []
    # The sanction stood and is lifted now: keep it on record as done, on the day it was first seen lifted.
    return [Derived(source_key=key, kind=ObligationKind.SANCTION,
                    title=f"项目{_name(project)}第三十二条限制措施已解除", article=32, opens_on=existing,
                    due_on=None, done_on=_lifted_on(key, ctx, ctx.today), url_name="delivery:project",
                    url_args=[project.pk], **base)]


def oversight_sanction_obligations(project: Project, ctx: Context) -> list[Derived]:
    """第三十三条: a sharing violation found in a year bars the unit's new systems (and the project's O&M money
    and new cloud resources) the next year; 第五十一条: a standing security violation bars the unit's new
    systems until it is put right. Informational for the unit; done once lifted."""
    from oversight.models import SharingViolation as Violation
    from oversight.selectors import security_facts

    base = _base(project, ctx)
    rows = []
    violations = (ctx.facts.sharing_violations.get(project.pk, []) if ctx.facts is not None
                  else Violation.objects.filter(project=project).order_by("year", "pk"))
    for v in violations:
        year = v.year + 1
        facts = SharingViolation(project=f"{project.number} {project.name}", year=v.year,
                                 failed_to_share=v.failed_to_share, duplicate_collection=v.duplicate_collection)
        finding = sharing_sanctions(facts, year)[0]
        lifted = date(year + 1, 1, 1)
        rows.append(Derived(source_key=f"sanction:33:{v.pk}", kind=ObligationKind.SANCTION, title=finding.message,
                            article=33, opens_on=min(v.recorded_on, _year_end(year)), due_on=None,
                            done_on=lifted if ctx.today >= lifted else None, url_name=OVERSIGHT_URL,
                            url_args=[project.pk],
                            detail=f"{year} 年度同时不安排该项目信息化运行维护经费、不提供新增政务云资源。", **base))
    facts = security_facts(project)
    key = f"sanction:51:{project.pk}"
    findings = [f for f in security_sanctions(facts) if f.rule == SECURITY_NO_NEW_SYSTEMS] if facts else []
    if findings:
        rows.append(Derived(source_key=key, kind=ObligationKind.SANCTION, title=findings[0].message, article=51,
                            opens_on=_existing_opens(key, ctx) or ctx.today, due_on=None, url_name=OVERSIGHT_URL,
                            url_args=[project.pk], **base))
    elif (opened := _existing_opens(key, ctx)) is not None:
        rows.append(Derived(source_key=key, kind=ObligationKind.SANCTION,
                            title=f"项目{_name(project)}第五十一条限制措施已解除", article=51, opens_on=opened,
                            due_on=None, done_on=_lifted_on(key, ctx, max(ctx.today, opened)), url_name=OVERSIGHT_URL,
                            url_args=[project.pk], **base))
    return rows


def _existing(key: str, ctx: Context) -> tuple | None:
    """(opens_on, status, done_on) of the stored obligation of ``key``, if any."""
    from .models import Obligation

    if ctx.facts is not None:
        current = ctx.facts.existing.get(key)
        return (current.opens_on, current.status, current.done_on) if current is not None else None
    return Obligation.objects.filter(source_key=key).values_list("opens_on", "status", "done_on").first()


def _existing_opens(key: str, ctx: Context) -> date | None:
    current = _existing(key, ctx)
    return current[0] if current is not None else None


def _lifted_on(key: str, ctx: Context, default: date) -> date:
    """The day a lifted sanction was first recorded as lifted. Recomputing later must not move it to the day of
    that later run (the daily job recomputes only what changed, a full run everything: both give this date)."""
    from .models import ObligationStatus

    current = _existing(key, ctx)
    if current is not None and current[1] == ObligationStatus.DONE and current[2] is not None:
        return current[2]
    return default


PROJECT_DERIVATIONS = (declaration_round_obligations, opinion_obligations, acceptance_obligations,
                       monitoring_obligations, self_evaluation_obligations, surplus_obligations, om_budget_obligations,
                       rectification_obligations, acceptance_sanction_obligations,
                       oversight_sanction_obligations)

# How the source keys of each derivation's rows begin (the prefixes are disjoint). A recompute narrowed to some
# derivations (``obligations.services.recompute_narrowed``) replaces and removes only the stored rows of these
# keys: another derivation's rows are neither read nor touched.
SOURCE_KEY_PREFIXES = {
    declaration_round_obligations: ("declaration_round:",),
    opinion_obligations: ("opinion:",),
    acceptance_obligations: ("acceptance:",),
    monitoring_obligations: ("monitoring_report:",),
    self_evaluation_obligations: ("self_evaluation:",),
    surplus_obligations: ("surplus_return:",),
    om_budget_obligations: ("om_budget:",),
    rectification_obligations: ("rectification:",),
    acceptance_sanction_obligations: ("sanction:32:",),
    oversight_sanction_obligations: ("sanction:33:", "sanction:51:"),
}


def source_key_prefixes(derivations) -> tuple[str, ...]:
    return tuple(prefix for derive in derivations for prefix in SOURCE_KEY_PREFIXES[derive])


def derive_for_project(project: Project, ctx: Context, derivations=None) -> list[Derived]:
    """The rows of every derivation (``PROJECT_DERIVATIONS``, read when called), or of ``derivations`` only."""
    rows: list[Derived] = []
    for derive in PROJECT_DERIVATIONS if derivations is None else derivations:
        rows.extend(derive(project, ctx))
    return rows


# --- Facts recorded by the oversight app (第四十五条–第四十七条、第三十三条、第五十一条) -------------------

OVERSIGHT_URL = "oversight:project"


def oversight_monitoring_reports(project: Project) -> dict[int, date]:
    """{year: submitted_on} of the project's performance monitoring reports (第四十五条)."""
    from oversight.models import MonitoringReport as Report

    return dict(Report.objects.filter(project=project).values_list("year", "submitted_on"))


def oversight_self_evaluations(project: Project) -> list[date]:
    """The dates the project's self-evaluation reports were filed (第四十六条)."""
    from oversight.models import SelfEvaluation

    return list(SelfEvaluation.objects.filter(project=project).values_list("filed_on", flat=True))


def oversight_went_live_on(project: Project) -> date | None:
    from oversight.selectors import went_live_on

    return went_live_on(project)


def oversight_implementation_ended_on(project: Project) -> date | None:
    from oversight.selectors import implementation_ended_on

    return implementation_ended_on(project)


# --- The facts of a batch of projects, read at once (the daily job over the whole portfolio) ---------------

# What ``BatchFacts.load`` needs on each project of the batch: the one-to-one facts joined in, the acceptance
# rows prefetched (``delivery.selectors.latest_deferral``/``latest_acceptance`` read them when prefetched).
BATCH_SELECT_RELATED = ("unit__jurisdiction", "declaration", "construction", "approval", "go_live", "final_accounts",
                        "security_profile")
BATCH_PREFETCH_RELATED = ("acceptance_deferrals", "acceptance_applications")


def _desc_first(values: list):
    """What ``.order_by("-field").values_list("field", flat=True).first()`` returns for these values: the
    database puts NULL first when sorting downwards on PostgreSQL and last on SQLite."""
    from django.db import connection

    if not values:
        return None
    if None in values and connection.vendor == "postgresql":
        return None
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _one_to_one(project: Project, name: str):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return getattr(project, name)
    except ObjectDoesNotExist:
        return None


@dataclass
class BatchFacts:
    """Every fact ``derive_for_project`` reads, for a batch of projects, in a constant number of queries
    (the one-project path reads the same facts project by project: the results must be the same)."""

    rounds: dict = field(default_factory=dict)              # year -> [DeclarationRound] by opening day
    opinions: dict = field(default_factory=dict)            # project id -> [OpinionRequest with body]
    monitoring_reports: dict = field(default_factory=dict)  # project id -> {year: submitted_on}
    self_evaluations: dict = field(default_factory=dict)    # project id -> [filed_on]
    surplus_returns: dict = field(default_factory=dict)     # project id -> [(amount, returned_on)]
    om_contract_ends: dict = field(default_factory=dict)    # project id -> [last_day]
    om_procurement_ends: dict = field(default_factory=dict)  # project id -> [service_last_day]
    om_declared: dict = field(default_factory=dict)         # (project id, budget year) -> declared_on
    rectifications: dict = field(default_factory=dict)      # project id -> [Rectification with finding, decisions]
    sharing_violations: dict = field(default_factory=dict)  # project id -> [SharingViolation by year, pk]
    existing: dict = field(default_factory=dict)            # source key -> Obligation of the batch's projects

    @classmethod
    def load(cls, projects: list[Project]) -> BatchFacts:
        from django.db.models import prefetch_related_objects

        from declarations.models import DeclarationRound
        from funding.models import (
            OmBudgetDeclaration,
            OmContract,
            OmDeclarationStatus,
            Procurement,
            SurplusReturn,
        )
        from oversight.models import MonitoringReport, Rectification, SelfEvaluation
        from oversight.models import SharingViolation as Violation
        from reviews.models import OpinionRequest

        from .models import Obligation

        ids = [p.pk for p in projects]
        facts = cls()
        missing = [name for name in BATCH_PREFETCH_RELATED
                   if projects and name not in getattr(projects[0], "_prefetched_objects_cache", {})]
        if missing:
            prefetch_related_objects(projects, *missing)
        years = {p.year for p in projects}
        for rnd in DeclarationRound.objects.filter(year__in=years).order_by("opens_on"):
            facts.rounds.setdefault(rnd.year, []).append(rnd)
        for request in OpinionRequest.objects.filter(project_id__in=ids).select_related("body"):
            facts.opinions.setdefault(request.project_id, []).append(request)
        for pid, year, submitted_on in MonitoringReport.objects.filter(project_id__in=ids).values_list(
                "project_id", "year", "submitted_on"):
            facts.monitoring_reports.setdefault(pid, {})[year] = submitted_on
        for pid, filed_on in SelfEvaluation.objects.filter(project_id__in=ids).values_list("project_id", "filed_on"):
            facts.self_evaluations.setdefault(pid, []).append(filed_on)
        for pid, amount, returned_on in SurplusReturn.objects.filter(project_id__in=ids).values_list(
                "project_id", "amount", "returned_on"):
            facts.surplus_returns.setdefault(pid, []).append((amount, returned_on))
        for pid, last_day in OmContract.objects.filter(procurement__project_id__in=ids).values_list(
                "procurement__project_id", "last_day"):
            facts.om_contract_ends.setdefault(pid, []).append(last_day)
        for pid, last_day in Procurement.objects.filter(project_id__in=ids, om_service=True).values_list(
                "project_id", "service_last_day"):
            facts.om_procurement_ends.setdefault(pid, []).append(last_day)
        for pid, year, declared_on in (OmBudgetDeclaration.objects.filter(project_id__in=ids)
                                       .exclude(status=OmDeclarationStatus.REJECTED).order_by("pk")
                                       .values_list("project_id", "budget_year", "declared_on")):
            facts.om_declared.setdefault((pid, year), declared_on)
        for r in (Rectification.objects.filter(finding__project_id__in=ids).select_related("finding")
                  .prefetch_related("decisions").order_by("pk")):
            facts.rectifications.setdefault(r.finding.project_id, []).append(r)
        for v in Violation.objects.filter(project_id__in=ids).order_by("year", "pk"):
            facts.sharing_violations.setdefault(v.project_id, []).append(v)
        facts.existing = {o.source_key: o for o in Obligation.objects.filter(project_id__in=ids)}
        return facts

    @staticmethod
    def submission(project: Project) -> tuple[int | None, object]:
        materials = _one_to_one(project, "declaration")
        return (materials.submitted_round_id, materials.submitted_at) if materials is not None else (None, None)

    @staticmethod
    def final_accounts(project: Project):
        return _one_to_one(project, "final_accounts")

    @staticmethod
    def accepted_on(project: Project) -> date | None:
        from delivery.models import AcceptanceStatus

        return _desc_first([a.decided_on for a in project.acceptance_applications.all()
                            if a.status == AcceptanceStatus.PASSED])

    def implementation_ended_on(self, project: Project) -> date | None:
        # oversight.selectors.implementation_ended_on: accepted, or terminated — a terminated project has no
        # monitoring duty, so only the acceptance date can matter here.
        if project.stage == Stage.TERMINATED:
            return oversight_implementation_ended_on(project)
        return self.accepted_on(project)

    def went_live_on(self, project: Project) -> date | None:
        accepted = self.accepted_on(project)
        if accepted is not None:
            return accepted
        go_live = _one_to_one(project, "go_live")
        return go_live.went_live_on if go_live is not None else None

    def om_service_end(self, project: Project) -> date | None:
        ends = [d for d in (max(self.om_contract_ends.get(project.pk, []), default=None),
                            _desc_first(self.om_procurement_ends.get(project.pk, []))) if d is not None]
        return max(ends) if ends else None
