"""R08: the authorisation matrix (SECURITY.md 8).

Every route is taken from the URL resolver (``django.urls.get_resolver``, recursing into every include: the pages,
the django-ninja API under ``/api/v1`` and django-admin), its URL arguments are filled with real objects of
department A (a project that went through approval and into construction, its documents, changes, reports,
procurement, rectification …), and it is requested as every role of ``tests/security/route_matrix.py``
with GET and POST (API operations: with their own method). The status must be the one in the matrix.
A route the matrix does not know fails the test with its name, so a new page or API operation cannot ship
without someone deciding who may use it.

Each request runs inside a savepoint that is rolled back, so a POST that succeeds (a role allowed to act)
does not change what the next role sees.

Excluded, with the reason:
- nothing served by ``django.contrib.staticfiles`` (static files are served by the web server, not by a URL
  pattern; there is no static pattern in ``config/urls.py`` to enumerate);
- django_rq's dashboard under ``django-admin/django_rq/``, present only when ``TASKS_BACKEND=rq`` installs it: its
  pages talk to a Redis server, which the tests do not run; who reaches it is decided by django-admin's staff
  check, which every other ``admin:*`` route of the matrix covers;
- the action slugs of ``delivery:act``, ``funding:act`` and ``oversight:act`` are not free text: they are the keys of
  each app's ``ACTIONS`` table, so the test requests every key of that table (``delivery:act[start]`` …) instead
  of one made-up slug.
"""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import OrgKind, Role
from tests import factories
from tests.security.route_matrix import API, PAGES, ROLES

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# The role keys of route_matrix.ROLES → (organisation, roles) of the user acting as it.
ROLE_USERS = {
    "own": ("A", (Role.FILER,)),
    "unit_head": ("A", (Role.UNIT_HEAD,)),
    "other": ("B", (Role.FILER, Role.UNIT_HEAD)),
    "office": (OrgKind.LEADING_GROUP_OFFICE, (Role.REVIEWER,)),
    "drc": (OrgKind.DRC, (Role.REVIEWER,)),
    "finance": (OrgKind.FINANCE, (Role.REVIEWER,)),
    "cyber": (OrgKind.CYBERSPACE_OFFICE, (Role.REVIEWER,)),
    "auditor": (OrgKind.AUDIT_OFFICE, (Role.AUDITOR,)),
    "system_admin": (OrgKind.BIG_DATA_CENTER, (Role.SYSTEM_ADMIN,)),
    "security_admin": (OrgKind.BIG_DATA_CENTER, (Role.SECURITY_ADMIN,)),
    "audit_admin": (OrgKind.BIG_DATA_CENTER, (Role.AUDIT_ADMIN,)),
}


class World:
    """Department A's objects (and the users of every role) that fill the URL arguments."""

    def __init__(self):
        from tests.test_issue4_paths import approved, on

        self.unit_a = factories.org("T-A", "测试单位甲")
        self.unit_b = factories.org("T-B", "测试单位乙")
        self.users = {}
        for key, (where, roles) in ROLE_USERS.items():
            organisation = self.unit_a if where == "A" else self.unit_b if where == "B" else factories.body(where)
            user = factories.user(f"m_{key}", organisation, *roles)
            if key == "system_admin":
                # The system administrator runs django-admin (accounts/demo.py does the same).
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            self.users[key] = user
        self.filer = self.users["own"]
        self.project = approved(self.filer, name="甲单位矩阵项目")
        self.draft = factories.project(self.filer, name="甲单位草稿项目")
        pid = self.project.pk
        owner = Client()
        owner.force_login(self.filer)
        drc = Client()
        drc.force_login(self.users["drc"])

        def post(c, url, data=None, status=(200, 201)):
            response = c.post(f"/api/v1{url}", data=data or {}, content_type="application/json")
            assert response.status_code in status, (url, response.content)
            return response.json()

        with on(date(2025, 2, 1)):
            post(owner, f"/delivery/projects/{pid}/contracts",
                 {"kind": "supervision", "party": "某监理公司", "amount": "190000.00", "signed_on": "2025-01-20"})
            post(owner, f"/delivery/projects/{pid}/construction",
                 {"responsible_person": "m_unit_head", "supervision_contractor": "某监理公司",
                  "started_on": "2025-02-01"})
            self.change_id = post(owner, f"/delivery/projects/{pid}/changes",
                                  {"reasons": ["business_needs"], "content": "新增模块", "amount_moved": "1500000.00",
                                   "total_investment_after": "9500000.00", "goals_unchanged": True})["id"]
            self.report_id = post(owner, f"/delivery/projects/{pid}/trouble-reports",
                                  {"serious_delay": True, "description": "进度滞后"})["id"]
            self.termination_id = post(owner, f"/delivery/projects/{pid}/termination-requests",
                                       {"substantive_progress": True, "cause": "external_change",
                                        "overall_goal_unattainable": True, "explanation": "外部环境变化"})["id"]
            self.participant_id = post(owner, f"/delivery/projects/{pid}/participants",
                                       {"department_id": factories.org("T-P", "参建单位丙").pk, "scope": "范围",
                                        "responsibilities": "职责"})["id"]
        archived = owner.post(f"/api/v1/delivery/projects/{pid}/archive",
                              {"category": "supervision", "title": "监理合同", "dated": "2025-01-20",
                               "file": SimpleUploadedFile("监理合同.pdf", PDF)})
        assert archived.status_code == 201, archived.content
        self.archive_id = archived.json()["id"]
        document = owner.post(f"/api/v1/declarations/projects/{self.draft.pk}/documents",
                              {"kind": "other", "file": SimpleUploadedFile("说明.pdf", PDF)})
        assert document.status_code == 201, document.content
        self.document_id = document.json()["id"]

        from catalogue.models import InformationSystem, ProjectSystemLink
        from declarations.models import DeclarationRound
        from funding.models import OmBudgetDeclaration, Procurement
        from obligations.models import Obligation
        from oversight.models import InformationResource, Rectification, SupervisionFinding
        from policy.models import PolicyProfile
        from reviews.models import OpinionRequest

        today = timezone.localdate()
        self.system = InformationSystem.objects.create(unit=self.unit_a, code="A-SYS-1", name="甲单位系统",
                                                       purpose="用途", network="egov_extranet",
                                                       mlps_level=2)
        self.link = ProjectSystemLink.objects.create(project=self.project, system=self.system, relation="build",
                                                     created_by=self.filer)
        self.round = DeclarationRound.objects.create(year=2030, title="2030年度项目申报", opens_on=today,
                                                     closes_on=today + timedelta(days=30),
                                                     created_by=self.users["office"])
        self.opinion = OpinionRequest.objects.filter(project=self.project).order_by("pk").first()
        self.procurement = Procurement.objects.create(project=self.project, title="采购", budget=Decimal("100.00"),
                                                      method="open_tender", category="goods", created_by=self.filer)
        self.om_declaration = OmBudgetDeclaration.objects.create(
            project=self.project, round="new", service_ends_on=today, budget_year=today.year + 1,
            declared_on=today, amount=Decimal("1.00"), declared_by=self.filer)
        finding = SupervisionFinding.objects.create(
            project=self.project, body=factories.body(OrgKind.DRC), area="progress", description="问题",
            requirement="整改", found_on=today, recorded_by=self.users["drc"])
        self.rectification = Rectification.objects.create(finding=finding, ordered_on=today,
                                                          due_on=today + timedelta(days=30))
        self.resource = InformationResource.objects.create(project=self.project, name="资源", sharing_type="unconditional",
                                                           recorded_by=self.filer)
        self.obligation = Obligation.objects.create(
            organisation=self.unit_a, project=self.project, kind="monitoring_report", title="提交年度绩效监控报告",
            article=45, opens_on=today, due_on=today + timedelta(days=10), source_key="matrix-test", url_name="oversight:project")
        self.profile = PolicyProfile.objects.order_by("pk").first()
        from delivery.models import AcceptanceApplication, AcceptanceFiling

        application = AcceptanceApplication.objects.create(project=self.project, applied_on=today, profile="x@v1",
                                                           applied_by=self.filer)
        self.filing = AcceptanceFiling.objects.create(application=application, project=self.project,
                                                      summary="验收合格", filed_by=self.filer, filed_at=timezone.now())
        self.year = self.project.year

    def kwargs_for(self, name: str, params: list[str]) -> dict:
        pid = self.project.pk
        by_route = {
            "policy:detail": {"pk": self.profile.pk},
            "catalogue:detail": {"pk": self.system.pk}, "catalogue:edit": {"pk": self.system.pk},
            "catalogue:retire": {"pk": self.system.pk},
            "declarations:round_close": {"pk": self.round.pk},
            "declarations:document_download": {"pk": self.document_id},
            "obligations:detail": {"pk": self.obligation.pk},
            # The declaration pages are the draft's (a submitted project's materials are frozen).
            "declarations:detail": {"pk": self.draft.pk}, "declarations:materials_edit": {"pk": self.draft.pk},
            "declarations:precheck": {"pk": self.draft.pk}, "declarations:submit": {"pk": self.draft.pk},
            "declarations:investment_code": {"pk": self.draft.pk},
            "declarations:documents": {"pk": self.draft.pk},
        }
        values = {
            "pk": pid, "project_pk": pid, "project_id": pid, "link_pk": self.link.pk, "number": 17,
            "year": self.year, "opinion_id": self.opinion.pk if self.opinion else 999999, "entry_id": self.archive_id,
            "resource_id": self.resource.pk, "system_id": self.system.pk, "round_id": self.round.pk,
            "document_id": self.document_id, "change_id": self.change_id, "report_id": self.report_id,
            "request_id": self.termination_id, "filing_id": self.filing.pk, "participant_id": self.participant_id,
            "declaration_id": self.om_declaration.pk, "procurement_id": self.procurement.pk,
            "rectification_id": self.rectification.pk, "obligation_id": self.obligation.pk,
        }
        chosen = by_route.get(name, {})
        return {p: chosen.get(p, values.get(p)) for p in params}


# ---- enumerating the routes -------------------------------------------------------------------------------

# Excluded (see the module docstring): django_rq's dashboard needs a running Redis server.
RQ_DASHBOARD = "django-admin/django_rq/"
ACTION_TABLES = {"delivery:act": "delivery.views", "funding:act": "funding.views", "oversight:act": "oversight.views"}


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            # An unnamed pattern (django-admin's object redirect and catch-all) is keyed by its route.
            label = p.name or f"[{prefix + str(p.pattern)}]"
            name = f"{namespace}:{label}" if namespace else label
            yield name, prefix + str(p.pattern), list(p.pattern.converters) or re.findall(r"<(?:\w+:)?(\w+)>",
                                                                                          str(p.pattern))


def resolver_routes():
    """(name, route, params) of every URL pattern, django-admin and the API included."""
    return list(_walk(get_resolver().url_patterns))


def api_operations() -> list[tuple[str, str]]:
    """(method, '/api/v1/…{param}') of every django-ninja operation, from the API's own OpenAPI document."""
    from api.v1 import api

    schema = api.get_openapi_schema()
    return [(method.upper(), path) for path, ops in schema["paths"].items() for method in ops]


def page_keys() -> list[tuple[str, str, dict, str]]:
    """(matrix key, URL name, extra kwargs, route) of every page route (everything not under /api/v1/)."""
    import importlib

    keys = []
    for name, route, _params in resolver_routes():
        if route.startswith("api/v1/") or route.startswith(RQ_DASHBOARD):
            continue
        if name in ACTION_TABLES:
            for action in importlib.import_module(ACTION_TABLES[name]).ACTIONS:
                keys.append((f"{name}[{action}]", name, {"action": action}, route))
        else:
            keys.append((name, name, {}, route))
    return keys


def _url(name: str, route: str, kwargs: dict) -> str:
    if "[" not in name:
        return reverse(name, kwargs=kwargs)
    if "(?P<url>" in route:  # django-admin's catch-all: any unknown address under it
        return "/" + route.split("(?P<url>")[0] + "no-such-page/"
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), route)


def api_route_check(operations) -> list[str]:
    """Every /api/v1 URL pattern of the resolver is an operation of the OpenAPI document (or the document itself)."""
    known = {path for _m, path in operations}
    missing = []
    for name, route, _params in resolver_routes():
        if not route.startswith("api/v1/") or name in ("api-v1:openapi-json", "api-v1:openapi-view", "api-v1:api-root"):
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        if path not in known:
            missing.append(f"{name} ({path})")
    return missing


# django_rq's dashboard (under django-admin) addresses queues, workers and jobs by index and id.
ADMIN_FILLERS = {"queue_index": 0, "scheduler_index": 0, "connection_index": 0, "job_id": "job", "result_id": "result",
                 "key": "worker", "scheduler_name": "scheduler", "cron_job_name": "job", "token": "token"}


def _admin_kwargs(world: World, name: str, params: list[str]) -> dict:
    kwargs = {}
    for p in params:
        if p == "app_label":
            kwargs[p] = "accounts"
        elif p in ("object_id", "id"):
            prefixes = [(f"admin:{m._meta.app_label}_{m._meta.model_name}_", m) for m in admin.site._registry]
            prefixes += [(f"admin:[django-admin/{m._meta.app_label}/{m._meta.model_name}/", m)
                         for m in admin.site._registry]
            matching = [(prefix, m) for prefix, m in prefixes if name.startswith(prefix)]
            obj = None
            if matching:
                model = max(matching, key=lambda pm: len(pm[0]))[1]
                if model._meta.managed:  # django_rq's dashboard is a model without a table
                    obj = model.objects.order_by("pk").first()
            kwargs[p] = str(obj.pk) if obj else "1"
        elif p in ADMIN_FILLERS:
            kwargs[p] = ADMIN_FILLERS[p]
        elif p == "content_type_id":
            from django.contrib.contenttypes.models import ContentType

            kwargs[p] = ContentType.objects.get_for_model(world.project).pk
    if name == "admin:view_on_site":
        kwargs["object_id"] = str(world.project.pk)
    return kwargs


def clients(world: World) -> dict[str, Client]:
    # A 500 is an answer like any other here: it is compared with the matrix (and never expected).
    made = {"anonymous": Client(raise_request_exception=False)}
    for key, user in world.users.items():
        c = Client(raise_request_exception=False)
        c.force_login(user)
        made[key] = c
    return made


def observe(c: Client, method: str, url: str) -> int:
    """One request in a savepoint rolled back afterwards: a permitted action changes nothing for the next role.
    The client's cookies are put back too (a POST to logout would otherwise log the role out for good)."""
    cookies = copy.deepcopy(c.cookies)
    with transaction.atomic():
        if method == "GET":
            response = c.get(url)
        elif not url.startswith("/api/"):
            response = c.post(url, {})
        else:
            response = getattr(c, method.lower())(url, data="{}", content_type="application/json")
        transaction.set_rollback(True)
    c.cookies = cookies
    return response.status_code


def all_requests(world: World):
    """(matrix, key, method, url) of every request the test makes."""
    params_by_name = {name: params for name, _route, params in resolver_routes()}
    for key, name, extra, route in page_keys():
        params = [p for p in params_by_name[name] if p not in extra]
        if name.startswith("admin:"):
            kwargs = _admin_kwargs(world, name, params)
        else:
            kwargs = world.kwargs_for(name, params)
        url = _url(name, route, {**kwargs, **extra})
        for method in ("GET", "POST"):
            yield PAGES, key, method, url
    for method, path in api_operations():
        params = re.findall(r"{(\w+)}", path)
        kwargs = world.kwargs_for("api", params)
        url = path
        for p, v in kwargs.items():
            url = url.replace("{" + p + "}", str(v))
        yield API, f"{method} {path}", method, url


def test_r08_every_route_answers_every_role_as_the_matrix_says(settings, tmp_path):
    settings.STORAGE_DIR = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"],
                                                          "OPTIONS": {"location": tmp_path}}}
    world = World()
    made = clients(world)
    problems, unknown = [], []
    unmapped_api = api_route_check(api_operations())
    for matrix, key, method, url in all_requests(world):
        entry = matrix.get(key)
        if entry is None or method not in entry:
            unknown.append(f"{key} {method}" if matrix is PAGES else key)
            continue
        for role in ROLES:
            expected = entry[method][role]
            got = observe(made[role], method, url)
            if got != expected:
                problems.append(f"{key} {method} {url} as {role}: expected {expected}, got {got}")
    assert not unmapped_api, f"API URL patterns without an OpenAPI operation: {unmapped_api}"
    assert not unknown, "授权矩阵 tests/security/route_matrix.py 中没有这些路由，请补充：\n" + "\n".join(sorted(set(unknown)))
    assert not problems, "\n".join(problems)


def test_r08_a_route_missing_from_the_matrix_fails_by_name(monkeypatch):
    """The matrix test really fails on an unknown route: drop one entry and the enumeration names it."""
    import tests.security.route_matrix as rm

    assert "projects:detail" in rm.PAGES
    keys = {key for key, _name, _extra, _route in page_keys()}
    assert "projects:detail" in keys and "delivery:act[start]" in keys and "admin:index" in keys
    monkeypatch.delitem(rm.PAGES, "projects:detail")
    assert "projects:detail" in keys - set(rm.PAGES)
    api_keys = {f"{m} {p}" for m, p in api_operations()}
    assert "GET /api/v1/projects/{project_id}" in api_keys
    assert not api_route_check(api_operations())
