"""Reading performance, supervision, sharing and security facts; every conclusion comes from the rules layer.

Projects are fetched only through ``projects.selectors``. Facts owned by other apps are read lazily:
the construction record (trial run) and the acceptance decision from ``delivery``.

For other apps:
- ``unit_sanctions_findings(unit, today)``: the 第三十三条 and 第五十一条 bars on the unit's new, rebuilt or
  extended systems (declaration pre-check, funding screens);
- ``project_om_blocks(project, today, year)``: the 第三十三条 and 第五十一条 bars on the project's O&M money;
- ``sharing_violation_facts(project)`` / ``security_facts(project)``: the rule facts for ``OmFundingFacts``;
- ``performance_summary(unit)``: latest risk ratings and evaluation results (第四十六条: next year's money).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import PROJECT_UNIT_KINDS, OrgKind, Role
from projects.models import Project, Stage
from projects.selectors import can_see_portfolio, visible_projects
from projects.services import profile_for, today
from rules.ch04_construction import SHARING_NO_OM_FUNDING, sharing_sanctions
from rules.ch04_construction import SharingViolation as RuleSharingViolation
from rules.ch07_performance import (
    Escalation,
    MonitoringFacts,
    MonitoringFigures,
    RectificationFacts,
    RiskFacts,
    RiskRating,
    SelfEvaluationFacts,
    monitoring_reports,
    next_escalation_step,
    risk_rating,
    self_evaluation,
)
from rules.ch07_performance import MonitoringReport as RuleMonitoringReport
from rules.ch08_security import SECURITY_NO_OM_FUNDING, AssessmentResult, SecurityFacts, security_sanctions
from rules.findings import Finding, Outcome
from rules.sanctions import UnitSanctionFacts, unit_sanctions

from .models import (
    Evaluation,
    EvaluationKind,
    GoLive,
    InformationResource,
    MonitoringReport,
    PostEvaluation,
    Rectification,
    SecurityProfile,
    SharingType,
    SharingViolation,
)

__all__ = ["today"]

# 第四十七条 “领导小组及有关部门（单位）”: the bodies that supervise and order rectification.
SUPERVISION_BODIES = (OrgKind.LEADING_GROUP, OrgKind.LEADING_GROUP_OFFICE, OrgKind.DRC, OrgKind.FINANCE,
                      OrgKind.BIG_DATA_CENTER, OrgKind.CYBERSPACE_OFFICE, OrgKind.SECRECY_BUREAU,
                      OrgKind.CRYPTOGRAPHY_BUREAU, OrgKind.ECONOMY_IT_DEPARTMENT, OrgKind.PUBLIC_SECURITY)
# 第四十六条 “政务信息化建设运维主管部门”: evaluations of resource use, sharing and security.
EVALUATION_BODIES = (OrgKind.LEADING_GROUP_OFFICE, OrgKind.DRC, OrgKind.BIG_DATA_CENTER, OrgKind.CYBERSPACE_OFFICE,
                     OrgKind.SECRECY_BUREAU, OrgKind.CRYPTOGRAPHY_BUREAU, OrgKind.ECONOMY_IT_DEPARTMENT,
                     OrgKind.PUBLIC_SECURITY)
# 第四十六条 后评价: the DRC and finance.
POST_EVALUATION_BODIES = (OrgKind.DRC, OrgKind.FINANCE)
# 第三十三条: the leading group supervises sharing; the DRC, finance and the big data center apply the sanctions.
SHARING_BODIES = (OrgKind.LEADING_GROUP, OrgKind.LEADING_GROUP_OFFICE, OrgKind.DRC, OrgKind.FINANCE,
                  OrgKind.BIG_DATA_CENTER)
# 第四十九条: the network-security and cryptography supervisors, who find the issues of 第五十一条.
SECURITY_BODIES = (OrgKind.CYBERSPACE_OFFICE, OrgKind.SECRECY_BUREAU, OrgKind.ECONOMY_IT_DEPARTMENT,
                   OrgKind.PUBLIC_SECURITY, OrgKind.CRYPTOGRAPHY_BUREAU)
# Projects in their implementation period or after it (approved and later).
APPROVED_STAGES = (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.SUSPENDED, Stage.TRIAL_RUN, Stage.ACCEPTANCE_APPLIED,
                   Stage.ACCEPTED, Stage.ACCEPTANCE_FAILED, Stage.TERMINATED)
# The unit files monitoring reports and records facts during these stages.
UNIT_STAGES = (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.SUSPENDED, Stage.TRIAL_RUN, Stage.ACCEPTANCE_APPLIED,
               Stage.ACCEPTED, Stage.ACCEPTANCE_FAILED)


# --- Who ------------------------------------------------------------------------------------------


def is_unit_member(user, project: Project) -> bool:
    return bool(user.is_authenticated and user.organisation_id == project.unit_id
                and user.has_role(Role.FILER, Role.UNIT_HEAD))


def is_body(user, kinds) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.REVIEWER) and user.org_kind in kinds)


def is_auditor(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.AUDITOR, Role.AUDIT_ADMIN))


def may_see_secrets(user, project: Project) -> bool:
    """第十三条: resources involving state secrets are seen by the providing unit, the secrecy bureau and auditors."""
    return (is_unit_member(user, project) or is_body(user, (OrgKind.SECRECY_BUREAU,))
            or bool(user.is_authenticated and user.has_role(Role.AUDITOR)))


# --- Dates from other apps ------------------------------------------------------------------------


def accepted_on(project: Project) -> date | None:
    from delivery.models import AcceptanceApplication, AcceptanceStatus

    return (AcceptanceApplication.objects.filter(project=project, status=AcceptanceStatus.PASSED)
            .order_by("-decided_on").values_list("decided_on", flat=True).first())


def went_live_on(project: Project) -> date | None:
    """第四十六条 “项目投入运行”: the acceptance date where delivery has one, else the date the unit recorded."""
    accepted = accepted_on(project)
    if accepted is not None:
        return accepted
    return GoLive.objects.filter(project=project).values_list("went_live_on", flat=True).first()


def trial_run_started_on(project: Project) -> date | None:
    from delivery.selectors import construction_record

    record = construction_record(project)
    return record.trial_run_started_on if record is not None else None


def terminated_on(project: Project) -> date | None:
    if project.stage != Stage.TERMINATED:
        return None
    from delivery.models import TerminationRequest, TerminationStatus

    at = (TerminationRequest.objects.filter(project=project, status=TerminationStatus.APPROVED)
          .order_by("-decided_at").values_list("decided_at", flat=True).first())
    return (at or project.updated_at).date()


def implementation_ended_on(project: Project) -> date | None:
    """实施期结束：验收合格或终止."""
    return accepted_on(project) or terminated_on(project)


# --- 第四十五条 绩效监控报告 ------------------------------------------------------------------------


def rule_report(report: MonitoringReport) -> RuleMonitoringReport:
    return RuleMonitoringReport(
        year=report.year, submitted_on=report.submitted_on, covers_progress=bool(report.progress.strip()),
        covers_budget_execution=bool(report.budget_execution.strip()),
        covers_trial_run=bool(report.trial_run_effects.strip()),
        using_unit_opinion=bool(report.using_unit_opinion.strip()),
        supervision_opinion=bool(report.supervision_opinion.strip()))


def monitoring_facts(project: Project, on: date) -> MonitoringFacts | None:
    if project.approval_date is None:
        return None
    return MonitoringFacts(implementation_started_on=project.approval_date, today=on,
                           implementation_ended_on=implementation_ended_on(project),
                           trial_run_started_on=trial_run_started_on(project),
                           reports=tuple(rule_report(r) for r in project.monitoring_reports.all()))


def monitoring_findings(project: Project, on: date) -> list[Finding]:
    facts = monitoring_facts(project, on)
    return monitoring_reports(facts, profile_for(project, on)) if facts is not None else []


@dataclass(frozen=True)
class MissingReport:
    project: Project
    finding: Finding

    @property
    def overdue(self) -> bool:
        return self.finding.blocks


def monitoring_run(year: int, on: date, projects: QuerySet[Project] | None = None) -> list[MissingReport]:
    """年底检查 (第四十五条): every project whose ``year`` report is owed and not filed."""
    qs = projects if projects is not None else Project.objects.all()
    qs = (qs.filter(stage__in=APPROVED_STAGES, approval_date__isnull=False)
          .select_related("unit__jurisdiction").prefetch_related("monitoring_reports").order_by("unit__code", "number"))
    missing = []
    for project in qs:
        for finding in monitoring_findings(project, on):
            if finding.evidence["年度"] == year and finding.evidence["提交日期"] is None:
                missing.append(MissingReport(project, finding))
    return missing


def overdue_report_count(project: Project, on: date) -> int:
    return sum(1 for f in monitoring_findings(project, on) if f.blocks)


# --- 偏差和风险 ---------------------------------------------------------------------------------------


def latest_report(project: Project) -> MonitoringReport | None:
    return project.monitoring_reports.order_by("-year").first()


def risk(project: Project, on: date) -> RiskRating | None:
    """Cost and schedule variance of the latest report against the approved plan, and the risk rating (1–5)."""
    report = latest_report(project)
    if report is None or project.approved_total_investment is None:
        return None
    figures = MonitoringFigures(
        approved_total_investment=project.approved_total_investment, planned_spend=report.planned_spend,
        actual_spend=report.actual_spend, planned_progress_percent=report.planned_progress_percent,
        actual_progress_percent=report.actual_progress_percent)
    return risk_rating(RiskFacts(figures, overdue_monitoring_reports=overdue_report_count(project, on),
                                 overdue_rectifications=overdue_rectification_count(project, on)),
                       profile_for(project, on))


# --- 第四十六条 自评价 --------------------------------------------------------------------------------


def self_evaluation_status(project: Project, on: date) -> Finding | None:
    live = went_live_on(project)
    if live is None:
        return None
    filed = tuple(project.self_evaluations.values_list("filed_on", flat=True))
    return self_evaluation(SelfEvaluationFacts(went_live_on=live, today=on, filed_on=filed), profile_for(project, on))


def latest_evaluations(project: Project) -> dict[str, Evaluation]:
    latest: dict[str, Evaluation] = {}
    for e in Evaluation.objects.filter(project=project).select_related("body").order_by("-evaluated_on", "-pk"):
        latest.setdefault(e.kind, e)
    return latest


# --- 第四十七条 限期整改 ------------------------------------------------------------------------------


def current_due_on(rectification: Rectification) -> date:
    new = [d.new_due_on for d in rectification.decisions.all() if d.new_due_on]
    return max(new) if new else rectification.due_on


def rectification_facts(rectification: Rectification, on: date) -> RectificationFacts:
    return RectificationFacts(ordered_on=rectification.ordered_on, due_on=current_due_on(rectification), today=on,
                              rectified_on=rectification.rectified_on, recheck_passed=rectification.recheck_passed,
                              steps_taken=tuple(d.step for d in rectification.decisions.all()))


def escalation(rectification: Rectification, on: date) -> Escalation:
    return next_escalation_step(rectification_facts(rectification, on), profile_for(rectification.finding.project, on))


def project_rectifications(project: Project):
    return (Rectification.objects.filter(finding__project=project)
            .select_related("finding__body", "finding__project__unit__jurisdiction", "rechecked_by")
            .prefetch_related("decisions__decided_by", "decisions__body").order_by("due_on", "pk"))


def overdue_rectification_count(project: Project, on: date) -> int:
    return sum(1 for r in project_rectifications(project) if escalation(r, on).finding.outcome != Outcome.PASS)


def visible_rectifications(user):
    return (Rectification.objects.filter(finding__project__in=visible_projects(user))
            .select_related("finding__body", "finding__project__unit__jurisdiction", "rechecked_by")
            .prefetch_related("decisions__decided_by", "decisions__body").order_by("due_on", "pk"))


def may_decide(user, rectification: Rectification) -> bool:
    """The body that ordered the rectification, the DRC (investment plans, suspension: 第三十条) or the leading
    group rechecks and decides the measures."""
    return is_body(user, SUPERVISION_BODIES) and (user.organisation_id == rectification.finding.body_id
                                                  or user.org_kind in (OrgKind.LEADING_GROUP, OrgKind.DRC))


# --- 第十一条、第十三条 信息资源 ----------------------------------------------------------------------


def visible_resources(user, project: Project) -> QuerySet[InformationResource]:
    qs = InformationResource.objects.filter(project=project).order_by("pk")
    return qs if may_see_secrets(user, project) else qs.filter(state_secret=False)


def get_resource_for_user(user, pk) -> InformationResource:
    """A resource the user may see (the project visible, and 第十三条 for state secrets); otherwise 404."""
    try:
        resource = InformationResource.objects.select_related("project__unit").get(
            pk=int(pk), project__in=visible_projects(user))
    except (InformationResource.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("信息资源不存在或无权查看") from exc
    if resource.state_secret and not may_see_secrets(user, resource.project):
        raise Http404("信息资源不存在或无权查看")
    return resource


def shared_with_unit(user) -> QuerySet[InformationResource]:
    """第十一条 “建立共享信息使用情况反馈机制”: the shared (unconditional or conditional), non-secret resources of
    other units' approved projects, on which a project unit's filer or head records how it used the data. Only the
    catalogue entry is shown (never the project's other records); 第十三条 resources are never listed."""
    if not (user.is_authenticated and user.organisation_id and user.org_kind in PROJECT_UNIT_KINDS
            and user.has_role(Role.FILER, Role.UNIT_HEAD)):
        return InformationResource.objects.none()
    return (InformationResource.objects.filter(state_secret=False, project__stage__in=APPROVED_STAGES)
            .exclude(sharing_type=SharingType.NOT_SHARED).exclude(project__unit_id=user.organisation_id)
            .select_related("project__unit").order_by("project__unit__code", "name", "pk"))


def get_resource_for_feedback(user, pk) -> InformationResource:
    """A resource the user may see (``get_resource_for_user``) or that another unit shares with the user's unit
    (``shared_with_unit``); otherwise 404."""
    try:
        return get_resource_for_user(user, pk)
    except Http404:
        try:
            return shared_with_unit(user).get(pk=int(pk))
        except (InformationResource.DoesNotExist, TypeError, ValueError) as exc:
            raise Http404("信息资源不存在或无权查看") from exc


# --- 第三十三条、第五十一条 制裁 ----------------------------------------------------------------------


def sharing_violation_facts(project: Project) -> tuple[RuleSharingViolation, ...]:
    prefetched = getattr(project, "_prefetched_objects_cache", {}).get("sharing_violations")
    rows = (sorted(prefetched, key=lambda v: (v.year, v.pk)) if prefetched is not None
            else SharingViolation.objects.filter(project=project).order_by("year", "pk"))
    return tuple(RuleSharingViolation(project=str(project), year=v.year, failed_to_share=v.failed_to_share,
                                      duplicate_collection=v.duplicate_collection) for v in rows)


def security_profile(project: Project) -> SecurityProfile | None:
    if "security_profile" in project._state.fields_cache:  # select_related by a page listing many projects
        return project._state.fields_cache["security_profile"]
    return SecurityProfile.objects.filter(project=project).first()


def security_facts(project: Project, profile: SecurityProfile | None = None) -> SecurityFacts | None:
    p = profile or security_profile(project)
    if p is None:
        return None
    return SecurityFacts(
        project=str(project), classified=p.classified, mlps_level=p.mlps_level, mlps_plan=p.mlps_plan,
        classified_protection_plan=p.classified_protection_plan, cryptography_plan=p.cryptography_plan,
        secure_reliable_statement=p.secure_reliable_statement, mlps_test=AssessmentResult(p.mlps_test),
        classified_protection_test=AssessmentResult(p.classified_protection_test),
        cryptography_assessment=AssessmentResult(p.cryptography_assessment),
        data_security_assessment=AssessmentResult(p.data_security_assessment), new_data_centre=p.new_data_centre,
        pue=p.pue, network_security_issue_open=p.network_security_issue_open,
        cryptography_issue_open=p.cryptography_issue_open, major_hidden_danger=p.major_hidden_danger)


def project_sanctions(project: Project, year: int) -> list[Finding]:
    """All the 第三十三条 (for ``year``) and 第五十一条 (now) findings about one project."""
    findings = [f for v in sharing_violation_facts(project) for f in sharing_sanctions(v, year)]
    facts = security_facts(project)
    if facts is not None:
        findings.extend(security_sanctions(facts))
    return findings


def project_om_blocks(project: Project, today: date, year: int | None = None) -> list[Finding]:
    """第三十三条 and 第五十一条: the BLOCK findings against O&M funding of ``project`` for ``year`` (the budget
    year; by default the year of ``today``). Empty when nothing bars it."""
    year = today.year if year is None else year
    return [f for f in project_sanctions(project, year) if f.rule in (SHARING_NO_OM_FUNDING, SECURITY_NO_OM_FUNDING)]


def unit_sanctions_findings(unit, today: date, year: int | None = None, projects=None) -> list[Finding]:
    """第三十三条 and 第五十一条: the BLOCK findings barring ``unit``'s new, rebuilt or extended systems in ``year``
    (the year of approval; by default the year of ``today``). Each has "项目" and "原因" in its evidence.
    ``projects``: the unit's projects already fetched (dashboards.selectors.units_under_sanction)."""
    year = today.year if year is None else year
    if projects is None:
        projects = Project.objects.filter(unit=unit).select_related("unit").order_by("number")
    violations = tuple(v for p in projects for v in sharing_violation_facts(p))
    security = tuple(f for p in projects if (f := security_facts(p)) is not None)
    return unit_sanctions(UnitSanctionFacts(unit=str(unit), year=year, today=today, sharing_violations=violations,
                                            security=security))


# --- 第四十六条 结果运用：下一年度安排经费的依据 ------------------------------------------------------------


@dataclass
class ProjectPerformance:
    project: Project
    risk: RiskRating | None
    self_evaluation: Finding | None
    evaluations: dict[str, Evaluation] = field(default_factory=dict)
    post_evaluation: PostEvaluation | None = None

    @property
    def evaluation_list(self) -> list[Evaluation]:
        return [self.evaluations[k] for k in EvaluationKind.values if k in self.evaluations]


def project_performance(project: Project, on: date) -> ProjectPerformance:
    return ProjectPerformance(
        project=project, risk=risk(project, on), self_evaluation=self_evaluation_status(project, on),
        evaluations=latest_evaluations(project),
        post_evaluation=PostEvaluation.objects.filter(project=project).select_related("body")
        .order_by("-evaluated_on", "-pk").first())


def performance_summary(unit, on: date | None = None) -> list[ProjectPerformance]:
    """The unit's approved projects with their latest risk rating, self-evaluation status and evaluation results,
    for the review of its declarations and O&M budgets (第四十六条 “评价结果将作为下一年度安排……经费的重要依据”)."""
    on = on or today()
    projects = (Project.objects.filter(unit=unit, stage__in=APPROVED_STAGES).select_related("unit__jurisdiction")
                .order_by("number"))
    return [project_performance(p, on) for p in projects]


def portfolio(user, on: date) -> list[ProjectPerformance]:
    if not can_see_portfolio(user):
        return []
    projects = visible_projects(user).filter(stage__in=APPROVED_STAGES).select_related("unit__jurisdiction")
    rows = [project_performance(p, on) for p in projects.order_by("unit__code", "number")]
    return sorted(rows, key=lambda r: (-(r.risk.level if r.risk else 0), r.project.number))
