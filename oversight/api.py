"""Performance, supervision, sharing and security endpoints (/api/v1/oversight). Errors go through api.errors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema, Status

from api.schemas import Error, FindingOut, Refusal
from projects.selectors import can_see_portfolio, get_project_for_user

from . import selectors, services

router = Router(tags=["oversight"])

MONEY = {"ge": 0, "max_digits": 15, "decimal_places": 2}
PERCENT = {"ge": 0, "le": 100, "max_digits": 5, "decimal_places": 2}
REFUSALS = {403: Refusal, 404: Error, 409: Refusal, 422: Refusal}


def _finding(f):
    return f.as_dict() if f is not None else None


# --- Schemas --------------------------------------------------------------------------------------


class MonitoringReportIn(Schema):
    year: int = Field(ge=2021, le=2100)
    planned_progress_percent: Decimal = Field(**PERCENT)
    actual_progress_percent: Decimal = Field(**PERCENT)
    planned_spend: Decimal = Field(**MONEY)
    actual_spend: Decimal = Field(**MONEY)
    progress: str = Field(min_length=1)
    budget_execution: str = Field(min_length=1)
    trial_run_effects: str = ""
    using_unit_opinion: str = Field(min_length=1)
    supervision_opinion: str = Field(min_length=1)


class MonitoringReportOut(Schema):
    id: int
    project_id: int
    year: int
    planned_progress_percent: Decimal
    actual_progress_percent: Decimal
    planned_spend: Decimal
    actual_spend: Decimal
    budget_execution: str
    trial_run_effects: str
    submitted_on: date
    findings: list[FindingOut]


class GoLiveIn(Schema):
    went_live_on: date


class GoLiveOut(Schema):
    project_id: int
    went_live_on: date


class SelfEvaluationIn(Schema):
    summary: str = Field(min_length=1)


class SelfEvaluationOut(Schema):
    id: int
    filed_on: date
    summary: str
    findings: list[FindingOut]


class EvaluationIn(Schema):
    kind: str
    result: str
    report: str = Field(min_length=1)
    evaluated_on: date | None = None


class EvaluationOut(Schema):
    id: int
    kind: str
    body: str = Field(alias="body.name")
    result: str
    report: str
    evaluated_on: date


class PostEvaluationIn(Schema):
    method: str
    evaluator: str = Field(min_length=1, max_length=200)
    result: str
    conclusion: str = Field(min_length=1)
    evaluated_on: date | None = None


class PostEvaluationOut(Schema):
    id: int
    body: str = Field(alias="body.name")
    method: str
    evaluator: str
    result: str
    conclusion: str
    evaluated_on: date


class SupervisionFindingIn(Schema):
    area: str
    description: str = Field(min_length=1)
    requirement: str = Field(min_length=1)
    found_on: date | None = None
    due_on: date | None = None


class DecisionOut(Schema):
    id: int
    step: str
    step_label: str
    decision: str
    new_due_on: date | None
    decided_by: str = Field(alias="decided_by.username")
    body: str = Field(alias="body.name")
    decided_at: datetime

    @staticmethod
    def resolve_step_label(obj):
        return obj.get_step_display()


class RectificationOut(Schema):
    id: int
    project_id: int
    area: str
    body: str
    description: str
    requirement: str
    ordered_on: date
    due_on: date
    rectified_on: date | None
    recheck_passed: bool | None
    status: FindingOut
    next_step: str | None
    next_step_label: str
    decisions: list[DecisionOut]


def _rectification(r) -> dict:
    esc = selectors.escalation(r, services.today())
    return {"id": r.pk, "project_id": r.finding.project_id, "area": r.finding.area, "body": r.finding.body.name,
            "description": r.finding.description, "requirement": r.finding.requirement, "ordered_on": r.ordered_on,
            "due_on": selectors.current_due_on(r), "rectified_on": r.rectified_on,
            "recheck_passed": r.recheck_passed, "status": esc.finding.as_dict(), "next_step": esc.step,
            "next_step_label": esc.label, "decisions": list(r.decisions.all())}


class RectificationReportIn(Schema):
    report: str = Field(min_length=1)


class RecheckIn(Schema):
    passed: bool
    note: str = Field(min_length=1)


class EscalateIn(Schema):
    decision: str = Field(min_length=1)
    new_due_on: date | None = None


class AuditFindingIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)
    amount_involved: Decimal | None = Field(None, **MONEY)
    found_on: date | None = None


class AuditFindingOut(Schema):
    id: int
    title: str
    description: str
    amount_involved: Decimal | None
    found_on: date


class MisconductIn(Schema):
    persons: list[str] = []
    description: str = Field(min_length=1)
    handling: str = ""
    skipped_filing_or_approval: bool = False
    serious_consequence: bool = False
    funds_diverted: bool = False
    om_funds_misallocated: bool = False
    found_on: date | None = None


class MisconductOut(Schema):
    id: int
    unit: str = Field(alias="unit.name")
    persons: list[str]
    description: str
    handling: str
    found_on: date
    findings: list[FindingOut]


class ResourceIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    sharing_type: str
    legal_basis: str = ""
    on_exchange_platform: bool = False
    in_public_catalogue: bool = False
    specific_companies_only: bool = False
    state_secret: bool = False


class ResourceOut(Schema):
    id: int
    project_id: int
    name: str
    sharing_type: str
    legal_basis: str
    on_exchange_platform: bool
    in_public_catalogue: bool
    specific_companies_only: bool
    state_secret: bool
    findings: list[FindingOut]


class FeedbackIn(Schema):
    text: str = Field(min_length=1)


class FeedbackOut(Schema):
    id: int
    resource_id: int
    organisation: str = Field(alias="organisation.name")
    text: str
    recorded_on: date


class SharingViolationIn(Schema):
    year: int = Field(ge=2021, le=2100)
    failed_to_share: bool = False
    duplicate_collection: bool = False
    description: str = Field(min_length=1)


class SharingViolationOut(Schema):
    id: int
    project_id: int
    year: int
    failed_to_share: bool
    duplicate_collection: bool
    description: str
    sanctions: list[FindingOut]

    @staticmethod
    def resolve_sanctions(obj):
        from rules.ch04_construction import SharingViolation, sharing_sanctions

        return [f.as_dict() for f in sharing_sanctions(SharingViolation(
            str(obj.project), obj.year, obj.failed_to_share, obj.duplicate_collection), obj.year + 1)]


class SecurityIn(Schema):
    classified: bool | None = None
    mlps_level: int | None = Field(None, ge=1, le=5)
    mlps_plan: bool | None = None
    classified_protection_plan: bool | None = None
    cryptography_plan: bool | None = None
    secure_reliable_statement: bool | None = None
    mlps_test: str | None = None
    classified_protection_test: str | None = None
    cryptography_assessment: str | None = None
    data_security_assessment: str | None = None
    new_data_centre: bool | None = None
    pue: Decimal | None = Field(None, ge=1, max_digits=4, decimal_places=2)
    network_security_issue_open: bool | None = None
    cryptography_issue_open: bool | None = None
    major_hidden_danger: bool | None = None
    issue_note: str | None = None


class SecurityOut(Schema):
    project_id: int
    classified: bool
    mlps_level: int | None
    mlps_test: str
    classified_protection_test: str
    cryptography_assessment: str
    data_security_assessment: str
    new_data_centre: bool
    pue: Decimal | None
    network_security_issue_open: bool
    cryptography_issue_open: bool
    major_hidden_danger: bool
    sanctions: list[FindingOut]

    @staticmethod
    def resolve_sanctions(obj):
        from rules.ch08_security import security_sanctions

        return [f.as_dict() for f in security_sanctions(selectors.security_facts(obj.project, obj))]


class RiskOut(Schema):
    level: int
    reasons: list[str]
    cost_variance: Decimal
    schedule_variance: Decimal
    cpi: Decimal | None
    spi: Decimal | None
    finding: FindingOut


def _risk(r):
    if r is None:
        return None
    return {"level": r.level, "reasons": list(r.reasons), "cost_variance": r.variance.cost_variance,
            "schedule_variance": r.variance.schedule_variance, "cpi": r.variance.cpi, "spi": r.variance.spi,
            "finding": r.finding.as_dict()}


class OverviewOut(Schema):
    project_id: int
    risk: RiskOut | None
    monitoring: list[FindingOut]
    went_live_on: date | None
    self_evaluation: FindingOut | None
    rectifications: list[RectificationOut]
    resources: list[ResourceOut]
    sanctions: list[FindingOut]


class MissingReportOut(Schema):
    project_id: int
    number: str
    name: str
    unit: str
    overdue: bool
    finding: FindingOut


class PortfolioRowOut(Schema):
    project_id: int
    number: str
    name: str
    unit: str
    risk: RiskOut | None
    self_evaluation: FindingOut | None


# --- Reads ----------------------------------------------------------------------------------------


@router.get("/projects/{project_id}", response={200: OverviewOut, 404: Error})
def overview(request, project_id: int):
    project = get_project_for_user(request.user, project_id)
    on = services.today()
    return {"project_id": project.pk, "risk": _risk(selectors.risk(project, on)),
            "monitoring": [f.as_dict() for f in selectors.monitoring_findings(project, on)],
            "went_live_on": selectors.went_live_on(project),
            "self_evaluation": _finding(selectors.self_evaluation_status(project, on)),
            "rectifications": [_rectification(r) for r in selectors.project_rectifications(project)],
            "resources": list(selectors.visible_resources(request.user, project)),
            "sanctions": [f.as_dict() for f in selectors.project_sanctions(project, on.year)]}


@router.get("/resources/{resource_id}", response={200: ResourceOut, 404: Error})
def resource(request, resource_id: int):
    return selectors.get_resource_for_user(request.user, resource_id)


@router.get("/monitoring/missing", response={200: list[MissingReportOut], 403: Error})
def monitoring_missing(request, year: int | None = None):
    """年底检查：``year``（默认今年）应提交而未提交的绩效监控报告 (第四十五条)."""
    if not can_see_portfolio(request.user):
        raise PermissionDenied("只有省发展改革委、财政厅等审核部门和审计人员可以查看年底检查")
    on = services.today()
    return [{"project_id": m.project.pk, "number": m.project.number, "name": m.project.name,
             "unit": m.project.unit.name, "overdue": m.overdue, "finding": m.finding.as_dict()}
            for m in selectors.monitoring_run(year or on.year, on)]


@router.get("/portfolio", response={200: list[PortfolioRowOut], 403: Error})
def portfolio(request):
    if not can_see_portfolio(request.user):
        raise PermissionDenied("只有领导小组及其办公室、省发展改革委、财政厅、省大数据中心、审计厅可以查看项目组合")
    return [{"project_id": r.project.pk, "number": r.project.number, "name": r.project.name,
             "unit": r.project.unit.name, "risk": _risk(r.risk), "self_evaluation": _finding(r.self_evaluation)}
            for r in selectors.portfolio(request.user, services.today())]


@router.get("/rectifications", response={200: list[RectificationOut]})
def rectifications(request):
    return [_rectification(r) for r in selectors.visible_rectifications(request.user)]


# --- Actions --------------------------------------------------------------------------------------


@router.post("/projects/{project_id}/monitoring-reports", response={201: MonitoringReportOut, **REFUSALS})
def add_monitoring_report(request, project_id: int, payload: MonitoringReportIn):
    return Status(201, services.monitoring_report_submit(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/go-live", response={201: GoLiveOut, **REFUSALS})
def add_go_live(request, project_id: int, payload: GoLiveIn):
    return Status(201, services.go_live_record(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/self-evaluations", response={201: SelfEvaluationOut, **REFUSALS})
def add_self_evaluation(request, project_id: int, payload: SelfEvaluationIn):
    return Status(201, services.self_evaluation_file(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/evaluations", response={201: EvaluationOut, **REFUSALS})
def add_evaluation(request, project_id: int, payload: EvaluationIn):
    return Status(201, services.evaluation_record(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/post-evaluations", response={201: PostEvaluationOut, **REFUSALS})
def add_post_evaluation(request, project_id: int, payload: PostEvaluationIn):
    return Status(201, services.post_evaluation_record(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/supervision-findings", response={201: RectificationOut, **REFUSALS})
def add_supervision_finding(request, project_id: int, payload: SupervisionFindingIn):
    finding = services.supervision_finding_record(actor=request.user, project_id=project_id, **payload.dict())
    return Status(201, _rectification(finding.rectification))


@router.post("/rectifications/{rectification_id}/report", response={200: RectificationOut, **REFUSALS})
def report_rectification(request, rectification_id: int, payload: RectificationReportIn):
    return _rectification(services.rectification_report(actor=request.user, rectification_id=rectification_id,
                                                        **payload.dict()))


@router.post("/rectifications/{rectification_id}/recheck", response={200: RectificationOut, **REFUSALS})
def recheck_rectification(request, rectification_id: int, payload: RecheckIn):
    return _rectification(services.rectification_recheck(actor=request.user, rectification_id=rectification_id,
                                                         **payload.dict()))


@router.post("/rectifications/{rectification_id}/escalate", response={201: DecisionOut, **REFUSALS})
def escalate(request, rectification_id: int, payload: EscalateIn):
    return Status(201, services.escalate(actor=request.user, rectification_id=rectification_id, **payload.dict()))


@router.post("/projects/{project_id}/audit-findings", response={201: AuditFindingOut, **REFUSALS})
def add_audit_finding(request, project_id: int, payload: AuditFindingIn):
    return Status(201, services.audit_finding_record(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/misconduct", response={201: MisconductOut, **REFUSALS})
def add_misconduct(request, project_id: int, payload: MisconductIn):
    return Status(201, services.misconduct_record(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/resources", response={201: ResourceOut, **REFUSALS})
def add_resource(request, project_id: int, payload: ResourceIn):
    return Status(201, services.resource_add(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/resources/{resource_id}/feedback", response={201: FeedbackOut, **REFUSALS})
def add_feedback(request, resource_id: int, payload: FeedbackIn):
    return Status(201, services.feedback_add(actor=request.user, resource_id=resource_id, **payload.dict()))


@router.post("/projects/{project_id}/sharing-violations", response={201: SharingViolationOut, **REFUSALS})
def add_sharing_violation(request, project_id: int, payload: SharingViolationIn):
    return Status(201, services.sharing_violation_record(actor=request.user, project_id=project_id,
                                                         **payload.dict()))


@router.put("/projects/{project_id}/security", response={200: SecurityOut, **REFUSALS})
def save_security(request, project_id: int, payload: SecurityIn):
    changes = payload.dict(exclude_unset=True)
    return services.security_profile_save(actor=request.user, project_id=project_id, **changes)
