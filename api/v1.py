"""The REST API under /api/v1: session or token auth, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.pagination import paginate

from accounts.models import Role
from audit.selectors import search_events
from policy.models import PolicyProfile
from projects import services as project_services
from projects.models import DeliveryMode, Stage
from projects.selectors import get_project_for_user, visible_projects
from regulation.parser import measures

from . import errors
from .auth import AUTH
from .pagination import LimitOffsetPagination
from .schemas import ArticleOut, AuditEventOut, Error, MeOut, ProfileOut, ProjectIn, ProjectOut

_ERROR_SCHEMA = {
    "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"type": "array", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        "error_id": {"type": "string"},
        "findings": {"type": "array"},
    },
}
# The answers any operation may give, whatever its own declared responses (SECURITY.md 21): malformed
# or oversized bodies, missing login, refusals, invalid input, rate limits, and an unexpected error.
COMMON_RESPONSES = {
    "400": "请求体不是有效的 JSON 或 multipart 格式",
    "401": "未登录或令牌无效",
    "403": "无权执行此操作",
    "409": "与他人的操作同时进行而冲突（未作更改，请重试），或操作已被他人处理",
    "413": "请求体过大（DATA_UPLOAD_MAX_MEMORY_SIZE）",
    # gunicorn (or the gateway) refuses a request line longer than its limit before the platform sees it.
    "414": "请求地址过长（服务器限制请求行长度）",
    "422": "输入无效：detail 中逐项列出字段和原因",
    "429": "请求过于频繁（Retry-After 秒后再试）",
    "500": "意外错误：error_id 即日志中的错误编号",
}


class PlatformAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document lists the common error answers of every operation, so that clients
    (and the schemathesis run in scripts/security-checks) know each status code an operation can return."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                responses = operation.setdefault("responses", {})
                codes = dict(COMMON_RESPONSES)
                if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                    codes["404"] = "对象不存在或无权查看"
                declared = {str(code) for code in responses}
                for code, description in codes.items():
                    if code in declared:
                        continue
                    responses[int(code)] = ({"description": description,
                                                "content": {"application/json": {"schema": _ERROR_SCHEMA}}})
        return schema


api = PlatformAPI(title="四川省政务信息化项目管理平台 API", version="1", auth=AUTH, urls_namespace="api-v1",
               description="依据《四川省省级政务信息化项目管理办法》（川办发〔2021〕49号）。错误均为 JSON："
                           "{\"detail\": [{\"field\": 字段, \"message\": 说明}]}。")
errors.register(api)


@api.get("/me", response=MeOut, tags=["accounts"])
def me(request):
    user = request.user
    return {"username": user.username, "full_name": user.full_name,
            "organisation": user.organisation.name if user.organisation_id else None,
            "organisation_kind": user.org_kind, "roles": sorted(user.role_set())}


class ProjectFilter(Schema):
    stage: Stage | None = None
    year: int | None = Field(None, ge=1900, le=9999)
    q: str | None = None


@api.get("/projects", response=list[ProjectOut], tags=["projects"])
@paginate(LimitOffsetPagination)
def list_projects(request, filters: Query[ProjectFilter]):
    qs = visible_projects(request.user)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.q:
        qs = qs.filter(name__contains=filters.q[:100])
    return qs.order_by("-year", "number")


@api.get("/projects/{project_id}", response={200: ProjectOut, 404: Error}, tags=["projects"])
def get_project(request, project_id: int):
    return get_project_for_user(request.user, project_id)


@api.post("/projects", response={201: ProjectOut, 403: Error, 422: Error}, tags=["projects"])
def create_project(request, payload: ProjectIn):
    if payload.delivery_mode not in DeliveryMode.values:
        return Status(422, {"detail": [{"field": "delivery_mode", "message": "实施方式只能是 self_built（自行建设）或 purchased_service（购买服务）（第三条）"}]})
    project = project_services.project_create(actor=request.user, **payload.dict())
    return Status(201, project)


@api.get("/regulation/articles", response=list[ArticleOut], tags=["regulation"], auth=None)
def list_articles(request):
    return [{"number": a.number, "label": a.label, "chapter": a.chapter, "text": a.text} for a in measures().articles]


@api.get("/regulation/articles/{number}", response={200: ArticleOut, 404: Error}, tags=["regulation"], auth=None)
def get_article(request, number: int):
    try:
        a = measures().article(number)
    except KeyError as exc:
        raise Http404 from exc
    return {"number": a.number, "label": a.label, "chapter": a.chapter, "text": a.text}


@api.get("/policy/profiles", response=list[ProfileOut], tags=["policy"])
def list_profiles(request):
    return PolicyProfile.objects.select_related("jurisdiction").order_by("jurisdiction__code", "-version")


class AuditFilter(Schema):
    project: str | None = None
    organisation: str | None = None
    actor: str | None = None
    action: str | None = None
    before: int | None = None


@api.get("/audit/events", response={200: list[AuditEventOut], 403: Error}, tags=["audit"])
def audit_events(request, filters: Query[AuditFilter]):
    if not request.user.has_role(Role.AUDITOR, Role.AUDIT_ADMIN):
        raise PermissionDenied("只有审计查阅人和审计管理员可以查看审计日志")
    return search_events(project=filters.project, organisation=filters.organisation, actor=filters.actor,
                         action=filters.action, before_seq=filters.before, limit=100)


def _add_app_routers():
    # Each lifecycle app keeps its endpoints in its own api.py module.
    from catalogue.api import router as catalogue
    from dashboards.api import router as dashboards
    from declarations.api import router as declarations
    from delivery.api import router as delivery
    from funding.api import router as funding
    from obligations.api import router as obligations
    from oversight.api import router as oversight
    from reviews.api import router as reviews

    for prefix, router in [("/catalogue", catalogue), ("/declarations", declarations), ("/reviews", reviews),
                           ("/delivery", delivery), ("/funding", funding), ("/oversight", oversight),
                           ("/obligations", obligations), ("/dashboards", dashboards)]:
        api.add_router(prefix, router)


_add_app_routers()

