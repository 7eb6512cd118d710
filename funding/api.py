"""Money and procurement endpoints (/api/v1/funding). Errors go through api.errors' handlers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from api.schemas import Error, FindingOut, Refusal
from projects.selectors import get_project_for_user

from . import selectors, services

router = Router(tags=["funding"])

MONEY = {"max_digits": 15, "decimal_places": 2}
POSITIVE = {"gt": 0, **MONEY}
REFUSALS = {403: Refusal, 404: Error, 409: Refusal, 422: Refusal}


class SourceIn(Schema):
    kind: str
    purpose: str = ""
    amount: Decimal = Field(**POSITIVE)
    note: str = Field("", max_length=200)


class SourceOut(Schema):
    id: int
    kind: str
    purpose: str
    amount: Decimal
    note: str
    findings: list[FindingOut]


class DisbursementIn(Schema):
    paid_on: date
    amount: Decimal = Field(**POSITIVE)
    purpose: str = Field(min_length=1, max_length=200)
    voucher_no: str = Field(min_length=1, max_length=60)


class DisbursementOut(Schema):
    id: int
    paid_on: date
    amount: Decimal
    purpose: str
    voucher_no: str
    findings: list[FindingOut]


class FinalAccountsIn(Schema):
    settled_on: date
    goals_and_content_unchanged: bool = True


class FinalAccountsOut(Schema):
    settled_on: date
    goals_and_content_unchanged: bool
    approved_total: Decimal
    spent_total: Decimal


class SurplusReturnIn(Schema):
    returned_on: date
    amount: Decimal = Field(**POSITIVE)
    voucher_no: str = Field("", max_length=60)


class SurplusReturnOut(Schema):
    id: int
    returned_on: date
    amount: Decimal
    voucher_no: str


class OmDeclarationIn(Schema):
    round: str
    service_ends_on: date
    amount: Decimal = Field(**POSITIVE)
    reassessed: bool = False
    reassessment_note: str = ""


class OmDeclarationOut(Schema):
    id: int
    project_id: int
    round: str
    service_ends_on: date
    budget_year: int
    declared_on: date
    amount: Decimal
    reassessed: bool
    status: str
    approved_amount: Decimal | None
    opinion: str
    findings: list[FindingOut]
    profile: str


class OmDecisionIn(Schema):
    decision: str
    opinion: str = Field(min_length=1)
    approved_amount: Decimal | None = Field(None, **POSITIVE)


class CriterionIn(Schema):
    name: str = Field(min_length=1, max_length=50)
    weight: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)


class ProcurementIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    budget: Decimal = Field(ge=0, **MONEY)
    method: str
    category: str
    determined_category: str = ""
    category_reason: str = ""
    method_justification: str = ""
    classified: bool = False
    in_central_catalogue: bool = True
    below_threshold: bool = False
    works_requiring_tender: bool = False
    scoring_method: str = ""
    price_weight: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    criteria: list[CriterionIn] = []
    om_service: bool = False
    service_first_day: date | None = None
    service_last_day: date | None = None
    annual_budget_secured: bool = True


class BidIn(Schema):
    bidder: str = Field(min_length=1, max_length=200)
    price: Decimal = Field(**POSITIVE)
    scores: dict[str, Decimal] = {}
    valid: bool = True
    invalid_reason: str = Field("", max_length=200)


class BidOut(Schema):
    id: int
    bidder: str
    price: Decimal
    scores: dict
    valid: bool
    invalid_reason: str
    price_score: Decimal | None
    weighted_scores: list
    total: Decimal | None
    rank: int | None
    tied: bool


class OmContractIn(Schema):
    first_day: date
    last_day: date
    amount: Decimal = Field(ge=0, **MONEY)


class OmContractOut(Schema):
    id: int
    first_day: date
    last_day: date
    amount: Decimal


class ProcurementOut(Schema):
    id: int
    title: str
    budget: Decimal
    method: str
    category: str
    determined_category: str
    category_reason: str
    classified: bool
    scoring_method: str
    price_weight: Decimal | None
    criteria: list
    om_service: bool
    service_first_day: date | None
    service_last_day: date | None
    findings: list[FindingOut]
    evaluation: dict
    lowest_valid_price: Decimal | None
    evaluated_at: datetime | None
    profile: str
    bids: list[BidOut]

    @staticmethod
    def resolve_bids(obj):
        return selectors.ranked_bids(obj)


class MoneyOut(Schema):
    project_id: int
    approved_total: Decimal | None
    sources_total: Decimal
    disbursed: Decimal
    remaining: Decimal | None
    surplus: Decimal | None
    surplus_returned: Decimal
    surplus_outstanding: Decimal | None
    surplus_finding: FindingOut | None
    sources: list[SourceOut]
    disbursements: list[DisbursementOut]
    om_declarations: list[OmDeclarationOut]
    procurements: list[ProcurementOut]


class OutstandingSurplusOut(Schema):
    project_id: int
    number: str
    name: str
    unit: str
    surplus: Decimal
    surplus_returned: Decimal
    surplus_outstanding: Decimal
    finding: FindingOut | None


@router.get("/projects/{project_id}", response={200: MoneyOut, 404: Error})
def project_money(request, project_id: int):
    project = get_project_for_user(request.user, project_id)
    summary = selectors.money_summary(project, services.today())
    return {"project_id": project.pk, **{k: getattr(summary, k) for k in (
        "approved_total", "sources_total", "disbursed", "remaining", "surplus", "surplus_returned",
        "surplus_outstanding")},
        "surplus_finding": summary.surplus_finding.as_dict() if summary.surplus_finding else None,
        "sources": list(project.funding_sources.all()), "disbursements": list(project.disbursements.all()),
        "om_declarations": list(project.om_declarations.all()),
        "procurements": list(selectors.project_procurements(project))}


@router.post("/projects/{project_id}/sources", response={201: SourceOut, **REFUSALS})
def add_source(request, project_id: int, payload: SourceIn):
    return Status(201, services.funding_source_add(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/disbursements", response={201: DisbursementOut, **REFUSALS})
def add_disbursement(request, project_id: int, payload: DisbursementIn):
    return Status(201, services.disbursement_add(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/final-accounts", response={201: FinalAccountsOut, **REFUSALS})
def add_final_accounts(request, project_id: int, payload: FinalAccountsIn):
    return Status(201, services.final_accounts_record(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/surplus-returns", response={201: SurplusReturnOut, **REFUSALS})
def add_surplus_return(request, project_id: int, payload: SurplusReturnIn):
    return Status(201, services.surplus_return_add(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/projects/{project_id}/om-declarations", response={201: OmDeclarationOut, **REFUSALS})
def add_om_declaration(request, project_id: int, payload: OmDeclarationIn):
    return Status(201, services.om_declaration_submit(actor=request.user, project_id=project_id, **payload.dict()))


@router.post("/om-declarations/{declaration_id}/decision", response={200: OmDeclarationOut, **REFUSALS})
def decide_om_declaration(request, declaration_id: int, payload: OmDecisionIn):
    return services.om_declaration_decide(actor=request.user, declaration_id=declaration_id, **payload.dict())


@router.get("/om-declarations", response={200: list[OmDeclarationOut], 403: Error})
def om_declarations_to_review(request):
    if not selectors.can_see_finance_page(request.user):
        raise PermissionDenied("只有财政厅审核人和审计查阅人可以查看待审核的运维经费申报")
    return list(selectors.declarations_to_review())


@router.get("/surpluses", response={200: list[OutstandingSurplusOut], 403: Error})
def outstanding_surpluses(request):
    if not selectors.can_see_finance_page(request.user):
        raise PermissionDenied("只有财政厅审核人和审计查阅人可以查看未退回的结余资金")
    return [{"project_id": r.project.pk, "number": r.project.number, "name": r.project.name,
             "unit": r.project.unit.name, "surplus": r.summary.surplus, "surplus_returned": r.summary.surplus_returned,
             "surplus_outstanding": r.summary.surplus_outstanding,
             "finding": r.summary.surplus_finding.as_dict() if r.summary.surplus_finding else None}
            for r in selectors.outstanding_surpluses(services.today())]


@router.post("/projects/{project_id}/procurements", response={201: ProcurementOut, **REFUSALS})
def add_procurement(request, project_id: int, payload: ProcurementIn):
    data = payload.dict()
    data["criteria"] = [{"name": c["name"], "weight": c["weight"]} for c in data["criteria"]]
    return Status(201, services.procurement_create(actor=request.user, project_id=project_id, **data))


@router.post("/procurements/{procurement_id}/bids", response={201: BidOut, **REFUSALS})
def add_bid(request, procurement_id: int, payload: BidIn):
    return Status(201, services.bid_add(actor=request.user, procurement_id=procurement_id, **payload.dict()))


@router.post("/procurements/{procurement_id}/evaluate", response={200: ProcurementOut, **REFUSALS})
def evaluate(request, procurement_id: int):
    return services.procurement_evaluate(actor=request.user, procurement_id=procurement_id)


@router.post("/procurements/{procurement_id}/om-contracts", response={201: OmContractOut, **REFUSALS})
def add_om_contract(request, procurement_id: int, payload: OmContractIn):
    return Status(201, services.om_contract_add(actor=request.user, procurement_id=procurement_id, **payload.dict()))


@router.get("/projects/{project_id}/ocds", response={200: dict, 404: Error})
def ocds_package(request, project_id: int):
    """OCDS 1.1 release package of the project's non-classified procurements (amounts as exact JSON numbers)."""
    _, content = services.ocds_export(actor=request.user, project_id=project_id, uri=request.build_absolute_uri())
    return HttpResponse(content, content_type="application/json; charset=utf-8")
