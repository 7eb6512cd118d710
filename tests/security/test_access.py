"""Access control (SECURITY.md 9–12): other departments' objects, fields a caller may not set, the separation of
administrator duties (三权分立) and workflow steps taken only by whoever holds them."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client

from accounts import services as account_services
from accounts.models import ADMIN_ROLES, OrgKind, Role, RoleAssignment
from audit.models import AuditEvent
from projects.models import Project, Stage
from tests import factories
from tests.security.test_matrix import (
    World,
    _url,
    api_operations,
    observe,
    page_keys,
    resolver_routes,
)

pytestmark = pytest.mark.django_db

MISSING = 999999
ID_PARAMS = re.compile(r"^(pk|\w+_pk|\w+_id)$")


def logged_in(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def api(c: Client, method: str, url: str, body=None):
    return getattr(c, method.lower())(f"/api/v1{url}", data=json.dumps(body or {}), content_type="application/json")


def _messages(response) -> list[str]:
    return [d["message"] for d in response.json()["detail"]]


@pytest.fixture
def world(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"],
                                                          "OPTIONS": {"location": tmp_path}}}
    return World()


# ---- R09: another department's ids ------------------------------------------------------------------------------

def _fill(path: str, values: dict) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(values[m[1]]), path)


def _object_urls(world: World):
    """(key, method, url with department A's ids, the same url with ids that exist nowhere) of every route that
    takes an object id."""
    params_by_name = {name: params for name, _route, params in resolver_routes()}
    for key, name, extra, route in page_keys():
        if name.startswith("admin:"):
            continue
        params = [p for p in params_by_name[name] if p not in extra]
        ids = [p for p in params if ID_PARAMS.match(p)]
        if not ids:
            continue
        real = world.kwargs_for(name, params)
        fake = {**real, **{p: MISSING for p in ids}}
        for method in ("GET", "POST"):
            yield key, method, _url(name, route, {**real, **extra}), _url(name, route, {**fake, **extra})
    for method, path in api_operations():
        params = re.findall(r"{(\w+)}", path)
        ids = [p for p in params if ID_PARAMS.match(p)]
        if not ids:
            continue
        real = world.kwargs_for("api", params)
        fake = {**real, **{p: MISSING for p in ids}}
        yield f"{method} {path}", method, _fill(path, real), _fill(path, fake)


def test_r09_another_departments_ids_look_exactly_like_ids_that_do_not_exist(world):
    """Department B's filer (and unit head) asks for every page, download, export and action URL of department A's
    objects, and for every API operation: the answer is the one for an id that does not exist (404, or the
    refusal of the empty body before any lookup), never a page, a file, a redirect or a refusal that would tell
    B the object is there."""
    b = logged_in(world.users["other"])
    leaks, checked = [], 0
    for key, method, real, fake in _object_urls(world):
        got, nothing = observe(b, method, real), observe(b, method, fake)
        checked += 1
        # 403 passes only when a nonexistent id gets it too: a refusal by role, before any lookup.
        if got != nothing or got in (200, 201, 302, 409):
            leaks.append(f"{key} {method} {real}: {got} (an id that does not exist: {nothing})")
    assert checked > 100
    assert not leaks, "\n".join(leaks)


def test_r09_the_project_pages_of_another_department_are_404(world):
    b = logged_in(world.users["other"])
    pid, doc = world.project.pk, world.document_id
    for url in (f"/projects/{pid}/", f"/declarations/projects/{world.draft.pk}/", f"/declarations/documents/{doc}/download/",
                f"/delivery/{pid}/", f"/delivery/archive/{world.archive_id}/", f"/funding/{pid}/ocds.json",
                f"/reviews/projects/{pid}/approval.pdf", f"/dashboards/projects/{pid}/record.pdf",
                f"/api/v1/projects/{pid}", f"/api/v1/declarations/documents/{doc}/download"):
        response = b.get(url)
        assert response.status_code == 404, url
        assert "甲单位" not in response.content.decode("utf-8", "replace"), url


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


def test_r09_another_departments_rows_are_in_none_of_the_lists_searches_exports_or_counts(world):
    b = logged_in(world.users["other"])
    mine = factories.project(world.users["other"], name="乙单位自己的项目")
    secrets = [world.project.name, world.project.number, world.draft.name, world.draft.number, world.system.name,
               world.obligation.title + "（甲"]
    pages = ["/projects/", "/projects/?q=甲单位", "/projects/?q=ZW", "/catalogue/",
             "/catalogue/?q=甲单位", "/obligations/", "/dashboards/unit/", "/declarations/", "/oversight/rectifications/",
             "/api/v1/projects", "/api/v1/projects?q=甲单位", "/api/v1/projects?q=ZW", "/api/v1/catalogue/systems", "/api/v1/declarations/projects",
             "/api/v1/obligations", "/api/v1/oversight/rectifications", "/api/v1/reviews/opinions"]
    for url in pages:
        response = b.get(url)
        assert response.status_code in (200, 403), url
        text = response.content.decode()
        for secret in secrets:
            assert secret not in text, (url, secret)
    # B's own project is there: the lists work, they just hold nothing of A's.
    assert mine.name in b.get("/projects/").content.decode()
    for url in ("/catalogue/export/", "/obligations/export.xlsx", "/dashboards/export/projects.xlsx",
                "/dashboards/export/rectifications.xlsx"):
        response = b.get(url)
        assert response.status_code == 200, url
        text = _xlsx_text(response.content)
        for secret in secrets:
            assert secret not in text, (url, secret)
    assert mine.number in _xlsx_text(b.get("/dashboards/export/projects.xlsx").content)
    # Dashboard counts: B's unit dashboard counts one project (its own), not A's two.
    listed = b.get("/api/v1/projects").json()
    rows = listed["items"] if isinstance(listed, dict) else listed
    assert [r["name"] for r in rows] == [mine.name]


# ---- R10: fields the caller may not set ------------------------------------------------------------------------

FORBIDDEN = {"stage": "approved", "unit": None, "unit_id": None, "organisation": None, "number": "ZW2027-99999",
             "approved_total_investment": "1.00", "created_by": None, "created_by_id": None, "version": 99}


def _forbidden(world):
    values = dict(FORBIDDEN)
    for k in ("unit", "unit_id", "organisation"):
        values[k] = world.unit_b.pk
    for k in ("created_by", "created_by_id"):
        values[k] = world.users["other"].pk
    return values


def test_r10_state_unit_number_amounts_and_author_are_ignored_when_creating_a_project(world):
    c = logged_in(world.filer)
    token = re.search(r'name="form_token" value="([^"]+)"', c.get("/projects/new/").content.decode())[1]
    page = c.post("/projects/new/", {"name": "表单新建", "year": 2027, "delivery_mode": "self_built",
                                     "total_investment": "1000.00", **_forbidden(world), "form_token": token})
    assert page.status_code == 302
    body = api(c, "POST", "/projects", {"name": "接口新建", "year": 2027, "delivery_mode": "self_built",
                                         "total_investment": "1000.00", **_forbidden(world)})
    assert body.status_code in (201, 422), body.content
    for project in Project.objects.filter(name__in=["表单新建", "接口新建"]):
        assert project.stage == Stage.DRAFT
        assert project.unit_id == world.unit_a.pk and project.created_by_id == world.filer.pk
        assert project.number != "ZW2027-99999" and project.approved_total_investment is None
    assert Project.objects.filter(name="表单新建").exists()


def test_r10_editing_a_draft_never_changes_its_stage_unit_or_number(world):
    c = logged_in(world.filer)
    draft = world.draft
    before = (draft.stage, draft.unit_id, draft.number, draft.created_by_id)
    page = c.get(f"/declarations/projects/{draft.pk}/edit/")
    version = re.search(r'name="version" value="(\d+)"', page.content.decode())[1]
    c.post(f"/declarations/projects/{draft.pk}/edit/", {"version": version, **_forbidden(world)})
    api(c, "PATCH", f"/declarations/projects/{draft.pk}/materials", {"version": int(version), **_forbidden(world)})
    draft.refresh_from_db()
    assert (draft.stage, draft.unit_id, draft.number, draft.created_by_id) == before


def test_r10_a_change_request_cannot_be_filed_as_approved_and_a_system_not_for_another_unit(world):
    from catalogue.models import InformationSystem
    from delivery.models import ChangeRequest

    c = logged_in(world.filer)
    filed = api(c, "POST", f"/delivery/projects/{world.project.pk}/changes",
                {"reasons": ["optimisation"], "content": "小调整", "amount_moved": "1.00",
                 "total_investment_after": "9500000.00", "goals_unchanged": True, "status": "approved",
                 "filed_by": world.users["other"].pk, "cumulative_percent": "0"})
    assert filed.status_code in (201, 422), filed.content
    if filed.status_code == 201:
        change = ChangeRequest.objects.get(pk=filed.json()["id"])
        assert change.filed_by_id == world.filer.pk and change.status != "approved"
    created = api(c, "POST", "/catalogue/systems",
                  {"code": "R10-1", "name": "越权系统", "purpose": "用途", "network": "egov_extranet", "mlps_level": 2,
                   "unit": world.unit_b.pk, "unit_id": world.unit_b.pk})
    assert created.status_code in (201, 422), created.content
    assert not InformationSystem.objects.filter(unit=world.unit_b).exists()


def test_r10_an_approval_amount_is_not_set_by_the_unit(world):
    c = logged_in(world.filer)
    before = Project.objects.get(pk=world.project.pk).approved_total_investment
    for method, url in (("PUT", f"/reviews/projects/{world.project.pk}/application"),
                        ("POST", f"/reviews/projects/{world.project.pk}/approval")):
        response = api(c, method, url, {"approved_total_investment": "1.00", "total_investment": "1.00"})
        assert response.status_code in (403, 409, 422), (url, response.content)
    assert Project.objects.get(pk=world.project.pk).approved_total_investment == before == Decimal("9500000.00")


# ---- R11: 三权分立 -------------------------------------------------------------------------------------------------

def test_r11_no_account_combines_two_administrator_roles(db):
    granter = factories.user("r11_sys", factories.body(OrgKind.BIG_DATA_CENTER), Role.SYSTEM_ADMIN)
    for first in ADMIN_ROLES:
        for second in ADMIN_ROLES:
            if first == second:
                continue
            target = factories.user(f"r11_{first}_{second}", factories.body(OrgKind.BIG_DATA_CENTER), first)
            with pytest.raises(ValidationError) as refused:
                account_services.role_grant(actor=granter, user=target, role=second)
            assert "三权分立" in str(refused.value)
            assert set(target.role_assignments.values_list("role", flat=True)) == {first}
    # Nowhere in the database does an account hold two of them.
    from django.db.models import Count

    assert not (RoleAssignment.objects.filter(role__in=ADMIN_ROLES).values("user")
                .annotate(n=Count("role")).filter(n__gt=1).exists())


def test_r11_the_system_administrator_cannot_read_or_change_the_audit_trail(db):
    sysadmin = factories.user("r11_admin", factories.body(OrgKind.BIG_DATA_CENTER), Role.SYSTEM_ADMIN)
    sysadmin.is_staff = True
    sysadmin.save(update_fields=["is_staff"])
    audit_admin = factories.user("r11_audit", factories.body(OrgKind.BIG_DATA_CENTER), Role.AUDIT_ADMIN)
    factories.project(factories.user("r11_filer", factories.org("T-A", "测试单位甲"), Role.FILER))
    c = logged_in(sysadmin)
    assert c.get("/audit/").status_code == 403
    assert c.get("/api/v1/audit/events").status_code == 403
    assert logged_in(audit_admin).get("/audit/").status_code == 200
    # django-admin has no page for the audit trail at all: not even a superuser finds one.
    assert AuditEvent not in admin.site._registry
    for url in ("/django-admin/audit/", "/django-admin/audit/auditevent/", "/django-admin/audit/auditevent/1/change/"):
        assert c.get(url).status_code in (302, 404), url
    events = AuditEvent.objects.count()
    assert c.post("/django-admin/audit/auditevent/1/delete/", {"post": "yes"}).status_code in (302, 404)
    assert AuditEvent.objects.count() == events
    # And the system administrator cannot give itself the audit role.
    with pytest.raises(ValidationError):
        account_services.role_grant(actor=sysadmin, user=sysadmin, role=Role.AUDIT_ADMIN)


# ---- R12: the current holder only --------------------------------------------------------------------------------

def test_r12_skipping_repeating_and_acting_after_reassignment_change_nothing_and_say_why(world):
    from tests.test_reviews import reviewer

    unit, drc = logged_in(world.filer), logged_in(world.users["drc"])
    draft = world.draft

    # Skipping: approving a draft that was never submitted, reviewed or listed.
    skipped = api(drc, "POST", f"/reviews/projects/{draft.pk}/approval",
                  {"approved_total_investment": "1.00", "approved_content": "x", "funding_sources": "x",
                   "construction_months": 12})
    assert skipped.status_code in (404, 409), skipped.content  # a draft is not even visible to the DRC

    # Another body's step: the office tries the DRC's approval; the unit tries to approve its own project.
    for who in (logged_in(world.users["office"]), unit):
        refused = api(who, "POST", f"/reviews/projects/{world.project.pk}/approval",
                      {"approved_total_investment": "1.00", "approved_content": "x", "funding_sources": "x",
                       "construction_months": 12})
        assert refused.status_code in (403, 409), refused.content
        assert re.search(r"[\u4e00-\u9fff]", _messages(refused)[0])

    # Repeating: the approval already happened; doing it again is refused and says so.
    approvals = AuditEvent.objects.filter(project=world.project, action__contains="approv").count()
    again = api(drc, "POST", f"/reviews/projects/{world.project.pk}/approval",
                {"approved_total_investment": "1.00", "approved_content": "x", "funding_sources": "x",
                 "construction_months": 12})
    assert again.status_code == 409, again.content
    assert "阶段" in _messages(again)[0]
    project = Project.objects.get(pk=world.project.pk)
    assert project.approved_total_investment == Decimal("9500000.00")
    assert AuditEvent.objects.filter(project=world.project, action__contains="approv").count() == approvals

    # Repeating a submission: the draft is submitted once; the second submit is refused with the stage.
    second = factories.project(world.filer, name="重复提交")
    from tests.test_reviews import submit

    submit(second)
    again = api(unit, "POST", f"/declarations/projects/{second.pk}/submit")
    assert again.status_code == 409 and "阶段" in _messages(again)[0]

    # After reassignment: the DRC reviewer's role is taken away; the step it held is refused (403) on the next
    # request, and nothing changes.
    account_services.role_remove(actor=world.users["system_admin"], user=world.users["drc"], role=Role.REVIEWER)
    change = api(drc, "POST", f"/delivery/changes/{world.change_id}/decision", {"approve": True, "note": "同意"})
    assert change.status_code in (401, 403), change.content
    from delivery.models import ChangeRequest

    assert ChangeRequest.objects.get(pk=world.change_id).status == "pending_approval"
    # The step still belongs to the DRC: another DRC reviewer (the current holder) can take it.
    holder = logged_in(reviewer(OrgKind.DRC))
    decided = api(holder, "POST", f"/delivery/changes/{world.change_id}/decision", {"approve": True, "note": "同意"})
    assert decided.status_code == 200, decided.content
    repeated = api(holder, "POST", f"/delivery/changes/{world.change_id}/decision", {"approve": False, "note": "再议"})
    assert repeated.status_code == 409, repeated.content
    assert re.search(r"[\u4e00-\u9fff]", _messages(repeated)[0])
    assert ChangeRequest.objects.get(pk=world.change_id).status == "approved"
