"""Write paths of construction and acceptance (第二十六条–第三十二条).

One function per action: fetch with a row lock through ``get_project_for_user``, ask the rules under
the unit's profile, write, audit — in one transaction. Stage changes go through
``projects.services.transition_project``; a suspended project can only resume or terminate (第三十条).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from audit.services import record
from gmcrypto.models import DecisionKind
from gmcrypto.signing import sign_decision
from projects.models import Project, Stage
from projects.selectors import get_project_for_user
from projects.services import ActionRefused, next_number, profile_for, transition_project
from rules.ch04_construction import (
    AcceptanceApplicationFacts,
    AcceptanceMaterial,
    AdjustmentRequestFacts,
    ChangeFacts,
    ChangeReason,
    DeferralRequest,
    DeliveryMode,
    ResponsibilityFacts,
    SupervisionFacts,
    TerminationCause,
    TerminationFacts,
    TroubleFacts,
    acceptance_application,
    acceptance_deferral,
    adjustment_request_admissible,
    classify_change,
    participating_departments_defined,
    responsible_person_is_principal,
    supervision_contractor_engaged,
    termination_may_take_effect,
    termination_request_admissible,
    trouble_reported,
)
from rules.ch04_construction import ParticipatingDepartment as ParticipantFacts
from rules.ch08_security import AssessmentResult, SecurityFacts, acceptance_security_review
from rules.findings import Citation, Finding, Outcome, blocking

from . import archive, selectors
from .models import (
    AcceptanceApplication,
    AcceptanceDeferral,
    AcceptanceFiling,
    AcceptanceStatus,
    ArchiveCategory,
    ArchiveEntry,
    ChangeRequest,
    ChangeStatus,
    ConstructionRecord,
    Contract,
    ContractKind,
    ParticipatingDepartment,
    TerminationRequest,
    TerminationStatus,
    TroubleReport,
    TroubleResponse,
)

SUSPENDED_MESSAGE = "项目已暂停建设（第三十条）：暂停期间只能由省发展改革委恢复建设或经领导小组同意终止项目，不能{}。"


def today() -> date:
    return timezone.localdate()


def _refuse_unless_unit(actor, project: Project) -> None:
    if not selectors.is_unit_member(actor, project):
        raise ActionRefused("只有本项目单位的填报人或负责人可以办理此事项", status=403)


def _refuse_unless_drc(actor) -> None:
    if not selectors.is_drc(actor):
        raise ActionRefused("此事项由省发展改革委办理", status=403)


def _require_stage(project: Project, stages, doing: str) -> None:
    if project.stage == Stage.SUSPENDED and Stage.SUSPENDED not in stages:
        raise ActionRefused(SUSPENDED_MESSAGE.format(doing))
    if project.stage not in stages:
        raise ActionRefused(f"项目当前处于“{project.get_stage_display()}”阶段，不能{doing}")


def _refuse_if_suspended(actor, project_id: int, doing: str) -> None:
    """Before a lifecycle transition: a suspended project is told why with the article (第三十条)."""
    if get_project_for_user(actor, project_id).stage == Stage.SUSPENDED:
        raise ActionRefused(SUSPENDED_MESSAGE.format(doing))


def _refuse_if_blocking(findings: list[Finding]) -> None:
    if blocking(findings):
        raise ActionRefused("；".join(f.message for f in blocking(findings)), findings)


def _dicts(findings: list[Finding]) -> list[dict]:
    return [f.as_dict() for f in findings]


# --- 第二十六条 开工建设、合同 ------------------------------------------------------------------

@transaction.atomic
def contract_add(*, actor, project_id: int, kind: str, party: str, amount: Decimal, signed_on: date) -> Contract:
    """登记招标投标、政府采购、工程监理合同 (第二十六条第一款)."""
    project = get_project_for_user(actor, project_id, for_update=True)
    _refuse_unless_unit(actor, project)
    _require_stage(project, (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN), "登记合同")
    if kind not in ContractKind.values:
        raise ValidationError({"kind": "合同类型只能是招标投标、政府采购或工程监理"})
    contract = Contract(project=project, kind=kind, party=party.strip(), amount=amount, signed_on=signed_on,
                        created_by=actor)
    contract.full_clean()
    contract.save()
    record(actor=actor, action="delivery.contract_added", obj=contract, project=project,
           after={"kind": kind, "party": contract.party, "amount": amount, "signed_on": signed_on})
    return contract


def construction_rules(project: Project, responsible_person: str, supervision_contractor: str) -> list[Finding]:
    principals = selectors.unit_principals(project)
    principal = responsible_person.strip() if responsible_person.strip() in principals else (
        principals[0] if principals else "")
    signed = Contract.objects.filter(project=project, kind=ContractKind.SUPERVISION,
                                     party=supervision_contractor.strip()).exists() if supervision_contractor.strip() else False
    return [
        responsible_person_is_principal(ResponsibilityFacts(responsible_person, principal)),
        supervision_contractor_engaged(SupervisionFacts(supervision_contractor, signed), profile_for(project)),
    ]


@transaction.atomic
def start_construction(*, actor, project_id: int, responsible_person: str, supervision_contractor: str = "",
                       construction_period_months: int | None = None, started_on: date | None = None) -> Project:
    """开工建设 (第二十六条): the responsible person is the unit's principal, the supervision contractor is engaged."""
    started_on = started_on or today()
    if started_on > today():
        raise ValidationError({"started_on": "开工日期不能晚于今天"})
    holder: dict = {}

    def rules(project):
        return construction_rules(project, responsible_person, supervision_contractor)

    def apply(project):
        months = selectors.approved_construction_months(project) or construction_period_months
        if not months or months < 1:
            raise ValidationError({"construction_period_months": "请填写批复确定的建设周期（月）"})
        profile = profile_for(project)
        findings = rules(project)
        holder["record"] = ConstructionRecord.objects.create(
            project=project, responsible_person=responsible_person.strip(),
            supervision_contractor=supervision_contractor.strip(), construction_period_months=months,
            started_on=started_on, findings=_dicts(findings), profile=profile.version_label, created_by=actor)
        return {"responsible_person": responsible_person.strip(), "supervision_contractor": supervision_contractor.strip(),
                "construction_period_months": months, "started_on": started_on}

    return transition_project(actor=actor, project_id=project_id, transition="start_construction",
                              action="delivery.construction_started", rules=rules, apply=apply)


# --- 第二十八条、第二十九条 调整 ----------------------------------------------------------------

@transaction.atomic
def change_file(*, actor, project_id: int, reasons: list[str], content: str, amount_moved: Decimal,
                total_investment_after: Decimal, goals_unchanged: bool,
                implemented_before_approval: bool = False, form_token: str | None = None) -> ChangeRequest:
    """项目单位提出调整：自行调整的报备 (第二十九条)，或向省发展改革委提交调整申请 (第二十八条).
    ``form_token``: the page form's one-time token (SECURITY.md R36), used up in this transaction."""
    project = get_project_for_user(actor, project_id, for_update=True)
    if form_token is not None:
        from projects import form_tokens

        form_tokens.consume("delivery.change", form_token)
    _refuse_unless_unit(actor, project)
    _require_stage(project, (Stage.APPROVED, Stage.IN_CONSTRUCTION), "提出调整")
    try:
        reason_set = frozenset(ChangeReason(r) for r in reasons)
    except ValueError as exc:
        raise ValidationError({"reasons": "调整情形只能是第二十九条第一项至第三项"}) from exc
    if not content.strip():
        raise ValidationError({"content": "请写明调整内容"})
    profile = profile_for(project)
    approved = project.approved_total_investment
    classification = classify_change(ChangeFacts(
        approved_total_investment=approved, total_investment_after=total_investment_after,
        goals_unchanged=goals_unchanged, amount_moved=amount_moved,
        earlier_amounts_moved=selectors.earlier_self_adjustment_amounts(project), reasons=reason_set), profile)
    findings = [classification.finding, *classification.conditions]
    if classification.needs_approval:
        admissible = adjustment_request_admissible(AdjustmentRequestFacts(
            approved, total_investment_after, implemented_before_approval))
        findings.append(admissible)
        _refuse_if_blocking([admissible])
        status = ChangeStatus.PENDING_APPROVAL
    else:
        status = ChangeStatus.FILED
    change = ChangeRequest.objects.create(
        project=project, reasons=sorted(str(r) for r in reason_set), content=content.strip(),
        amount_moved=amount_moved, approved_total_before=approved, total_investment_after=total_investment_after,
        goals_unchanged=goals_unchanged, implemented_before_approval=implemented_before_approval,
        kind=str(classification.kind), status=status,
        this_change_percent=classification.this_change_percent.quantize(Decimal("0.000001")),
        cumulative_percent=classification.cumulative_percent.quantize(Decimal("0.000001")),
        findings=_dicts(findings), profile=profile.version_label, filed_by=actor, filed_at=timezone.now())
    record(actor=actor, action="delivery.change_filed" if status == ChangeStatus.FILED else "delivery.change_requested",
           obj=change, project=project,
           after={"kind": change.kind, "status": status, "amount_moved": amount_moved,
                  "total_investment_after": total_investment_after,
                  "this_change_percent": classification.this_change_percent,
                  "cumulative_percent": classification.cumulative_percent},
           findings=findings, profile=profile.version_label)
    return change


@transaction.atomic
def change_decide(*, actor, change_id: int, approve: bool, note: str = "") -> ChangeRequest:
    """省发展改革委审批重大调整 (第二十八条). Row-locked: the second decision is refused."""
    project_id = ChangeRequest.objects.filter(pk=change_id).values_list("project_id", flat=True).first()
    if project_id is None:
        raise ActionRefused("调整申请不存在", status=404)
    project = get_project_for_user(actor, project_id, for_update=True)
    _refuse_unless_drc(actor)
    change = ChangeRequest.objects.select_for_update().get(pk=change_id)
    if change.status != ChangeStatus.PENDING_APPROVAL:
        raise ActionRefused(f"该调整已处理（{change.get_status_display()}），不能再次审批")
    if approve and project.stage == Stage.SUSPENDED:
        raise ActionRefused(SUSPENDED_MESSAGE.format("批准调整"))
    before = {"status": change.status, "approved_total_investment": project.approved_total_investment}
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    change.decided_by, change.decided_at, change.decision_note = actor, timezone.now(), note.strip()
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    after = {"status": change.status, "note": change.decision_note}
    if approve and change.total_investment_after != project.approved_total_investment:
        # The approved change fixes a new approved total (第二十八条 调整审批).
        project.approved_total_investment = change.total_investment_after
        project.save(update_fields=["approved_total_investment", "updated_at"])
        after["approved_total_investment"] = project.approved_total_investment
    record(actor=actor, action="delivery.change_approved" if approve else "delivery.change_rejected",
           obj=change, project=project, before=before, after=after, findings=change.findings,
           profile=profile_for(project).version_label)
    return change


# --- 第三十条 问题报告、暂停、终止 --------------------------------------------------------------

@transaction.atomic
def trouble_report(*, actor, project_id: int, serious_delay: bool, major_loss: bool, description: str) -> TroubleReport:
    """项目单位向省发展改革委报告工程严重逾期、投资重大损失 (第三十条第一款)."""
    project = get_project_for_user(actor, project_id, for_update=True)
    _refuse_unless_unit(actor, project)
    _require_stage(project, (Stage.IN_CONSTRUCTION, Stage.SUSPENDED), "报告问题")
    if not (serious_delay or major_loss):
        raise ValidationError({"serious_delay": "请至少选择一项：工程严重逾期或投资重大损失"})
    if not description.strip():
        raise ValidationError({"description": "请说明情况"})
    report = TroubleReport.objects.create(project=project, serious_delay=serious_delay, major_loss=major_loss,
                                          description=description.strip(), reported_on=today(), reported_by=actor)
    finding = trouble_reported(TroubleFacts(serious_delay, major_loss, report.reported_on))
    record(actor=actor, action="delivery.trouble_reported", obj=report, project=project,
           after={"serious_delay": serious_delay, "major_loss": major_loss, "description": report.description},
           findings=[finding], profile=profile_for(project).version_label)
    return report


@transaction.atomic
def trouble_respond(*, actor, report_id: int, suspend: bool, note: str, rectify_by: date | None = None) -> TroubleReport:
    """省发展改革委要求整改或者暂停项目建设 (第三十条第一款)."""
    project_id = TroubleReport.objects.filter(pk=report_id).values_list("project_id", flat=True).first()
    if project_id is None:
        raise ActionRefused("问题报告不存在", status=404)
    _refuse_unless_drc(actor)
    report = TroubleReport.objects.select_for_update().get(pk=report_id)
    if report.response != TroubleResponse.PENDING:
        raise ActionRefused(f"该问题报告已处理（{report.get_response_display()}）")
    if not suspend and rectify_by is None:
        raise ValidationError({"rectify_by": "要求整改时请填写整改期限"})
    report.response = TroubleResponse.SUSPENSION if suspend else TroubleResponse.RECTIFICATION
    report.response_note, report.rectify_by = note.strip(), (None if suspend else rectify_by)
    report.responded_by, report.responded_at = actor, timezone.now()
    report.save()
    finding = trouble_reported(TroubleFacts(report.serious_delay, report.major_loss, report.reported_on))
    if suspend:
        transition_project(actor=actor, project_id=project_id, transition="suspend", action="delivery.suspended",
                           rules=lambda p: [finding],
                           apply=lambda p: {"trouble_report": report.pk, "note": report.response_note})
    else:
        project = get_project_for_user(actor, project_id, for_update=True)
        _require_stage(project, (Stage.IN_CONSTRUCTION,), "要求整改")
        record(actor=actor, action="delivery.rectification_ordered", obj=report, project=project,
               after={"rectify_by": rectify_by, "note": report.response_note}, findings=[finding],
               profile=profile_for(project).version_label)
    return report


@transaction.atomic
def resume_construction(*, actor, project_id: int, note: str = "") -> Project:
    """省发展改革委恢复项目建设."""
    return transition_project(actor=actor, project_id=project_id, transition="resume", action="delivery.resumed",
                              apply=lambda p: {"note": note.strip()})


def _termination_facts(request: TerminationRequest, *, drc_reported=None, leading_group_approved=False):
    return TerminationFacts(
        substantive_progress=request.substantive_progress, cause=TerminationCause(request.cause),
        overall_goal_unattainable=request.overall_goal_unattainable,
        drc_reported=request.status == TerminationStatus.REPORTED if drc_reported is None else drc_reported,
        leading_group_approved=leading_group_approved)


@transaction.atomic
def termination_request(*, actor, project_id: int, substantive_progress: bool, cause: str,
                        overall_goal_unattainable: bool, explanation: str) -> TerminationRequest:
    """项目单位申请终止项目建设 (第三十条第二款)."""
    project = get_project_for_user(actor, project_id, for_update=True)
    _refuse_unless_unit(actor, project)
    _require_stage(project, (Stage.IN_CONSTRUCTION, Stage.SUSPENDED), "申请终止")
    if cause not in {str(c) for c in TerminationCause}:
        raise ValidationError({"cause": "请选择难以继续实施的原因"})
    if TerminationRequest.objects.filter(project=project, status__in=[TerminationStatus.REQUESTED,
                                                                      TerminationStatus.REPORTED]).exists():
        raise ActionRefused("该项目已有待处理的终止申请")
    request = TerminationRequest(project=project, substantive_progress=substantive_progress, cause=cause,
                                 overall_goal_unattainable=overall_goal_unattainable,
                                 explanation=explanation.strip(), requested_by=actor, requested_at=timezone.now())
    finding = termination_request_admissible(_termination_facts(request, drc_reported=False))
    _refuse_if_blocking([finding])
    request.save()
    record(actor=actor, action="delivery.termination_requested", obj=request, project=project,
           after={"cause": cause, "explanation": request.explanation}, findings=[finding],
           profile=profile_for(project).version_label)
    return request


def _locked_termination(actor, request_id: int) -> tuple[Project, TerminationRequest]:
    project_id = TerminationRequest.objects.filter(pk=request_id).values_list("project_id", flat=True).first()
    if project_id is None:
        raise ActionRefused("终止申请不存在", status=404)
    project = get_project_for_user(actor, project_id, for_update=True)
    return project, TerminationRequest.objects.select_for_update().get(pk=request_id)


@transaction.atomic
def termination_report(*, actor, request_id: int, note: str = "") -> TerminationRequest:
    """省发展改革委核报领导小组 (第三十条第二款)."""
    project, request = _locked_termination(actor, request_id)
    _refuse_unless_drc(actor)
    if request.status != TerminationStatus.REQUESTED:
        raise ActionRefused(f"该终止申请已处理（{request.get_status_display()}）")
    request.status, request.reported_by, request.reported_at = TerminationStatus.REPORTED, actor, timezone.now()
    request.note = note.strip()
    request.save()
    record(actor=actor, action="delivery.termination_reported", obj=request, project=project,
           before={"status": TerminationStatus.REQUESTED}, after={"status": request.status, "note": request.note},
           findings=[termination_request_admissible(_termination_facts(request))],
           profile=profile_for(project).version_label)
    return request


@transaction.atomic
def termination_decide(*, actor, request_id: int, approve: bool, note: str = "") -> TerminationRequest:
    """领导小组同意（或不同意）终止项目建设 (第三十条第二款); 同意即终止."""
    project, request = _locked_termination(actor, request_id)
    if not selectors.is_leading_group(actor):
        raise ActionRefused("终止项目建设须经领导小组同意：此事项由领导小组办理", status=403)
    if request.status == TerminationStatus.REQUESTED:
        finding = termination_may_take_effect(_termination_facts(request, leading_group_approved=approve))
        raise ActionRefused(finding.message, [finding])
    if request.status != TerminationStatus.REPORTED:
        raise ActionRefused(f"该终止申请已处理（{request.get_status_display()}）")
    request.decided_by, request.decided_at = actor, timezone.now()
    request.note = note.strip() or request.note
    if approve:
        request.status = TerminationStatus.APPROVED
        request.save()
        transition_project(actor=actor, project_id=project.pk, transition="terminate", action="delivery.terminated",
                           rules=lambda p: [termination_may_take_effect(
                               _termination_facts(request, drc_reported=True, leading_group_approved=True))],
                           apply=lambda p: {"termination_request": request.pk, "note": request.note})
    else:
        request.status = TerminationStatus.REJECTED
        request.save()
        record(actor=actor, action="delivery.termination_rejected", obj=request, project=project,
               before={"status": TerminationStatus.REPORTED}, after={"status": request.status, "note": request.note},
               profile=profile_for(project).version_label)
    return request


# --- 第三十一条 试运行和验收 --------------------------------------------------------------------

@transaction.atomic
def start_trial_run(*, actor, project_id: int, started_on: date | None = None) -> Project:
    """完成所有建设内容，开始试运行 (第三十一条第一款)."""
    started_on = started_on or today()
    if started_on > today():
        raise ValidationError({"started_on": "试运行开始日期不能晚于今天"})
    _refuse_if_suspended(actor, project_id, "开始试运行")

    def apply(project):
        record_ = selectors.construction_record(project)
        if record_ is None:
            raise ActionRefused("尚未登记开工建设情况（第二十六条），不能开始试运行")
        if started_on < record_.started_on:
            raise ValidationError({"started_on": f"试运行开始日期不能早于开工日期 {record_.started_on}"})
        record_.trial_run_started_on = started_on
        record_.save(update_fields=["trial_run_started_on"])
        return {"trial_run_started_on": started_on}

    return transition_project(actor=actor, project_id=project_id, transition="start_trial_run",
                              action="delivery.trial_run_started", apply=apply)


def acceptance_findings(project: Project, materials, trial_run_normal: bool, on: date) -> list[Finding]:
    record_ = selectors.construction_record(project)
    facts = AcceptanceApplicationFacts(
        delivery_mode=DeliveryMode(project.delivery_mode), classified=selectors.is_classified(project),
        construction_complete=project.stage in (Stage.TRIAL_RUN, Stage.ACCEPTANCE_FAILED),
        trial_run_started_on=record_.trial_run_started_on if record_ else None,
        trial_run_normal=trial_run_normal, materials=frozenset(AcceptanceMaterial(m) for m in materials), today=on)
    return acceptance_application(facts, profile_for(project, on))


SECURITY_RESULTS = ("mlps_test", "classified_protection_test", "data_security_assessment", "cryptography_assessment")


def _security_input(security: dict | None) -> dict:
    """The security facts as the unit entered them (第五十条、第三十一条第二款); empty when none were entered."""
    if not security:
        return {}
    out: dict = {"secure_reliable_statement": bool(security.get("secure_reliable_statement")),
                 "new_data_centre": bool(security.get("new_data_centre"))}
    for key in SECURITY_RESULTS:
        value = str(security.get(key) or AssessmentResult.NOT_DONE)
        if value not in {str(r) for r in AssessmentResult}:
            raise ValidationError({key: "测评结果只能是未测评、通过或不通过"})
        out[key] = value
    pue = security.get("pue")
    if pue not in (None, ""):
        try:
            pue = Decimal(str(pue))
        except ArithmeticError as exc:
            raise ValidationError({"pue": "PUE 须为数值"}) from exc
        if pue < 1:
            raise ValidationError({"pue": "PUE 不能小于 1"})
        out["pue"] = str(pue)
    return out


def security_review(project: Project, security: dict, on: date) -> list[Finding]:
    """第五十条 at acceptance (``rules.ch08_security.acceptance_security_review``) over the facts the unit
    recorded with its application; without such facts, one warning saying the review was not possible."""
    if not security:
        return [Finding("acceptance_security_review", Outcome.WARN,
                        "验收申请未登记安全测评情况，未进行第五十条安全审查：请验收专家核对安全测评报告。",
                        Citation(50), {})]
    facts = SecurityFacts(
        project=str(project), classified=selectors.is_classified(project),
        secure_reliable_statement=security.get("secure_reliable_statement", False),
        mlps_test=AssessmentResult(security.get("mlps_test", AssessmentResult.NOT_DONE)),
        classified_protection_test=AssessmentResult(security.get("classified_protection_test",
                                                                 AssessmentResult.NOT_DONE)),
        data_security_assessment=AssessmentResult(security.get("data_security_assessment",
                                                               AssessmentResult.NOT_DONE)),
        cryptography_assessment=AssessmentResult(security.get("cryptography_assessment", AssessmentResult.NOT_DONE)),
        new_data_centre=security.get("new_data_centre", False),
        pue=Decimal(security["pue"]) if security.get("pue") else None)
    return acceptance_security_review(facts, profile_for(project, on))


def _unit_acceptance_findings(project: Project, unit_accepted_on: date | None, unit_result: str,
                              on: date) -> list[Finding]:
    """第三十一条第三款：“政府购买服务项目由项目单位按要求组织验收，验收结果报省发展改革委审核。”"""
    if project.delivery_mode != DeliveryMode.PURCHASED_SERVICE:
        return []
    citation = Citation(31, paragraph=3)
    evidence = {"项目单位验收日期": unit_accepted_on, "验收结果": unit_result}
    if unit_accepted_on is None or not unit_result.strip():
        return [Finding("unit_acceptance_organised", Outcome.BLOCK,
                        "政府购买服务项目由项目单位组织验收：请填写项目单位组织验收的日期和验收结果，再报省发展改革委审核。",
                        citation, evidence)]
    if unit_accepted_on > on:
        return [Finding("unit_acceptance_organised", Outcome.BLOCK, "项目单位验收日期不能晚于今天。", citation, evidence)]
    return [Finding("unit_acceptance_organised", Outcome.PASS,
                    f"项目单位已于 {unit_accepted_on} 组织验收，验收结果报省发展改革委审核。", citation, evidence)]


@transaction.atomic
def apply_for_acceptance(*, actor, project_id: int, materials: list[str], trial_run_normal: bool = True,
                         unit_accepted_on: date | None = None, unit_result: str = "",
                         security: dict | None = None) -> Project:
    """项目单位申请验收 (第三十一条): trial run complete under the profile, materials complete. A purchased
    service reports the acceptance the unit organised (第三十一条第三款); security facts, where recorded,
    are reviewed under 第五十条 and kept with the application."""
    on = today()
    try:
        materials = sorted({str(AcceptanceMaterial(m)) for m in materials})
    except ValueError as exc:
        raise ValidationError({"materials": "验收材料类型无效"}) from exc
    security = _security_input(security)
    _refuse_if_suspended(actor, project_id, "申请验收")

    def rules(project):
        return (acceptance_findings(project, materials, trial_run_normal, on)
                + _unit_acceptance_findings(project, unit_accepted_on, unit_result, on))

    def apply(project):
        findings = rules(project)
        purchased = project.delivery_mode == DeliveryMode.PURCHASED_SERVICE
        review = security_review(project, security, on)
        AcceptanceApplication.objects.create(
            project=project, applied_on=on, materials=materials, trial_run_normal=trial_run_normal,
            findings=_dicts(findings), profile=profile_for(project, on).version_label, applied_by=actor,
            unit_organised=purchased, unit_accepted_on=unit_accepted_on if purchased else None,
            unit_result=unit_result.strip() if purchased else "", security=security,
            security_findings=_dicts(review))
        return {"applied_on": on, "materials": materials, "unit_organised": purchased,
                "unit_accepted_on": unit_accepted_on if purchased else None, "security": security,
                "security_findings": _dicts(review)}

    return transition_project(actor=actor, project_id=project_id, transition="apply_for_acceptance",
                              action="delivery.acceptance_applied", rules=rules, apply=apply)


@transaction.atomic
def acceptance_decide(*, actor, project_id: int, passed: bool, opinion: str) -> AcceptanceApplication:
    """省发展改革委组织竣工验收 (自行建设) 或审核项目单位的验收结果 (政府购买服务, 第三十一条第三款)：
    合格的出具验收意见或审核意见，不合格的记录结论 (第三十二条). A pass is refused while the 第五十条
    security review of the recorded facts blocks."""
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写验收意见"})
    on = today()
    holder: dict = {}

    def pending(project):
        application = (AcceptanceApplication.objects.select_for_update()
                       .filter(project=project, status=AcceptanceStatus.APPLIED).first())
        if application is None:
            raise ActionRefused("没有待验收的申请")
        return application

    def rules(project):
        if not passed:
            return []
        application = pending(project)
        return security_review(project, application.security, on) if application.security else []

    def apply(project):
        application = pending(project)
        application.status = AcceptanceStatus.PASSED if passed else AcceptanceStatus.FAILED
        application.opinion, application.decided_on, application.decided_by = opinion.strip(), on, actor
        if passed:
            template = (f"川发改验审〔{on.year}〕{{}}号" if application.unit_organised
                        else f"川发改验〔{on.year}〕{{}}号")
            application.opinion_number = next_number(f"acceptance-opinion-{on.year}", template)
        application.save()
        holder["application"] = application
        return {"result": application.status, "opinion_number": application.opinion_number,
                "unit_organised": application.unit_organised}

    transition_project(actor=actor, project_id=project_id, transition="accept" if passed else "fail_acceptance",
                       action="delivery.accepted" if passed else "delivery.acceptance_failed", rules=rules,
                       apply=apply)
    # SECURITY.md R34: the acceptance conclusion (pass or fail) is signed (SM2) in the same transaction.
    sign_decision(kind=DecisionKind.ACCEPTANCE, obj=holder["application"], actor=actor)
    return holder["application"]


@transaction.atomic
def acceptance_file(*, actor, project_id: int, summary: str) -> AcceptanceFiling:
    """项目单位将验收情况通过备案登记平台向领导小组办公室报备 (第三十一条第一款)."""
    project = get_project_for_user(actor, project_id, for_update=True)
    _refuse_unless_unit(actor, project)
    if not summary.strip():
        raise ValidationError({"summary": "请填写验收情况"})
    application = (AcceptanceApplication.objects.select_for_update()
                   .filter(project=project, status__in=[AcceptanceStatus.PASSED, AcceptanceStatus.FAILED])
                   .order_by("-decided_on", "-pk").first())
    if application is None:
        raise ActionRefused("尚无验收结论，不能报备验收情况（第三十一条第一款）")
    if AcceptanceFiling.objects.filter(application=application).exists():
        raise ActionRefused("该次验收情况已向领导小组办公室报备")
    filing = AcceptanceFiling.objects.create(application=application, project=project, summary=summary.strip(),
                                             filed_by=actor, filed_at=timezone.now())
    record(actor=actor, action="delivery.acceptance_filed", obj=filing, project=project,
           after={"application": application.pk, "result": application.status,
                  "opinion_number": application.opinion_number, "summary": filing.summary},
           profile=profile_for(project).version_label)
    return filing


@transaction.atomic
def acceptance_filing_register(*, actor, filing_id: int) -> AcceptanceFiling:
    """领导小组办公室登记备案."""
    if not selectors.is_office(actor):
        raise ActionRefused("验收报备由领导小组办公室登记备案", status=403)
    project_id = AcceptanceFiling.objects.filter(pk=filing_id).values_list("project_id", flat=True).first()
    if project_id is None:
        raise ActionRefused("验收报备不存在", status=404)
    project = get_project_for_user(actor, project_id, for_update=True)
    filing = AcceptanceFiling.objects.select_for_update().get(pk=filing_id)
    if filing.registered_at is not None:
        raise ActionRefused("该验收报备已登记备案")
    filing.registered_by, filing.registered_at = actor, timezone.now()
    filing.save(update_fields=["registered_by", "registered_at"])
    record(actor=actor, action="delivery.acceptance_filing_registered", obj=filing, project=project,
           before={"registered": False}, after={"registered": True})
    return filing


# --- 第二十六条第二款 项目档案 --------------------------------------------------------------------

ARCHIVE_STAGES = (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN, Stage.ACCEPTANCE_APPLIED,
                  Stage.ACCEPTED, Stage.ACCEPTANCE_FAILED)


def archive_add(*, actor, project_id: int, category: str, title: str, dated: date, name: str, size: int,
                fileobj, reference: str = "") -> ArchiveEntry:
    """项目档案归档 (第二十六条第二款): one electronic file with its category, title and date."""
    from declarations import documents

    if category not in ArchiveCategory.values:
        raise ValidationError({"category": "档案类别不在允许范围内"})
    if not title.strip():
        raise ValidationError({"title": "请填写档案名称"})
    try:
        file_type = documents.validate_upload(name, size, fileobj)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    shown = documents.display_name(name)
    stored_name = archive.new_stored_name(file_type)
    try:
        with transaction.atomic():
            project = get_project_for_user(actor, project_id, for_update=True)
            _refuse_unless_unit(actor, project)
            _require_stage(project, ARCHIVE_STAGES, "归档")
            documents.refuse_over_quota(project, size, shown)  # the per-project quota (SECURITY.md 26)
            digest, written = archive.write(stored_name, fileobj)
            entry = ArchiveEntry.objects.create(
                project=project, category=category, title=title.strip(), reference=reference.strip(), dated=dated,
                original_name=shown, stored_name=stored_name, sha256=digest, size=written,
                content_type=file_type.content_type, uploaded_by=actor)
            record(actor=actor, action="delivery.archived", obj=entry, project=project,
                   after={"category": category, "title": entry.title, "reference": entry.reference,
                          "dated": dated, "name": shown, "sha256": digest, "size": written})
    except BaseException:
        archive.remove(stored_name)  # the transaction rolled back: no file without a record
        raise
    return entry


def archive_open(*, actor, entry_id) -> tuple[ArchiveEntry, object]:
    """Open an archived file for whoever may see the project (404 otherwise); a changed file is refused."""
    try:
        entry = ArchiveEntry.objects.get(pk=int(entry_id))
    except (ArchiveEntry.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("档案不存在或无权查看") from exc
    get_project_for_user(actor, entry.project_id)
    if not archive.matches(entry.stored_name, entry.sha256):  # SHA-256 or SM3 (SECURITY.md 29)
        with transaction.atomic():
            record(actor=actor, action="delivery.archive_tampered", obj=entry, project=entry.project,
                   outcome="refused", after={"stored_name": entry.stored_name})
        raise ActionRefused("档案文件已被改动或缺失（SHA-256 不符），已记录审计事件，请联系系统管理员")
    with transaction.atomic():  # every download is audited (SECURITY.md 14)
        record(actor=actor, action="delivery.archive_downloaded", obj=entry, project=entry.project,
               after={"category": entry.category, "sha256": entry.sha256})
    return entry, archive.path_of(entry.stored_name).open("rb")


# --- 第二十七条 跨部门共建共享项目 -----------------------------------------------------------------

def participants_finding(project: Project) -> Finding | None:
    rows = list(ParticipatingDepartment.objects.filter(project=project).select_related("department"))
    if not rows:
        return None
    return participating_departments_defined(tuple(
        ParticipantFacts(r.department.name, r.scope, r.responsibilities) for r in rows))


@transaction.atomic
def participant_add(*, actor, project_id: int, department_id: int, scope: str,
                    responsibilities: str) -> ParticipatingDepartment:
    """牵头部门落实参建部门的建设范围和责任义务 (第二十七条)."""
    from accounts.models import Organisation

    project = get_project_for_user(actor, project_id, for_update=True)
    _refuse_unless_unit(actor, project)
    _require_stage(project, (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN), "登记参建部门")
    department = Organisation.objects.filter(pk=department_id).first()
    if department is None or department.pk == project.unit_id:
        raise ValidationError({"department_id": "请选择牵头部门以外的参建部门"})
    if ParticipatingDepartment.objects.filter(project=project, department=department).exists():
        raise ValidationError({"department_id": f"参建部门“{department.name}”已登记"})
    finding = participating_departments_defined((ParticipantFacts(department.name, scope, responsibilities),))
    _refuse_if_blocking([finding])
    row = ParticipatingDepartment.objects.create(project=project, department=department, scope=scope.strip(),
                                                 responsibilities=responsibilities.strip(), created_by=actor)
    record(actor=actor, action="delivery.participant_added", obj=row, project=project,
           after={"department": department.name, "scope": row.scope, "responsibilities": row.responsibilities},
           findings=[finding])
    return row


@transaction.atomic
def participant_progress(*, actor, participant_id: int, progress_percent: Decimal,
                         note: str = "") -> ParticipatingDepartment:
    """牵头部门登记参建部门的建设进度 (第二十七条)."""
    project_id = ParticipatingDepartment.objects.filter(pk=participant_id).values_list("project_id", flat=True).first()
    if project_id is None:
        raise ActionRefused("参建部门不存在", status=404)
    project = get_project_for_user(actor, project_id, for_update=True)
    _refuse_unless_unit(actor, project)
    _require_stage(project, (Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN), "登记建设进度")
    progress_percent = Decimal(progress_percent)
    if not Decimal("0") <= progress_percent <= Decimal("100"):
        raise ValidationError({"progress_percent": "建设进度应在 0 至 100 之间"})
    row = ParticipatingDepartment.objects.select_for_update().get(pk=participant_id)
    before = {"progress_percent": row.progress_percent, "progress_note": row.progress_note}
    row.progress_percent, row.progress_note, row.progress_on = progress_percent, note.strip(), today()
    row.save(update_fields=["progress_percent", "progress_note", "progress_on"])
    record(actor=actor, action="delivery.participant_progress", obj=row, project=project, before=before,
           after={"progress_percent": progress_percent, "progress_note": row.progress_note})
    return row


@transaction.atomic
def deferral_request(*, actor, project_id: int, new_date: date, reason: str) -> AcceptanceDeferral:
    """书面延期验收申请 (第三十一条第二款)."""
    project = get_project_for_user(actor, project_id, for_update=True)
    _refuse_unless_unit(actor, project)
    _require_stage(project, (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN), "申请延期验收")
    on = today()
    current_due = selectors.acceptance_due_on(project, on)
    if current_due is None:
        raise ActionRefused("尚未登记建设周期，无法计算验收期限：请先登记开工建设情况")
    finding = acceptance_deferral(DeferralRequest(on, new_date, reason), current_due)
    _refuse_if_blocking([finding])
    deferral = AcceptanceDeferral.objects.create(project=project, requested_on=on, previous_due=current_due,
                                                 new_date=new_date, reason=reason.strip(),
                                                 findings=_dicts([finding]), requested_by=actor)
    record(actor=actor, action="delivery.acceptance_deferred", obj=deferral, project=project,
           before={"due_on": current_due}, after={"due_on": new_date, "reason": deferral.reason},
           findings=[finding], profile=profile_for(project, on).version_label)
    return deferral


def opinion_for_download(*, actor, project_id: int) -> AcceptanceApplication:
    """The passed acceptance with its opinion number, for anyone who may see the project (else 404)."""
    project = get_project_for_user(actor, project_id)
    application = (AcceptanceApplication.objects.filter(project=project, status=AcceptanceStatus.PASSED)
                   .exclude(opinion_number="").select_related("project__unit").order_by("-decided_on").first())
    if application is None:
        raise Http404("该项目尚未出具验收意见")
    with transaction.atomic():  # the opinion PDF is an export: audited (SECURITY.md 14)
        record(actor=actor, action="acceptance.opinion_downloaded", obj=application, project=project,
               after={"opinion_number": application.opinion_number, "format": "pdf"})
    return application
