"""REST operations of review and approval, mounted at /api/v1/reviews. Each calls one service;
refusals come back as 409 (or 403) with the findings and their articles (api.errors)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from api.schemas import Error, FindingOut, ProjectOut, Refusal
from projects.selectors import get_project_for_user

from . import selectors, services
from .models import ApprovalApplication, Evaluation, OpinionRequest

router = Router(tags=["reviews"])

ConclusionValue = Literal["agree", "agree_with_conditions", "disagree"]
MONEY = {"ge": 0, "max_digits": 15, "decimal_places": 2}
ERRORS = {403: Error, 404: Error, 409: Refusal, 422: Error}


# --- schemas ----------------------------------------------------------------------------------

class ConclusionIn(Schema):
    conclusion: ConclusionValue
    text: str = Field("", max_length=5000)


class ConclusionOut(Schema):
    id: int
    project_id: int
    body: str = Field(alias="body.kind")
    body_name: str = Field(alias="body.name")
    conclusion: str
    text: str
    at: datetime


class ReviewDecisionIn(Schema):
    decision: Literal["list", "leave_off", "return"]
    reason: str = Field("", max_length=5000)


class GroupOut(Schema):
    label: str
    count: int
    total: Decimal


class AnnualListOut(Schema):
    year: int
    fixed: bool
    number: str | None
    fixed_at: datetime | None
    count: int
    total: Decimal
    by_unit: list[GroupOut]
    by_mode: list[GroupOut]
    projects: list[ProjectOut]


class PartIn(Schema):
    department_id: int
    is_lead: bool = False
    scope: str = Field(max_length=5000)
    business_flows: str = Field("", max_length=5000)
    data_flows: str = Field("", max_length=5000)
    interfaces: str = Field("", max_length=5000)


class ApplicationIn(Schema):
    path: Literal["two_stage", "merged", "purchased_service"]
    total_investment: Decimal | None = Field(None, **MONEY)
    has_integration_sharing_chapter: bool = False
    summary: str = Field("", max_length=10000)
    depth_requirements_met: bool = False
    central_or_provincial_mandate: bool = False
    national_security_urgent: bool = False
    necessity_analysis: str = ""
    technical_analysis: str = ""
    economic_analysis: str = ""
    sharing_analysis: str = ""
    security_requirements: str = ""
    build_vs_buy_comparison: str = ""
    funding_needs: str = ""
    procurement_plan: str = ""
    main_objectives: str = ""
    service_requirements: str = ""
    is_goods_or_works: bool = False
    bundles_works_and_services: bool = False
    potential_providers: int = Field(0, ge=0, le=10000)
    meets_security_secrecy_requirements: bool = False
    service_life_years: int = Field(0, ge=0, le=50)
    annual_service_fees: list[Decimal] = Field(default_factory=list, max_length=50)
    construction_cost: Decimal | None = Field(None, **MONEY)
    annual_om_costs: list[Decimal] = Field(default_factory=list, max_length=50)
    has_new_civil_works: bool = False
    is_high_energy_use: bool = False
    extra_review_documents: str = ""
    is_cross_department: bool = False
    needs_city_collaboration: bool = False
    parts: list[PartIn] = Field(default_factory=list, max_length=30)
    city_projects: list[str] = Field(default_factory=list, max_length=100)


class ApplicationOut(Schema):
    project_id: int
    path: str
    total_investment: Decimal
    submitted_at: datetime | None
    feasibility_approval_number: str
    feasibility_approved_investment: Decimal | None
    design_budget_estimate: Decimal | None
    design_submitted_at: datetime | None
    provincial_government_required: bool
    provincial_government_reason: str
    provincial_government_agreed_on: date | None
    findings: list[FindingOut] = []


class FeasibilityIn(Schema):
    approved_investment: Decimal = Field(**MONEY)
    approval_date: date | None = None


class DesignIn(Schema):
    budget_estimate: Decimal = Field(**MONEY)
    has_integration_sharing_chapter: bool
    content_exceeds_feasibility: bool = False
    has_adjustment_chapter: bool = False
    adjustment_text: str = Field("", max_length=10000)
    is_major_change: bool = False


class OpinionOut(Schema):
    id: int
    project_id: int
    project_number: str = Field(alias="project.number")
    body: str = Field(alias="body.kind")
    body_name: str = Field(alias="body.name")
    remit: str
    requested_at: datetime
    due_date: date
    answer: str
    text: str
    answered_at: datetime | None
    days_taken: int | None


class AnswerIn(Schema):
    answer: ConclusionValue
    text: str = Field("", max_length=10000)


class ReviewEvaluationIn(Schema):
    evaluator_kind: Literal["experts", "third_party", "departments"]
    evaluator: str = Field(min_length=1, max_length=200)
    conclusion: ConclusionValue
    text: str = Field("", max_length=10000)
    evaluated_on: date


class ReviewEvaluationOut(Schema):
    project_id: int
    evaluator_kind: str
    evaluator: str
    conclusion: str
    text: str
    evaluated_on: date


class ProvincialGovernmentIn(Schema):
    required: bool
    reason: str = Field("", max_length=5000)
    agreed_on: date | None = None
    reference: str = Field("", max_length=100)


class ApprovalIn(Schema):
    approved_total_investment: Decimal = Field(**MONEY)
    approved_content: str = Field(min_length=1, max_length=20000)
    funding_sources: str = Field(min_length=1, max_length=5000)
    construction_months: int = Field(ge=1, le=120)
    approval_date: date | None = None


class ApprovalOut(Schema):
    project_id: int
    number: str
    approved_total_investment: Decimal
    approved_content: str
    funding_sources: str
    approval_date: date
    construction_months: int


class ReviewOut(Schema):
    project: ProjectOut
    conclusions: list[ConclusionOut]
    application: ApplicationOut | None
    opinions: list[OpinionOut]
    evaluation: ReviewEvaluationOut | None
    approval: ApprovalOut | None


def _application_out(application: ApprovalApplication, findings=None) -> dict:
    data = {name: getattr(application, name) for name in ApplicationOut.model_fields if name != "findings"}
    data["findings"] = [f.as_dict() for f in (findings if findings is not None
                                               else services.application_findings(application))]
    return data


# --- centralized review and the annual list ---------------------------------------------------

@router.get("/projects/{project_id}", response={200: ReviewOut, 404: Error})
def review(request, project_id: int):
    """Everything about a project's review and approval the caller may see."""
    project = get_project_for_user(request.user, project_id)
    application = ApprovalApplication.objects.filter(project=project).first()
    return {
        "project": project,
        "conclusions": selectors.current_conclusions(project),
        "application": _application_out(application) if application else None,
        "opinions": list(OpinionRequest.objects.filter(project=project).select_related("project", "body")),
        "evaluation": Evaluation.objects.filter(project=project).first(),
        "approval": getattr(project, "approval", None),
    }


@router.post("/projects/{project_id}/conclusions", response={201: ConclusionOut, **ERRORS})
def record_conclusion(request, project_id: int, payload: ConclusionIn):
    """第十七条: the caller's body records its centralized review conclusion."""
    return Status(201, services.conclusion_record(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/decision", response={200: ProjectOut, **ERRORS})
def decide(request, project_id: int, payload: ReviewDecisionIn):
    """第十七条: the leading group office lists the project, leaves it off, or returns it for revision."""
    if payload.decision == "list":
        return services.annual_list_put_on(actor=request.user, project_id=project_id)
    if payload.decision == "leave_off":
        return services.annual_list_leave_off(actor=request.user, project_id=project_id, reason=payload.reason)
    return services.return_for_revision(actor=request.user, project_id=project_id, reason=payload.reason)


def _annual_list(user, year: int) -> dict:
    projects = list(selectors.annual_list_projects(user, year))
    totals = selectors.annual_list_totals(projects)
    fixed = selectors.annual_list_for(year)
    return {"year": year, "fixed": fixed is not None, "number": fixed.number if fixed else None,
            "fixed_at": fixed.fixed_at if fixed else None, "projects": projects, **totals}


@router.get("/annual-lists/{year}", response=AnnualListOut)
def annual_list(request, year: int):
    """第十七条: the year's list (the rows the caller may see) with totals by unit and delivery mode."""
    return _annual_list(request.user, year)


@router.post("/annual-lists/{year}/fix", response={201: AnnualListOut, **ERRORS})
def fix_annual_list(request, year: int):
    services.annual_list_fix(actor=request.user, year=year)
    return Status(201, _annual_list(request.user, year))


# --- the approval application -----------------------------------------------------------------

def _save_application(request, project_id: int, payload: ApplicationIn):
    data = payload.dict(exclude={"parts", "city_projects"})
    if data["total_investment"] is None:
        data.pop("total_investment")
    data["annual_service_fees"] = [str(v) for v in data["annual_service_fees"]]
    data["annual_om_costs"] = [str(v) for v in data["annual_om_costs"]]
    parts = [services.PartInput(**p.dict()) for p in payload.parts]
    return services.application_save(actor=request.user, project_id=project_id, data=data, parts=parts,
                                     city_projects=payload.city_projects)


@router.put("/projects/{project_id}/application", response={200: ApplicationOut, **ERRORS})
def save_application(request, project_id: int, payload: ApplicationIn):
    """第十八条、第十九条: save the approval application; the findings say what the submission would get."""
    application, findings = _save_application(request, project_id, payload)
    return _application_out(application, findings)


@router.post("/projects/{project_id}/approval-submission", response={200: ProjectOut, **ERRORS})
def submit_for_approval(request, project_id: int, payload: ApplicationIn | None = None):
    """第十八条、第十九条: save the application (when given) and submit it; refused with the findings.

    One transaction: a refused submission also undoes the save that came with it, so an API client never
    leaves a changed application behind a refusal (the web form keeps the draft on purpose: it is saved first).
    """
    with transaction.atomic():
        if payload is not None:
            _save_application(request, project_id, payload)
        return services.approval_submit(actor=request.user, project_id=project_id)


@router.post("/projects/{project_id}/feasibility-approval", response={201: ApplicationOut, **ERRORS})
def approve_feasibility(request, project_id: int, payload: FeasibilityIn):
    """第十八条第一款: the DRC approves the feasibility study of a two-stage project."""
    application = services.feasibility_approve(actor=request.user, project_id=project_id, **payload.dict())
    return Status(201, _application_out(application))


@router.post("/projects/{project_id}/preliminary-design", response={200: ApplicationOut, **ERRORS})
def submit_design(request, project_id: int, payload: DesignIn):
    """第十八条第一款、第二十五条: the unit submits the preliminary design with its budget estimate."""
    application = services.preliminary_design_submit(actor=request.user, project_id=project_id, **payload.dict())
    return _application_out(application)


# --- opinions, evaluation, provincial government ----------------------------------------------

@router.post("/projects/{project_id}/opinion-requests", response={201: list[OpinionOut], **ERRORS})
def request_opinions(request, project_id: int):
    """第二十二条: the DRC asks every body of the profile for its written opinion, in parallel."""
    return Status(201, services.opinions_request(actor=request.user, project_id=project_id))


@router.get("/opinions", response=list[OpinionOut])
def my_opinions(request, pending: bool = False):
    """The opinion requests addressed to the caller's body."""
    return list(selectors.opinion_queue(request.user, pending_only=pending)[:500])


@router.post("/opinions/{opinion_id}/answer", response={200: OpinionOut, **ERRORS})
def answer_opinion(request, opinion_id: int, payload: AnswerIn):
    """第二十二条: the body answers its own request; another body's request is a 404."""
    return services.opinion_answer(actor=request.user, opinion_id=opinion_id, **payload.dict())


@router.post("/projects/{project_id}/evaluation", response={201: ReviewEvaluationOut, **ERRORS})
def record_evaluation(request, project_id: int, payload: ReviewEvaluationIn):
    """第二十四条: the DRC records the expert or third-party evaluation."""
    return Status(201, services.evaluation_record(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/provincial-government", response={200: ApplicationOut, **ERRORS})
def mark_provincial_government(request, project_id: int, payload: ProvincialGovernmentIn):
    """第二十四条: mark a project that must go to the provincial government, and record its agreement."""
    application = services.provincial_government_mark(actor=request.user, project_id=project_id, **payload.dict())
    return _application_out(application)


# --- approval ---------------------------------------------------------------------------------

@router.post("/projects/{project_id}/approval", response={201: ApprovalOut, **ERRORS})
def approve(request, project_id: int, payload: ApprovalIn):
    """第二十二条、第二十四条: the DRC approves; refused until every opinion and the evaluation are in."""
    return Status(201, services.approve(actor=request.user, project_id=project_id, **payload.dict()))


@router.get("/projects/{project_id}/approval.pdf", response={200: None, 404: Error})
def approval_pdf(request, project_id: int):
    """The numbered approval document (PDF); each download is audited."""
    approval, content = services.approval_document(actor=request.user, project_id=project_id)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="approval-{approval.project.number}.pdf"'
    return response
