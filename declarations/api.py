"""The declaration API under /api/v1/declarations: rounds, materials, pre-check, submission, documents."""

from datetime import date, datetime
from decimal import Decimal

from django.http import FileResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from api.schemas import Error, FindingOut, ProjectOut, Refusal
from projects.selectors import get_project_for_user, visible_projects
from rules.precheck import submission_allowed

from . import selectors, services
from .models import DocumentKind

router = Router(tags=["declarations"])


# --- Schemas -----------------------------------------------------------------------------------

class RoundOut(Schema):
    id: int
    year: int
    title: str
    opens_on: date
    closes_on: date
    closed_at: datetime | None
    is_open: bool


class RoundIn(Schema):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2021, le=2100)
    title: str = Field("", max_length=100)
    opens_on: date
    closes_on: date


def _round_out(r) -> dict:
    return {"id": r.pk, "year": r.year, "title": r.title, "opens_on": r.opens_on, "closes_on": r.closes_on,
            "closed_at": r.closed_at, "is_open": r.is_open_on(services.today())}


class MaterialsFields(Schema):
    """The fields a unit may set (第十六条, 第八条, 第十条, 第十二条, 第二十三条). Yes/no questions: null = not answered."""

    main_tasks: str = Field("", max_length=20000)
    basis_and_necessity: str = Field("", max_length=20000)
    performance_goals: str = Field("", max_length=20000)
    delivery_mode_reason: str = Field("", max_length=20000)
    proposed_functions: str = Field("", max_length=20000)
    application_plan: str = Field("", max_length=20000)
    information_resource_catalogue: str = Field("", max_length=20000)
    government_cloud_plan: str = Field("", max_length=20000)
    is_classified: bool | None = None
    mlps_plan: str = Field("", max_length=20000)
    classified_protection_plan: str = Field("", max_length=20000)
    cryptography_plan: str = Field("", max_length=20000)
    om_funding: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    funding_channels: list[str] = []
    construction_kind: str = Field("", max_length=10)
    builds_non_classified_machine_room: bool | None = None
    buys_non_classified_server_hardware: bool | None = None
    leases_internet_line: bool | None = None
    leases_private_network_outside_egov: bool | None = None
    terminal_security_outside_egov_supervision: bool | None = None
    deployed_on_provincial_cloud: bool | None = None
    builds_common_systems: bool | None = None
    common_system_kinds: list[str] = []
    categories: list[str] = []
    connected_to_sharing_platform: bool | None = None
    connected_to_service_platform: bool | None = None
    connected_to_unified_office_platform: bool | None = None
    needs_clear: bool | None = None
    performance_goals_clear: bool | None = None
    integration_done: bool | None = None
    catalogue_census_done: bool | None = None
    sharing_done: bool | None = None
    security_done: bool | None = None
    builds_non_shared_infrastructure: bool | None = None
    upgrades_project_accepted: bool | None = None
    legal_basis: dict[str, str] = {}
    needs_city_collaboration: bool = False
    linked_city_projects: list[str] = []
    data_aggregation_done: bool | None = None
    leading_group_exception_approved: bool = False
    leading_group_approval_ref: str = Field("", max_length=100)
    has_new_civil_works: bool = False
    has_high_energy_use: bool = False


class MaterialsOut(MaterialsFields):
    project_id: int
    version: int
    submitted_round: str | None = None
    submitted_at: datetime | None = None


class MaterialsIn(MaterialsFields):
    """A partial update: only the fields sent change. ``version`` is the version the caller edited."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0)


class PrecheckOut(Schema):
    submission_allowed: bool
    findings: list[FindingOut]


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    version: int
    original_name: str
    sha256: str
    size: int
    content_type: str
    uploaded_by: str
    uploaded_at: datetime


class InvestmentCodeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    investment_code: str = Field(max_length=30)


def _materials_out(project) -> dict:
    m = selectors.materials_for(project)
    data = {name: getattr(m, name) for name in MaterialsFields.model_fields}
    return {**data, "project_id": project.pk, "version": m.version,
            "submitted_round": m.submitted_round.title if m.submitted_round_id else None,
            "submitted_at": m.submitted_at}


def _document_out(d) -> dict:
    return {"id": d.pk, "kind": d.kind, "kind_label": d.get_kind_display(), "version": d.version,
            "original_name": d.original_name, "sha256": d.sha256, "size": d.size, "content_type": d.content_type,
            "uploaded_by": d.uploaded_by.display_name, "uploaded_at": d.uploaded_at}


# --- Rounds ------------------------------------------------------------------------------------

@router.get("/rounds", response=list[RoundOut])
def list_rounds(request):
    return [_round_out(r) for r in selectors.rounds()]


@router.post("/rounds", response={201: RoundOut, 403: Error, 422: Error})
def create_round(request, payload: RoundIn):
    created = services.round_create(actor=request.user, **payload.dict())
    return Status(201, _round_out(created))


@router.post("/rounds/{round_id}/close", response={200: RoundOut, 403: Error, 404: Error, 409: Refusal})
def close_round(request, round_id: int):
    return _round_out(services.round_close(actor=request.user, round_id=round_id))


# --- Materials, pre-check, submission ---------------------------------------------------------

@router.get("/projects", response=list[ProjectOut])
def list_declarations(request, year: int | None = None):
    """The projects the caller may see that are in declaration (drafts only of the caller's own unit)."""
    qs = visible_projects(request.user)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "number")[:500]


@router.get("/projects/{project_id}/materials", response={200: MaterialsOut, 404: Error})
def get_materials(request, project_id: int):
    return _materials_out(get_project_for_user(request.user, project_id))


@router.patch("/projects/{project_id}/materials",
              response={200: MaterialsOut, 403: Error, 404: Error, 409: Refusal, 422: Error})
def update_materials(request, project_id: int, payload: MaterialsIn):
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    services.materials_update(actor=request.user, project_id=project_id, expected_version=version, **changes)
    return _materials_out(get_project_for_user(request.user, project_id))


@router.post("/projects/{project_id}/precheck", response={200: PrecheckOut, 404: Error})
def run_precheck(request, project_id: int):
    """体检: every finding that decides a submission, ordered by article."""
    project = get_project_for_user(request.user, project_id)
    findings = selectors.page_findings(project, services.today())
    return {"submission_allowed": submission_allowed(findings), "findings": [f.as_dict() for f in findings]}


@router.post("/projects/{project_id}/submit", response={200: ProjectOut, 403: Refusal, 404: Error, 409: Refusal})
def submit(request, project_id: int):
    return services.declaration_submit(actor=request.user, project_id=project_id)


@router.put("/projects/{project_id}/investment-code", response={200: ProjectOut, 403: Error, 404: Error, 422: Error})
def record_investment_code(request, project_id: int, payload: InvestmentCodeIn):
    return services.investment_code_record(actor=request.user, project_id=project_id, code=payload.investment_code)


# --- Documents ---------------------------------------------------------------------------------

@router.get("/projects/{project_id}/documents", response={200: list[DocumentOut], 404: Error})
def list_documents(request, project_id: int):
    project = get_project_for_user(request.user, project_id)
    return [_document_out(d) for d in selectors.documents_for(project)]


@router.post("/projects/{project_id}/documents",
             response={201: DocumentOut, 403: Error, 404: Error, 409: Refusal, 422: Error})
def upload_document(request, project_id: int, kind: Form[DocumentKind], file: File[UploadedFile]):
    document = services.document_upload(actor=request.user, project_id=project_id, kind=kind,
                                        name=file.name or "", size=file.size, fileobj=file)
    return Status(201, _document_out(document))


@router.get("/documents/{document_id}/download", response={200: None, 404: Error, 409: Error})
def download_document(request, document_id: int):
    try:
        document, handle = services.document_open(actor=request.user, document_id=document_id)
    except services.DocumentTampered as exc:
        return Status(409, {"detail": [{"field": "", "message": exc.message}]})
    response = FileResponse(handle, as_attachment=True, filename=document.original_name,
                            content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
