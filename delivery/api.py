"""Construction and acceptance endpoints (/api/v1/delivery). Errors go through api.errors' handlers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from api.schemas import Error, FindingOut, Refusal
from projects.selectors import get_project_for_user

from . import selectors, services

router = Router(tags=["delivery"])

MONEY = {"ge": 0, "max_digits": 15, "decimal_places": 2}
REFUSALS = {403: Refusal, 404: Error, 409: Refusal, 422: Error}


class StageOut(Schema):
    id: int
    number: str
    stage: str
    approved_total_investment: Decimal | None


class ConstructionIn(Schema):
    responsible_person: str = Field(min_length=1, max_length=50)
    supervision_contractor: str = Field("", max_length=200)
    construction_period_months: int | None = Field(None, ge=1, le=120)
    started_on: date | None = None


class ContractIn(Schema):
    kind: str
    party: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(**MONEY)
    signed_on: date


class ContractOut(Schema):
    id: int
    kind: str
    party: str
    amount: Decimal
    signed_on: date


class ChangeIn(Schema):
    reasons: list[str] = []
    content: str = Field(min_length=1)
    amount_moved: Decimal = Field(**MONEY)
    total_investment_after: Decimal = Field(**MONEY)
    goals_unchanged: bool
    implemented_before_approval: bool = False


class ChangeOut(Schema):
    id: int
    kind: str
    status: str
    amount_moved: Decimal
    total_investment_after: Decimal
    this_change_percent: Decimal
    cumulative_percent: Decimal
    profile: str
    findings: list[FindingOut]


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class TroubleIn(Schema):
    serious_delay: bool = False
    major_loss: bool = False
    description: str = Field(min_length=1)


class TroubleOut(Schema):
    id: int
    reported_on: date
    response: str
    rectify_by: date | None


class TroubleResponseIn(Schema):
    suspend: bool
    note: str = Field(min_length=1)
    rectify_by: date | None = None


class NoteIn(Schema):
    note: str = ""


class TerminationIn(Schema):
    substantive_progress: bool
    cause: str
    overall_goal_unattainable: bool
    explanation: str = Field(min_length=1)


class TerminationOut(Schema):
    id: int
    status: str
    requested_at: datetime


class TrialRunIn(Schema):
    started_on: date | None = None


class AcceptanceSecurityIn(Schema):
    """第五十条 / 第三十一条第二款: results of the security tests (not_done, passed, failed)."""

    secure_reliable_statement: bool = False
    mlps_test: str = "not_done"
    classified_protection_test: str = "not_done"
    data_security_assessment: str = "not_done"
    cryptography_assessment: str = "not_done"
    new_data_centre: bool = False
    pue: Decimal | None = Field(None, ge=1, max_digits=4, decimal_places=2)


class AcceptanceIn(Schema):
    materials: list[str]
    trial_run_normal: bool = True
    unit_accepted_on: date | None = None  # 政府购买服务：项目单位组织验收的日期（第三十一条第三款）
    unit_result: str = ""
    security: AcceptanceSecurityIn | None = None


class AcceptanceDecisionIn(Schema):
    passed: bool
    opinion: str = Field(min_length=1)


class AcceptanceOut(Schema):
    id: int
    applied_on: date
    status: str
    unit_organised: bool
    unit_accepted_on: date | None
    unit_result: str
    opinion_number: str
    opinion: str
    findings: list[FindingOut]
    security_findings: list[FindingOut]


class FilingIn(Schema):
    summary: str = Field(min_length=1)


class FilingOut(Schema):
    id: int
    project_id: int
    application_id: int
    summary: str
    filed_at: datetime
    registered_at: datetime | None


class ParticipantIn(Schema):
    department_id: int
    scope: str = Field(min_length=1)
    responsibilities: str = Field(min_length=1)


class ProgressIn(Schema):
    progress_percent: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    note: str = ""


class ParticipantOut(Schema):
    id: int
    department_id: int
    department: str
    scope: str
    responsibilities: str
    progress_percent: Decimal
    progress_note: str
    progress_on: date | None

    @staticmethod
    def resolve_department(obj):
        return obj.department.name


class ArchiveOut(Schema):
    id: int
    category: str
    title: str
    reference: str
    dated: date
    original_name: str
    sha256: str
    size: int


class DeferralIn(Schema):
    new_date: date
    reason: str = Field(min_length=1)


class DeferralOut(Schema):
    id: int
    previous_due: date
    new_date: date


class DeliveryOut(Schema):
    project: StageOut
    responsible_person: str | None
    supervision_contractor: str | None
    construction_period_months: int | None
    trial_run_started_on: date | None
    acceptance_due_on: date | None
    acceptance_ready_on: date | None
    changes: list[ChangeOut]
    contracts: list[ContractOut]
    participants: list[ParticipantOut]
    archive: list[ArchiveOut]
    acceptances: list[AcceptanceOut]
    sanctions: list[FindingOut]


@router.get("/projects/{project_id}", response={200: DeliveryOut, 404: Error})
def delivery_summary(request, project_id: int):
    from rules.ch04_construction import acceptance_sanctions

    project = get_project_for_user(request.user, project_id)
    record = selectors.construction_record(project)
    today = services.today()
    acceptance = selectors.acceptance_record(project, today)
    return {
        "project": project,
        "responsible_person": record.responsible_person if record else None,
        "supervision_contractor": record.supervision_contractor if record else None,
        "construction_period_months": selectors.construction_months(project),
        "trial_run_started_on": record.trial_run_started_on if record else None,
        "acceptance_due_on": acceptance.due_on if acceptance else None,
        "acceptance_ready_on": selectors.acceptance_ready_on(project, today),
        "changes": list(selectors.changes(project)),
        "contracts": list(project.contracts.all()),
        "participants": list(project.participants.select_related("department")),
        "archive": list(project.archive_entries.all()),
        "acceptances": list(project.acceptance_applications.all()),
        "sanctions": [f.as_dict() for f in acceptance_sanctions(acceptance, today)] if acceptance else [],
    }


@router.post("/projects/{project_id}/construction", response={200: StageOut, **REFUSALS})
def start_construction(request, project_id: int, payload: ConstructionIn):
    return services.start_construction(actor=request.user, project_id=project_id, **payload.dict())


@router.post("/projects/{project_id}/contracts", response={201: ContractOut, **REFUSALS})
def add_contract(request, project_id: int, payload: ContractIn):
    return Status(201, services.contract_add(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/changes", response={201: ChangeOut, **REFUSALS})
def file_change(request, project_id: int, payload: ChangeIn):
    return Status(201, services.change_file(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/changes/{change_id}/decision", response={200: ChangeOut, **REFUSALS})
def decide_change(request, change_id: int, payload: DecisionIn):
    return services.change_decide(actor=request.user, change_id=change_id, **payload.dict())


@router.post("/projects/{project_id}/trouble-reports", response={201: TroubleOut, **REFUSALS})
def report_trouble(request, project_id: int, payload: TroubleIn):
    return Status(201, services.trouble_report(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/trouble-reports/{report_id}/response", response={200: TroubleOut, **REFUSALS})
def respond_trouble(request, report_id: int, payload: TroubleResponseIn):
    return services.trouble_respond(actor=request.user, report_id=report_id, **payload.dict())


@router.post("/projects/{project_id}/resume", response={200: StageOut, **REFUSALS})
def resume(request, project_id: int, payload: NoteIn):
    return services.resume_construction(actor=request.user, project_id=project_id, note=payload.note)


@router.post("/projects/{project_id}/termination-requests", response={201: TerminationOut, **REFUSALS})
def request_termination(request, project_id: int, payload: TerminationIn):
    return Status(201, services.termination_request(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/termination-requests/{request_id}/report", response={200: TerminationOut, **REFUSALS})
def report_termination(request, request_id: int, payload: NoteIn):
    return services.termination_report(actor=request.user, request_id=request_id, note=payload.note)


@router.post("/termination-requests/{request_id}/decision", response={200: TerminationOut, **REFUSALS})
def decide_termination(request, request_id: int, payload: DecisionIn):
    return services.termination_decide(actor=request.user, request_id=request_id, **payload.dict())


@router.post("/projects/{project_id}/trial-run", response={200: StageOut, **REFUSALS})
def start_trial_run(request, project_id: int, payload: TrialRunIn):
    return services.start_trial_run(actor=request.user, project_id=project_id, started_on=payload.started_on)


@router.post("/projects/{project_id}/acceptance", response={201: AcceptanceOut, **REFUSALS})
def apply_for_acceptance(request, project_id: int, payload: AcceptanceIn):
    services.apply_for_acceptance(actor=request.user, project_id=project_id, **payload.dict())
    project = get_project_for_user(request.user, project_id)
    return Status(201, selectors.latest_acceptance(project))


@router.post("/projects/{project_id}/acceptance/decision", response={200: AcceptanceOut, **REFUSALS})
def decide_acceptance(request, project_id: int, payload: AcceptanceDecisionIn):
    return services.acceptance_decide(actor=request.user, project_id=project_id, **payload.dict())


@router.post("/projects/{project_id}/acceptance/deferrals", response={201: DeferralOut, **REFUSALS})
def defer_acceptance(request, project_id: int, payload: DeferralIn):
    return Status(201, services.deferral_request(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/acceptance/filing", response={201: FilingOut, **REFUSALS})
def file_acceptance(request, project_id: int, payload: FilingIn):
    """验收情况向领导小组办公室报备 (第三十一条第一款)."""
    return Status(201, services.acceptance_file(actor=request.user, project_id=project_id, summary=payload.summary))


@router.get("/acceptance-filings", response={200: list[FilingOut]})
def list_filings(request):
    return list(selectors.acceptance_filings(request.user))


@router.post("/acceptance-filings/{filing_id}/register", response={200: FilingOut, **REFUSALS})
def register_filing(request, filing_id: int):
    return services.acceptance_filing_register(actor=request.user, filing_id=filing_id)


@router.post("/projects/{project_id}/participants", response={201: ParticipantOut, **REFUSALS})
def add_participant(request, project_id: int, payload: ParticipantIn):
    return Status(201, services.participant_add(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/participants/{participant_id}/progress", response={200: ParticipantOut, **REFUSALS})
def participant_progress(request, participant_id: int, payload: ProgressIn):
    return services.participant_progress(actor=request.user, participant_id=participant_id, **payload.dict())


@router.post("/projects/{project_id}/archive", response={201: ArchiveOut, **REFUSALS})
def add_archive(request, project_id: int, category: Form[str], title: Form[str], dated: Form[date],
                file: File[UploadedFile], reference: Form[str] = ""):
    """项目档案归档 (第二十六条第二款): multipart form with the file."""
    return Status(201, services.archive_add(actor=request.user, project_id=project_id, category=category,
                                            title=title, reference=reference, dated=dated, name=file.name,
                                            size=file.size, fileobj=file))
