"""The system catalogue in the REST API (/api/v1/catalogue). Same rules as the pages: a unit's filers and heads
keep their own unit's catalogue; portfolio bodies and auditors read any unit's; other units' entries are 404."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination  # bounded limit/offset (SECURITY.md 21)
from api.schemas import Error, FindingOut, Refusal
from projects.selectors import get_project_for_user

from . import selectors, services
from .models import CODE_MAX, NAME_MAX, TEXT_MAX, Network, SystemStatus

router = Router(tags=["catalogue"])


class SystemOut(Schema):
    id: int
    code: str
    name: str
    unit_id: int
    unit: str = Field(alias="unit.name")
    purpose: str
    status: SystemStatus
    on_government_cloud: bool
    network: Network
    is_classified: bool
    mlps_level: int | None = Field(description="等保级别 0–5（0 = 未定级）；涉密系统为 null（不适用）")
    connected_to_sharing_platform: bool
    connected_to_service_platform: bool
    connected_to_unified_office_platform: bool
    data_resources: str
    retired_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class SystemIn(Schema):
    """A new catalogue entry. The unit is always the caller's own; fields not listed here are ignored."""

    code: str = Field("", max_length=CODE_MAX, description="留空则由平台生成")
    name: str = Field(min_length=1, max_length=NAME_MAX)
    purpose: str = Field(min_length=1, max_length=TEXT_MAX)
    status: SystemStatus = SystemStatus.PLANNED
    on_government_cloud: bool
    network: Network
    is_classified: bool
    mlps_level: int | None = Field(ge=0, le=5, description="非涉密系统 0–5（0 = 未定级）；涉密系统 null")
    connected_to_sharing_platform: bool
    connected_to_service_platform: bool
    connected_to_unified_office_platform: bool
    data_resources: str = Field("", max_length=TEXT_MAX)


class SystemPatch(Schema):
    """Changes to an entry; ``version`` is the version the caller edited (a stale one is refused, 409)."""

    version: int
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    purpose: str | None = Field(None, min_length=1, max_length=TEXT_MAX)
    status: SystemStatus | None = None
    on_government_cloud: bool | None = None
    network: Network | None = None
    is_classified: bool | None = None
    mlps_level: int | None = Field(None, ge=0, le=5)
    connected_to_sharing_platform: bool | None = None
    connected_to_service_platform: bool | None = None
    connected_to_unified_office_platform: bool | None = None
    data_resources: str | None = Field(None, max_length=TEXT_MAX)


class SystemFilter(Schema):
    unit: int | None = Field(None, description="单位 id（审查机构和审计人员可查看任一项目单位）")
    status: SystemStatus | None = None
    network: Network | None = None
    q: str | None = Field(None, max_length=100)


class LinkOut(Schema):
    id: int
    relation: str
    system_id: int
    system_code: str = Field(alias="system.code")
    system_name: str = Field(alias="system.name")
    system_unit: str = Field(alias="system.unit.name")


class ProjectCatalogueOut(Schema):
    project_id: int
    links: list[LinkOut]
    finding: FindingOut


@router.get("/systems", response={200: list[SystemOut], 403: Error, 404: Error})
@paginate(LimitOffsetPagination)
def list_systems(request, filters: Query[SystemFilter]):
    unit = selectors.catalogue_unit_for(request.user, filters.unit)
    if unit is None:
        raise PermissionDenied("请指定单位（unit）；只有项目单位的填报人、负责人可以查看本单位的系统目录")
    return selectors.unit_systems(unit, status=filters.status or "", network=filters.network or "",
                                  text=(filters.q or "").strip())


@router.get("/systems/{system_id}", response={200: SystemOut, 404: Error})
def get_system(request, system_id: int):
    return selectors.get_system_for_user(request.user, system_id)


@router.post("/systems", response={201: SystemOut, 403: Error, 422: Error})
def create_system(request, payload: SystemIn):
    data = payload.dict()
    code = data.pop("code")
    return Status(201, services.system_create(actor=request.user, code=code, **data))


@router.patch("/systems/{system_id}", response={200: SystemOut, 403: Error, 404: Error, 409: Refusal, 422: Error})
def update_system(request, system_id: int, payload: SystemPatch):
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    # mlps_level may be set to null on purpose (a classified system); the other fields may not.
    changes = {k: v for k, v in data.items() if v is not None or k == "mlps_level"}
    return services.system_update(actor=request.user, system_id=system_id, expected_version=version, **changes)


@router.post("/systems/{system_id}/retire", response={200: SystemOut, 403: Error, 404: Error, 409: Refusal})
def retire_system(request, system_id: int):
    return services.system_retire(actor=request.user, system_id=system_id)


@router.get("/projects/{project_id}", response={200: ProjectCatalogueOut, 404: Error})
def project_catalogue(request, project_id: int):
    """The entries a project builds, upgrades or integrates, and the 第九条 finding on its funding."""
    project = get_project_for_user(request.user, project_id)
    status = selectors.project_catalogue_status(project)
    return {"project_id": project.pk, "links": status.links, "finding": status.finding.as_dict()}


class LinkIn(Schema):
    system_id: int
    relation: str = Field(description="build（新建）、upgrade（升级改造）或 integrate（整合）")


@router.post("/projects/{project_id}/links", response={201: LinkOut, 403: Error, 404: Error, 409: Refusal, 422: Error})
def link_system(request, project_id: int, payload: LinkIn):
    """The project names a catalogue entry it builds, upgrades or integrates (第九条)."""
    link = services.link_project_system(actor=request.user, project_id=project_id, system_id=payload.system_id,
                                        relation=payload.relation)
    return Status(201, link)
