"""Write paths for performance, supervision, data sharing and security. One function per action: lock the
project, check who acts, ask the rules, write, audit — one transaction. Views and API endpoints only parse
input and call these."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import OrgKind
from audit.services import record
from projects.models import Project, Stage
from projects.selectors import get_project_for_user
from projects.services import ActionRefused, profile_for, today, transition_project
from rules.ch02_integration import ResourceFacts, resource_sharing
from rules.ch04_construction import SharingViolation as RuleSharingViolation
from rules.ch04_construction import sharing_sanctions
from rules.ch07_performance import (
    ESCALATION_STEP_LABELS,
    MisconductFacts,
    SupervisionArea,
    misconduct_measures,
    monitoring_report_content,
    monitoring_reports,
    rectification_due_date,
    self_evaluation,
)
from rules.ch07_performance import SelfEvaluationFacts as RuleSelfEvaluationFacts
from rules.ch08_security import AssessmentResult, security_sanctions
from rules.findings import Citation, Finding, Outcome, blocking

from . import selectors
from .models import (
    AuditFinding,
    EscalationDecision,
    Evaluation,
    EvaluationKind,
    EvaluationResult,
    GoLive,
    InformationResource,
    MisconductFinding,
    MonitoringReport,
    PostEvaluation,
    PostEvaluationMethod,
    Rectification,
    SecurityProfile,
    SelfEvaluation,
    SharingFeedback,
    SharingType,
    SharingViolation,
    SupervisionFinding,
)

__all__ = ["today"]
CENT = Decimal("0.01")


def money(amount) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _cited(finding: Finding) -> str:
    return f"{finding.message}（{finding.citation.label}）"


def _refuse_blocking(findings: list[Finding]) -> None:
    blocks = blocking(findings)
    if blocks:
        raise ActionRefused("；".join(_cited(f) for f in blocks), findings)


def _dicts(findings: list[Finding]) -> list[dict]:
    return [f.as_dict() for f in findings]


def _unit_project(actor, project_id: int, what: str, stages=selectors.UNIT_STAGES) -> Project:
    project = get_project_for_user(actor, project_id, for_update=True)
    if not selectors.is_unit_member(actor, project):
        raise PermissionDenied(f"只有本项目单位的填报人或负责人可以{what}")
    if project.stage not in stages:
        raise ActionRefused(f"项目处于“{project.get_stage_display()}”阶段，不能{what}")
    return project


def _body_project(actor, project_id: int, kinds, what: str, who: str) -> Project:
    project = get_project_for_user(actor, project_id, for_update=True)
    if not selectors.is_body(actor, kinds):
        raise PermissionDenied(f"只有{who}的审核人可以{what}")
    if project.stage not in selectors.APPROVED_STAGES:
        raise ActionRefused(f"项目处于“{project.get_stage_display()}”阶段，尚未批复，不能{what}")
    return project


def _not_future(value: date | None, field: str, label: str) -> date:
    on = today()
    value = value or on
    if value > on:
        raise ValidationError({field: f"{label}不能晚于今天"})
    return value


def _label(project: Project) -> str:
    return profile_for(project).version_label


# --- 第四十五条 绩效监控报告 ------------------------------------------------------------------------


@transaction.atomic
def monitoring_report_submit(*, actor, project_id: int, year: int, planned_progress_percent: Decimal,
                             actual_progress_percent: Decimal, planned_spend: Decimal, actual_spend: Decimal,
                             progress: str, budget_execution: str, using_unit_opinion: str, supervision_opinion: str,
                             trial_run_effects: str = "") -> MonitoringReport:
    """项目单位提交年度绩效监控报告 (第四十五条): with the opinions of the using unit and the supervision
    contractor; for a system in trial run, its effects and problems too."""
    on = today()
    project = _unit_project(actor, project_id, "提交绩效监控报告")
    if year > on.year or (project.approval_date and year < project.approval_date.year):
        raise ValidationError({"year": f"年度应在项目批复年度（{project.approval_date.year}）至今年之间"})
    if MonitoringReport.objects.filter(project=project, year=year).exists():
        raise ActionRefused(f"{year} 年度绩效监控报告已提交，不能重复提交")
    report = MonitoringReport(
        project=project, year=year, planned_progress_percent=planned_progress_percent,
        actual_progress_percent=actual_progress_percent, planned_spend=money(planned_spend),
        actual_spend=money(actual_spend), progress=progress.strip(), budget_execution=budget_execution.strip(),
        trial_run_effects=trial_run_effects.strip(), using_unit_opinion=using_unit_opinion.strip(),
        supervision_opinion=supervision_opinion.strip(), submitted_on=on, profile=_label(project),
        submitted_by=actor)
    findings = monitoring_report_content(selectors.rule_report(report), selectors.trial_run_started_on(project))
    _refuse_blocking(findings)
    facts = selectors.monitoring_facts(project, on)
    if facts is not None:
        timing = [f for f in monitoring_reports(facts, profile_for(project, on)) if f.evidence["年度"] == year]
        # The timing finding as it stands once this report is in: on time or late.
        late = [f for f in timing if f.outcome == Outcome.BLOCK]
        if late:
            findings.append(Finding("monitoring_report", Outcome.WARN,
                                    f"{year} 年度绩效监控报告逾期提交：期限 {late[0].evidence['提交期限']}，实际 {on}。",
                                    late[0].citation, late[0].evidence))
    report.findings = _dicts(findings)
    report.full_clean(exclude=["project", "submitted_by"])
    report.save()
    record(actor=actor, action="oversight.monitoring_report_submitted", obj=report, project=project,
           after={"year": year, "planned_progress_percent": report.planned_progress_percent,
                  "actual_progress_percent": report.actual_progress_percent, "planned_spend": report.planned_spend,
                  "actual_spend": report.actual_spend, "submitted_on": on},
           findings=findings, profile=report.profile)
    return report


# --- 第四十六条 自评价、评价、后评价 ----------------------------------------------------------------------


@transaction.atomic
def go_live_record(*, actor, project_id: int, went_live_on: date) -> GoLive:
    """登记投入运行日期 (第四十六条), where the platform has no acceptance date for the project."""
    went_live_on = _not_future(went_live_on, "went_live_on", "投入运行日期")
    project = _unit_project(actor, project_id, "登记投入运行日期",
                            stages=(Stage.TRIAL_RUN, Stage.ACCEPTANCE_APPLIED, Stage.ACCEPTED,
                                    Stage.ACCEPTANCE_FAILED))
    accepted = selectors.accepted_on(project)
    if accepted is not None:
        raise ActionRefused(f"项目已于 {accepted} 验收合格，以验收日期为投入运行日期，不需另行登记")
    if project.approval_date and went_live_on < project.approval_date:
        raise ValidationError({"went_live_on": f"投入运行日期不能早于批复日期 {project.approval_date}"})
    before = GoLive.objects.filter(project=project).first()
    old = before.went_live_on if before else None
    go_live, _ = GoLive.objects.update_or_create(project=project, defaults={"went_live_on": went_live_on,
                                                                             "recorded_by": actor})
    record(actor=actor, action="oversight.went_live_recorded", obj=go_live, project=project,
           before={"went_live_on": old}, after={"went_live_on": went_live_on}, profile=_label(project))
    return go_live


@transaction.atomic
def self_evaluation_file(*, actor, project_id: int, summary: str) -> SelfEvaluation:
    """项目单位提交自评价 (第四十六条): one filed before month 12 after going live is warned, with the article."""
    on = today()
    project = _unit_project(actor, project_id, "提交自评价",
                            stages=(Stage.TRIAL_RUN, Stage.ACCEPTANCE_APPLIED, Stage.ACCEPTED,
                                    Stage.ACCEPTANCE_FAILED))
    if not summary.strip():
        raise ValidationError({"summary": "请填写自评价结论"})
    live = selectors.went_live_on(project)
    if live is None:
        raise ActionRefused("尚未验收，也未登记投入运行日期：请先登记投入运行日期（第四十六条“项目投入运行后”）")
    profile = profile_for(project, on)
    # This filing judged on its own: in the window, before it (warned) or after it (late).
    finding = self_evaluation(RuleSelfEvaluationFacts(went_live_on=live, today=on, filed_on=(on,)), profile)
    evaluation = SelfEvaluation.objects.create(project=project, filed_on=on, summary=summary.strip(),
                                               findings=[finding.as_dict()], profile=profile.version_label,
                                               filed_by=actor)
    record(actor=actor, action="oversight.self_evaluation_filed", obj=evaluation, project=project,
           after={"filed_on": on, "went_live_on": live}, findings=[finding], profile=profile.version_label)
    return evaluation


@transaction.atomic
def evaluation_record(*, actor, project_id: int, kind: str, result: str, report: str,
                      evaluated_on: date | None = None) -> Evaluation:
    """主管部门评价项目资源利用、信息资源共享、安全风险等情况 (第四十六条)."""
    evaluated_on = _not_future(evaluated_on, "evaluated_on", "评价日期")
    project = _body_project(actor, project_id, selectors.EVALUATION_BODIES, "登记评价", "政务信息化建设运维主管部门")
    if kind not in EvaluationKind.values or result not in EvaluationResult.values:
        raise ValidationError({"kind": "评价内容或结果不在允许范围内"})
    evaluation = Evaluation(project=project, kind=kind, body=actor.organisation, result=result,
                            report=report.strip(), evaluated_on=evaluated_on, recorded_by=actor)
    evaluation.full_clean(exclude=["project", "body", "recorded_by"])
    evaluation.save()
    record(actor=actor, action="oversight.evaluation_recorded", obj=evaluation, project=project,
           after={"kind": kind, "result": result, "evaluated_on": evaluated_on}, profile=_label(project))
    return evaluation


@transaction.atomic
def post_evaluation_record(*, actor, project_id: int, method: str, evaluator: str, result: str, conclusion: str,
                           evaluated_on: date | None = None) -> PostEvaluation:
    """省发展改革委、财政厅组织专家或委托第三方机构开展后评价 (第四十六条)."""
    evaluated_on = _not_future(evaluated_on, "evaluated_on", "评价日期")
    project = _body_project(actor, project_id, selectors.POST_EVALUATION_BODIES, "登记后评价", "省发展改革委或财政厅")
    if method not in PostEvaluationMethod.values or result not in EvaluationResult.values:
        raise ValidationError({"method": "后评价方式或结果不在允许范围内"})
    post = PostEvaluation(project=project, body=actor.organisation, method=method, evaluator=evaluator.strip(),
                          result=result, conclusion=conclusion.strip(), evaluated_on=evaluated_on, recorded_by=actor)
    post.full_clean(exclude=["project", "body", "recorded_by"])
    post.save()
    record(actor=actor, action="oversight.post_evaluation_recorded", obj=post, project=project,
           after={"method": method, "evaluator": post.evaluator, "result": result, "evaluated_on": evaluated_on},
           profile=_label(project))
    return post


# --- 第四十七条 监督发现和限期整改 ----------------------------------------------------------------------


@transaction.atomic
def supervision_finding_record(*, actor, project_id: int, area: str, description: str, requirement: str,
                               found_on: date | None = None, due_on: date | None = None,
                               ordered_on: date | None = None) -> SupervisionFinding:
    """领导小组及有关部门（单位）记录监督发现并要求项目单位限期整改 (第四十七条第一款). Without a deadline,
    the profile's ``rectification.default_days`` counts from the day of the order (today, or the day of a
    written order made earlier and recorded now)."""
    ordered_on = _not_future(ordered_on, "ordered_on", "要求整改日期")
    found_on = _not_future(found_on or ordered_on, "found_on", "发现日期")
    if found_on > ordered_on:
        raise ValidationError({"found_on": "发现日期不能晚于要求整改日期"})
    project = _body_project(actor, project_id, selectors.SUPERVISION_BODIES, "记录监督发现并要求整改",
                            "领导小组及有关部门（单位）")
    if area not in {str(a) for a in SupervisionArea}:
        raise ValidationError({"area": "监督事项不在第四十七条所列范围内"})
    if not description.strip() or not requirement.strip():
        raise ValidationError({"description": "请填写发现的问题和整改要求"})
    profile = profile_for(project, ordered_on)
    if due_on is None:
        due_on = rectification_due_date(ordered_on, profile)
    elif due_on < ordered_on:
        raise ValidationError({"due_on": "整改期限不能早于要求整改日期"})
    finding = SupervisionFinding.objects.create(project=project, body=actor.organisation, area=area,
                                                description=description.strip(), requirement=requirement.strip(),
                                                found_on=found_on, recorded_by=actor)
    rectification = Rectification.objects.create(finding=finding, ordered_on=ordered_on, due_on=due_on)
    record(actor=actor, action="oversight.rectification_ordered", obj=rectification, project=project,
           after={"area": area, "description": finding.description, "requirement": finding.requirement,
                  "found_on": found_on, "ordered_on": ordered_on, "due_on": due_on},
           findings=[selectors.escalation(rectification, today()).finding], profile=profile.version_label)
    return finding


def _locked_rectification(actor, rectification_id: int) -> tuple[Rectification, Project]:
    project_id = (Rectification.objects.filter(pk=rectification_id)
                  .values_list("finding__project_id", flat=True).first())
    if project_id is None:
        raise ActionRefused("整改事项不存在", status=404)
    project = get_project_for_user(actor, project_id, for_update=True)
    rectification = (Rectification.objects.select_for_update().select_related("finding__body")
                     .get(pk=rectification_id))
    return rectification, project


@transaction.atomic
def rectification_report(*, actor, rectification_id: int, report: str) -> Rectification:
    """项目单位报送整改情况 (第四十七条第一款)."""
    rectification, project = _locked_rectification(actor, rectification_id)
    if not selectors.is_unit_member(actor, project):
        raise PermissionDenied("只有本项目单位的填报人或负责人可以报送整改情况")
    if not report.strip():
        raise ValidationError({"report": "请填写整改情况"})
    if rectification.rectified_on is not None and rectification.recheck_passed is not False:
        raise ActionRefused("已报送整改情况" + ("并经复查合格" if rectification.recheck_passed else "，待复查"))
    on = today()
    before = {"rectified_on": rectification.rectified_on, "recheck_passed": rectification.recheck_passed}
    rectification.rectified_on, rectification.rectification_report = on, report.strip()
    rectification.recheck_passed, rectification.recheck_note = None, ""
    rectification.rechecked_by = rectification.rechecked_at = None
    rectification.save()
    record(actor=actor, action="oversight.rectification_reported", obj=rectification, project=project,
           before=before, after={"rectified_on": on, "report": rectification.rectification_report},
           findings=[selectors.escalation(rectification, on).finding], profile=_label(project))
    return rectification


@transaction.atomic
def rectification_recheck(*, actor, rectification_id: int, passed: bool, note: str) -> Rectification:
    """要求整改的部门复查：符合要求，或整改后仍不符合要求 (第四十七条第一款)."""
    rectification, project = _locked_rectification(actor, rectification_id)
    if not selectors.may_decide(actor, rectification):
        raise PermissionDenied("只有要求整改的部门、省发展改革委或领导小组可以复查")
    if rectification.rectified_on is None or rectification.recheck_passed is not None:
        raise ActionRefused("项目单位尚未报送整改情况，或已经复查")
    if not note.strip():
        raise ValidationError({"note": "请填写复查意见"})
    on = today()
    rectification.recheck_passed, rectification.recheck_note = passed, note.strip()
    rectification.rechecked_by, rectification.rechecked_at = actor, timezone.now()
    rectification.save()
    record(actor=actor, action="oversight.rectification_rechecked", obj=rectification, project=project,
           before={"recheck_passed": None}, after={"recheck_passed": passed, "note": rectification.recheck_note},
           findings=[selectors.escalation(rectification, on).finding], profile=_label(project))
    return rectification


TERMINATION_NOTE = ("终止项目须报领导小组同意（第三十条第二款）：本决定已记录，请按终止程序办理。")


@transaction.atomic
def escalate(*, actor, rectification_id: int, decision: str, new_due_on: date | None = None) -> EscalationDecision:
    """逾期不整改或整改后仍不符合要求的，采取下一步处理措施 (第四十七条第一款), in the profile's order.
    Suspension of construction is the project's ``suspend`` transition (by the DRC); the decision to terminate
    is recorded here and the termination itself goes through the leading group (第三十条第二款)."""
    rectification, project = _locked_rectification(actor, rectification_id)
    if not selectors.may_decide(actor, rectification):
        raise PermissionDenied("只有要求整改的部门、省发展改革委或领导小组可以决定处理措施")
    if not decision.strip():
        raise ValidationError({"decision": "请填写决定内容"})
    on = today()
    if new_due_on is not None and new_due_on <= on:
        raise ValidationError({"new_due_on": "新的整改期限应晚于今天"})
    step_due = selectors.escalation(rectification, on)
    if step_due.step is None:
        prefix = "不需采取处理措施：" if step_due.finding.outcome == Outcome.PASS else ""
        raise ActionRefused(prefix + _cited(step_due.finding), [step_due.finding])
    profile = profile_for(project, on)
    step = step_due.step
    if step == "suspend_construction":
        if actor.org_kind != OrgKind.DRC:
            raise ActionRefused("暂停项目建设由省发展改革委决定（第三十条、第四十七条）：请省发展改革委审核人作出决定",
                                [step_due.finding], status=403)
        transition_project(actor=actor, project_id=project.pk, transition="suspend",
                           action="oversight.construction_suspended", rules=lambda p: [step_due.finding],
                           apply=lambda p: {"rectification": rectification.pk, "decision": decision.strip()})
    text = decision.strip()
    if step == "terminate_project":
        text = f"{text}\n{TERMINATION_NOTE}"
    made = EscalationDecision.objects.create(
        rectification=rectification, step=step, decision=text, new_due_on=new_due_on, decided_by=actor,
        decided_at=timezone.now(), body=actor.organisation, findings=[step_due.finding.as_dict()],
        profile=profile.version_label)
    record(actor=actor, action="oversight.escalated", obj=made, project=project,
           before={"steps": [d.step for d in rectification.decisions.exclude(pk=made.pk)]},
           after={"step": step, "step_label": ESCALATION_STEP_LABELS[step], "decision": text,
                  "new_due_on": new_due_on},
           findings=[step_due.finding], profile=profile.version_label)
    return made


# --- 第四十七条第二款 审计、第四十八条 责任追究 --------------------------------------------------------------


@transaction.atomic
def audit_finding_record(*, actor, project_id: int, title: str, description: str,
                         amount_involved: Decimal | None = None, found_on: date | None = None) -> AuditFinding:
    """审计厅记录审计发现 (第四十七条第二款)."""
    found_on = _not_future(found_on, "found_on", "审计日期")
    project = _body_project(actor, project_id, (OrgKind.AUDIT_OFFICE,), "记录审计发现", "审计厅")
    finding = AuditFinding(project=project, title=title.strip(), description=description.strip(),
                           amount_involved=money(amount_involved) if amount_involved is not None else None,
                           found_on=found_on, recorded_by=actor)
    finding.full_clean(exclude=["project", "recorded_by"])
    finding.save()
    record(actor=actor, action="oversight.audit_finding_recorded", obj=finding, project=project,
           after={"title": finding.title, "amount_involved": finding.amount_involved, "found_on": found_on},
           findings=[Finding("audit_finding", Outcome.WARN, f"审计发现：{finding.title}", Citation(47, paragraph=2))],
           profile=_label(project))
    return finding


@transaction.atomic
def misconduct_record(*, actor, project_id: int, persons: list[str], description: str, handling: str = "",
                      skipped_filing_or_approval: bool = False, serious_consequence: bool = False,
                      funds_diverted: bool = False, om_funds_misallocated: bool = False,
                      found_on: date | None = None) -> MisconductFinding:
    """有关部门（单位）认定单位或者个人的违规情形并提出处理 (第四十八条)."""
    found_on = _not_future(found_on, "found_on", "认定日期")
    project = _body_project(actor, project_id, selectors.SUPERVISION_BODIES + (OrgKind.AUDIT_OFFICE,),
                            "认定责任", "有关部门（单位）")
    findings = misconduct_measures(MisconductFacts(skipped_filing_or_approval, serious_consequence, funds_diverted,
                                                   om_funds_misallocated))
    if not findings:
        raise ValidationError({"skipped_filing_or_approval": "请选择第四十八条所列的违规情形"})
    names = [p.strip() for p in persons if p.strip()]
    misconduct = MisconductFinding(
        project=project, unit=project.unit, persons=names, skipped_filing_or_approval=skipped_filing_or_approval,
        serious_consequence=serious_consequence, funds_diverted=funds_diverted,
        om_funds_misallocated=om_funds_misallocated, description=description.strip(), handling=handling.strip(),
        body=actor.organisation, found_on=found_on, findings=_dicts(findings), recorded_by=actor)
    misconduct.full_clean(exclude=["project", "unit", "body", "recorded_by"])
    misconduct.save()
    record(actor=actor, action="oversight.misconduct_recorded", obj=misconduct, project=project,
           after={"unit": project.unit.name, "persons": names, "description": misconduct.description,
                  "handling": misconduct.handling}, findings=findings, profile=_label(project))
    return misconduct


# --- 第十一条–第十三条、第二十条、第三十三条 信息资源和共享 -------------------------------------------------


def resource_findings(resource: InformationResource) -> list[Finding]:
    """What the measures say about one catalogue entry (the rule: ``rules.ch02_integration.resource_sharing``)."""
    return resource_sharing(ResourceFacts(
        name=resource.name, sharing=resource.sharing_type, sharing_label=resource.get_sharing_type_display(),
        on_exchange_platform=resource.on_exchange_platform, in_public_catalogue=resource.in_public_catalogue,
        specific_companies_only=resource.specific_companies_only, state_secret=resource.state_secret))


@transaction.atomic
def resource_add(*, actor, project_id: int, name: str, sharing_type: str, legal_basis: str = "",
                 on_exchange_platform: bool = False, in_public_catalogue: bool = False,
                 specific_companies_only: bool = False, state_secret: bool = False) -> InformationResource:
    """项目单位在信息资源目录中登记一项资源 (第二十条), with its sharing type (第十一条)."""
    project = _unit_project(actor, project_id, "登记信息资源", stages=selectors.UNIT_STAGES + (Stage.LISTED,
                                                                                          Stage.UNDER_APPROVAL))
    if sharing_type not in SharingType.values:
        raise ValidationError({"sharing_type": "共享类型不在允许范围内"})
    if sharing_type != SharingType.UNCONDITIONAL and not legal_basis.strip():
        raise ValidationError({"legal_basis": "有条件共享或不予共享的，须写明法律法规依据（第十一条：除法律法规有明确规定外，"
                                              "政务信息化项目应进行信息共享）"})
    resource = InformationResource(
        project=project, name=name.strip(), sharing_type=sharing_type, legal_basis=legal_basis.strip(),
        on_exchange_platform=on_exchange_platform, in_public_catalogue=in_public_catalogue,
        specific_companies_only=specific_companies_only, state_secret=state_secret, recorded_by=actor)
    findings = resource_findings(resource)
    resource.findings = _dicts(findings)
    resource.full_clean(exclude=["project", "recorded_by"])
    resource.save()
    record(actor=actor, action="oversight.resource_added", obj=resource, project=project,
           # A state-secret resource's name stays out of the audit trail's label (第十三条).
           object_label="涉密信息资源" if state_secret else "",
           after={"sharing_type": sharing_type, "on_exchange_platform": on_exchange_platform,
                  "in_public_catalogue": in_public_catalogue, "specific_companies_only": specific_companies_only,
                  "state_secret": state_secret} | ({} if state_secret else {"name": resource.name}),
           findings=[] if state_secret else findings, profile=_label(project))
    return resource


@transaction.atomic
def feedback_add(*, actor, resource_id: int, text: str) -> SharingFeedback:
    """使用共享信息的单位反馈使用情况 (第十一条 “共享信息使用情况反馈机制”)."""
    resource = selectors.get_resource_for_feedback(actor, resource_id)
    # Feedback is appended, never changed: the resource row is locked, not the project (which a unit using
    # another unit's shared data may not see).
    resource = InformationResource.objects.select_for_update().select_related("project__unit").get(pk=resource.pk)
    project = resource.project
    if actor.organisation_id is None or not text.strip():
        raise ValidationError({"text": "请填写使用情况"})
    if resource.sharing_type == SharingType.NOT_SHARED:
        raise ActionRefused(f"“{resource.name}”不予共享，无使用情况可反馈")
    feedback = SharingFeedback.objects.create(resource=resource, organisation=actor.organisation, text=text.strip(),
                                              recorded_on=today(), recorded_by=actor)
    record(actor=actor, action="oversight.sharing_feedback_added", obj=feedback, project=project,
           object_label="涉密信息资源反馈" if resource.state_secret else "", after={"resource": resource.pk})
    return feedback


@transaction.atomic
def sharing_violation_record(*, actor, project_id: int, year: int, description: str, failed_to_share: bool = False,
                             duplicate_collection: bool = False) -> SharingViolation:
    """认定项目未按要求共享数据资源或重复采集数据 (第三十三条): the sanctions for the next year follow."""
    on = today()
    project = _body_project(actor, project_id, selectors.SHARING_BODIES, "认定数据共享违规",
                            "领导小组、省发展改革委、财政厅或省大数据中心")
    if not (failed_to_share or duplicate_collection):
        raise ValidationError({"failed_to_share": "请选择“未按要求共享数据资源”或“重复采集数据”"})
    if year > on.year:
        raise ValidationError({"year": "违规年度不能晚于今年"})
    violation = SharingViolation.objects.create(project=project, year=year, failed_to_share=failed_to_share,
                                                duplicate_collection=duplicate_collection,
                                                description=description.strip(), body=actor.organisation,
                                                recorded_on=on, recorded_by=actor)
    findings = sharing_sanctions(RuleSharingViolation(project=str(project), year=year, failed_to_share=failed_to_share,
                                                      duplicate_collection=duplicate_collection), year + 1)
    record(actor=actor, action="oversight.sharing_violation_recorded", obj=violation, project=project,
           after={"year": year, "failed_to_share": failed_to_share, "duplicate_collection": duplicate_collection,
                  "description": violation.description}, findings=findings, profile=_label(project))
    return violation


# --- 第四十九条–第五十一条 安全 ----------------------------------------------------------------------------

UNIT_SECURITY_FIELDS = ("classified", "mlps_level", "mlps_plan", "classified_protection_plan", "cryptography_plan",
                        "secure_reliable_statement", "mlps_test", "classified_protection_test",
                        "cryptography_assessment", "data_security_assessment", "new_data_centre", "pue")
BODY_SECURITY_FIELDS = ("network_security_issue_open", "cryptography_issue_open", "major_hidden_danger", "issue_note")
ASSESSMENT_FIELDS = ("mlps_test", "classified_protection_test", "cryptography_assessment", "data_security_assessment")


@transaction.atomic
def security_profile_save(*, actor, project_id: int, **changes) -> SecurityProfile:
    """The unit records its protection plans and test results (第四十九条、第五十条); the network-security and
    cryptography supervisors record open issues and major hidden dangers (第四十九条、第五十一条)."""
    project = get_project_for_user(actor, project_id, for_update=True)
    if selectors.is_unit_member(actor, project):
        allowed = UNIT_SECURITY_FIELDS
    elif selectors.is_body(actor, selectors.SECURITY_BODIES):
        allowed = BODY_SECURITY_FIELDS
    else:
        raise PermissionDenied("只有本项目单位或网络安全、密码管理监管部门的审核人可以登记安全情况")
    if project.stage not in selectors.APPROVED_STAGES:
        raise ActionRefused(f"项目处于“{project.get_stage_display()}”阶段，尚未批复，不能登记安全情况")
    refused = sorted(set(changes) - set(allowed))
    if refused:
        known = UNIT_SECURITY_FIELDS + BODY_SECURITY_FIELDS
        names = [str(SecurityProfile._meta.get_field(f).verbose_name) if f in known else f for f in refused]
        raise PermissionDenied("您不能登记以下事项：" + "、".join(names))
    for name in ASSESSMENT_FIELDS:
        if name in changes and changes[name] not in AssessmentResult._value2member_map_:
            raise ValidationError({name: "测评结果不在允许范围内"})
    profile = selectors.security_profile(project)
    if profile is None:
        from delivery.selectors import is_classified

        profile = SecurityProfile(project=project, classified=is_classified(project), updated_by=actor)
    before = {f: getattr(profile, f) for f in changes}
    old = selectors.security_facts(project, profile) if profile.pk else None
    for name, value in changes.items():
        setattr(profile, name, value.strip() if isinstance(value, str) and name == "issue_note" else value)
    profile.updated_by = actor
    profile.full_clean(exclude=["project", "updated_by"])
    profile.save()
    findings = security_sanctions(selectors.security_facts(project, profile))
    record(actor=actor, action="oversight.security_profile_saved", obj=profile, project=project, before=before,
           after={f: getattr(profile, f) for f in changes}
           | {"sanctioned_before": bool(old and security_sanctions(old)), "sanctioned": bool(findings)},
           findings=findings, profile=_label(project))
    return profile

