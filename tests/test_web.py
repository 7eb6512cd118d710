import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import Organisation, OrgKind, User
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_login_page_is_chinese_and_login_leads_to_the_todo_list(client, filer_a):
    page = client.get("/login/").content.decode()
    assert 'lang="zh-CN"' in page and "用户名" in page and "密码" in page
    response = client.post("/login/", {"username": "filer_a", "password": factories.PASSWORD})
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "我的待办" in home and "测试单位甲" in home
    assert 'href="/projects/"' in home


@pytest.mark.django_db
def test_wrong_password_gives_a_chinese_error(client, filer_a):
    page = client.post("/login/", {"username": "filer_a", "password": "wrong"}).content.decode()
    assert "请输入一个正确的用户名和密码" in page


@pytest.mark.django_db
def test_navigation_depends_on_role(client_for, filer_a, auditor, sysadmin):
    unit_nav = client_for(filer_a).get("/").content.decode()
    auditor_nav = client_for(auditor).get("/").content.decode()
    admin_nav = client_for(sysadmin).get("/").content.decode()
    assert 'href="/projects/"' in unit_nav and 'href="/audit/"' not in unit_nav
    assert 'href="/audit/"' in auditor_nav
    assert 'href="/policy/"' in admin_nav and 'href="/audit/"' not in admin_nav


def test_no_page_or_asset_loads_anything_from_outside_the_platform():
    offenders = []
    for folder in ["web", "regulation", "audit", "policy", "projects", "catalogue", "declarations", "reviews",
                   "delivery", "funding", "oversight", "obligations"]:
        for path in (ROOT / folder).rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"""(src|href)=["'](https?:)?//""", text):
                offenders.append(f"{path}: {match.group(0)}")
    assert offenders == []


@pytest.mark.django_db
def test_htmx_and_the_api_docs_assets_are_served_by_the_platform(client_for, filer_a):
    c = client_for(filer_a)
    assert c.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200
    docs = c.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert c.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


@pytest.mark.django_db
def test_openapi_document_lists_the_operations(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "四川省政务信息化项目管理平台 API"
    assert "/api/v1/projects" in doc["paths"] and "/api/v1/regulation/articles/{number}" in doc["paths"]


@pytest.mark.django_db
def test_token_authentication(client, filer_a):
    from api.auth import issue_token

    token = issue_token(filer_a, "test")
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert me["username"] == "filer_a" and me["roles"] == ["filer"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("body, field, message", [
    ({"name": "x", "year": 2027, "delivery_mode": "self_built", "total_investment": "-1"}, "total_investment",
     "不能小于 0"),
    ({"name": "x", "year": 2027, "delivery_mode": "self_built", "total_investment": "12345678901234567"},
     "total_investment", "位数过多：最多 15 位数字（金额最多 13 位整数、2 位小数）"),
    ({"name": "x", "year": "二〇二七", "delivery_mode": "self_built", "total_investment": "1"}, "year", "必须是整数"),
    ({"name": "x", "year": 2027, "delivery_mode": "rented", "total_investment": "1"}, "delivery_mode",
     "实施方式只能是 self_built（自行建设）或 purchased_service（购买服务）（第三条）"),
    ({"year": 2027, "delivery_mode": "self_built", "total_investment": "1"}, "name", "必填"),
])
def test_bad_input_gets_a_chinese_json_error_naming_the_field(client_for, filer_a, body, field, message):
    raw = body if isinstance(body, str) else json.dumps(body)
    response = client_for(filer_a).post("/api/v1/projects", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert {"field": field, "message": message} in response.json()["detail"]
    from projects.models import Project

    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_malformed_json_is_refused_in_chinese(client_for, filer_a):
    response = client_for(filer_a).post("/api/v1/projects", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == [{"field": "请求体", "message": "请求体不是有效的 JSON"}]


@pytest.mark.django_db
def test_the_form_keeps_input_and_marks_the_wrong_field(client_for, filer_a):
    from projects import form_tokens

    page = client_for(filer_a).post("/projects/new/", {"name": "我的项目", "year": "2027",
                                                      "delivery_mode": "self_built", "total_investment": "-5",
                                                      "form_token": form_tokens.issue("project.create")})
    html = page.content.decode()
    assert page.status_code == 200
    assert "申报总投资不能为负数" in html and 'value="我的项目"' in html and "field-error" in html


@pytest.mark.django_db
def test_money_is_shown_in_yuan_and_wan_yuan(client_for, filer_a):
    project = factories.project(filer_a, total_investment="20000000.00")
    html = client_for(filer_a).get(f"/projects/{project.pk}/").content.decode()
    assert "20,000,000.00 元" in html and "2,000.00 万元" in html


@pytest.mark.django_db
def test_demo_province_is_believable(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "edu" in out and "Sc-Demo-2026!zw" in out
    assert Organisation.objects.filter(kind=OrgKind.PROJECT_UNIT).count() >= 55
    assert Organisation.objects.filter(kind=OrgKind.CITY_PROJECT_UNIT).count() == 21
    for kind in ["drc", "finance", "big_data_center", "cyberspace_office", "secrecy_bureau", "cryptography_bureau",
                 "economy_it_department", "public_security", "leading_group_office"]:
        assert User.objects.filter(organisation__kind=kind, role_assignments__role="reviewer").exists(), kind
    assert User.objects.get(username="edu").check_password("Sc-Demo-2026!zw")
    call_command("verify_audit_chain")


def test_production_settings_pass_the_deploy_check():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.production",
           "SECRET_KEY": "x7Hq2m9Lr4Tz8Vb1Nc6Kp3Wd5Fs0Gy7Ja2Ue9Ri4Oq8Zt1Mx6Lb3Cv5",
           "ALLOWED_HOSTS": "zwxm.sc.gov.cn",
           # National-crypto keys (SECURITY.md R32): without them the deploy check warns gmcrypto.W001/W002.
           "SM4_KEY": "5c1e0f7a9b2d4c6e8f1a3b5d7c9e0f2a",
           "SM2_PRIVATE_KEY": "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_an_unexpected_error_shows_a_generic_page_with_the_error_id(client, caplog, monkeypatch):
    from django.test import Client

    import web.views

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(web.views, "todo_items", lambda user: broken(None))
    c = Client(raise_request_exception=False)
    c.force_login(factories.user("u500", factories.org("T-500", "错误测试单位"), "filer"))
    response = c.get("/")
    assert response.status_code == 500
    html = response.content.decode()
    error_id = response["X-Request-ID"] if response.has_header("X-Request-ID") else None
    assert "系统出现错误" in html and "Traceback" not in html and "boom" not in html
    logged = [r for r in caplog.records if r.name == "zwxm.errors"]
    assert logged and logged[0].getMessage().split()[2] in html
    assert error_id is None or error_id in html


@pytest.mark.django_db
def test_the_system_administrator_adds_a_county_and_its_unit_but_cannot_combine_admin_roles(client):
    from django.core.exceptions import ValidationError

    from accounts.demo import build_organisations_and_users
    from accounts.models import Jurisdiction, RoleAssignment

    build_organisations_and_users()
    client.login(username="sysadmin", password="Sc-Demo-2026!zw")
    response = client.post("/django-admin/accounts/jurisdiction/add/", {
        "code": "510104", "name": "锦江区", "level": "county",
        "parent": Jurisdiction.objects.get(code="510100").pk})
    assert response.status_code == 302
    assert Jurisdiction.objects.get(code="510104").parent.name == "成都市"
    assert client.get("/django-admin/audit/auditevent/").status_code == 404
    extra = RoleAssignment(user=User.objects.get(username="sysadmin"), role="audit_admin")
    with pytest.raises(ValidationError, match="三权分立"):
        extra.full_clean()


def test_the_project_list_pages_by_25_and_keeps_the_filter_on_the_next_page(filer_a, client_for):
    """Long lists paginate (issue 9); the second page keeps the user's filter and shows the rest."""
    from tests import factories as f

    for i in range(27):
        f.project(filer_a, name=f"分页测试项目{i:02d}", year=2027)
    client = client_for(filer_a)
    first = client.get("/projects/", {"year": 2027}).content.decode()
    assert first.count("分页测试项目") == 25 and "下一页" in first
    assert "year=2027&page=2" in first.replace("&amp;", "&")
    second = client.get("/projects/", {"year": 2027, "page": 2}).content.decode()
    assert second.count("分页测试项目") == 2 and "下一页" not in second
