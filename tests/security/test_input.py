"""Bad input (SECURITY.md 21, 24): each is a clear Chinese refusal naming the field and the rule, never a 500,
nothing half-saved; SQL and HTML in text fields are stored literally and shown escaped; an unexpected error
shows a generic page (or JSON) with an error id that is in the log, never a traceback."""

import json
import re

import pytest
from django.test import Client

from audit.models import AuditEvent
from projects.models import Project
from tests import factories

HOSTILE = "<script>alert('x')</script>' OR '1'='1'; DROP TABLE projects_project; --"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&#x27; OR &#x27;1&#x27;=&#x27;1&#x27;; DROP TABLE"
GOOD_PROJECT = {"name": "教育数据平台", "year": 2027, "delivery_mode": "self_built", "total_investment": "1000000.00"}


def _post_json(client, url, body, method="post"):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return getattr(client, method)(url, data=raw, content_type="application/json")


def _new_project_form(client) -> dict:
    """The hidden fields of the new-project page as a browser would send them back (e.g. its one-time token)."""
    html = client.get("/projects/new/").content.decode()
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def _counts():
    return Project.objects.count(), AuditEvent.objects.count()


# --- JSON bodies --------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["{not json", '{"name": "x",', "\x00", "[1, 2", "\udcff".encode("utf-8", "surrogatepass")])
def test_r21_malformed_json_is_refused_in_chinese_and_nothing_is_saved(client_for, filer_a, raw):
    c = client_for(filer_a)
    before = _counts()
    response = _post_json(c, "/api/v1/projects", raw)
    assert response.status_code == 400
    assert response.json()["detail"] == [{"field": "请求体", "message": "请求体不是有效的 JSON"}]
    assert _counts() == before


@pytest.mark.django_db
def test_r21_a_json_body_that_is_not_an_object_names_the_body(client_for, filer_a):
    response = _post_json(client_for(filer_a), "/api/v1/projects", [GOOD_PROJECT])
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "请求体"
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_r21_an_oversized_json_body_is_refused_with_413_in_chinese(settings, client_for, filer_a):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    c = client_for(filer_a)
    before = _counts()
    body = dict(GOOD_PROJECT, name="甲" * 100_000)
    response = _post_json(c, "/api/v1/projects", body)
    assert response.status_code == 413
    detail = response.json()["detail"][0]
    assert detail["field"] == "请求体" and "请求体过大" in detail["message"] and "64 KiB" in detail["message"]
    assert _counts() == before


@pytest.mark.django_db
def test_r21_an_oversized_form_post_gets_a_chinese_413_page(settings, client_for, filer_a):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    c = client_for(filer_a)
    hidden = _new_project_form(c)
    before = _counts()
    response = c.post("/projects/new/", dict(GOOD_PROJECT, name="甲" * 100_000, **hidden))
    assert response.status_code == 413
    html = response.content.decode()
    assert "提交的内容过大" in html and "64 KiB" in html and "Traceback" not in html
    assert _counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("field, value, message", [
    ("year", "二〇二七", "必须是整数"),
    ("year", [2027], "必须是整数"),
    ("year", 1999, "不能小于 2021"),
    ("total_investment", "一百万", "必须是数值"),
    ("total_investment", True, "必须是数值"),
    ("total_investment", {"yuan": 1}, "必须是数值"),
    ("total_investment", "-0.01", "不能小于 0"),
    ("total_investment", "12345678901234567", "位数过多：最多 15 位数字（金额最多 13 位整数、2 位小数）"),
    ("total_investment", "1.001", "最多保留 2 位小数"),
    ("name", 12345, "必须是文本"),
    ("name", "", "不能为空"),
    ("name", "名" * 201, "过长：最多 200 个字符"),
])
def test_r21_wrong_types_and_money_out_of_range_name_the_field(client_for, filer_a, field, value, message):
    c = client_for(filer_a)
    before = _counts()
    response = _post_json(c, "/api/v1/projects", dict(GOOD_PROJECT, **{field: value}))
    assert response.status_code == 422, response.content
    assert {"field": field, "message": message} in response.json()["detail"]
    assert _counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("value, message", [
    ("-1", "申报总投资不能为负数"),
    ("12345678901234567", "申报总投资最多 13 位整数、2 位小数"),
    ("1.234", "申报总投资最多保留两位小数（分）"),
    ("一百万", "申报总投资必须是数字（单位：元）"),
])
def test_r21_the_project_form_refuses_bad_money_in_chinese_and_keeps_the_input(client_for, filer_a, value, message):
    c = client_for(filer_a)
    hidden = _new_project_form(c)
    before = _counts()
    response = c.post("/projects/new/", dict(GOOD_PROJECT, total_investment=value, **hidden))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and value in html
    assert _counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("field, value", [("opens_on", "2026-02-30"), ("closes_on", "2027-13-01"),
                                          ("opens_on", "30/01/2027"), ("closes_on", "明天")])
def test_r21_impossible_dates_are_refused_naming_the_field(client_for, office_reviewer, field, value):
    from declarations.models import DeclarationRound

    body = {"year": 2027, "title": "测试批次", "opens_on": "2026-12-01", "closes_on": "2027-01-31", field: value}
    response = _post_json(client_for(office_reviewer), "/api/v1/declarations/rounds", body)
    assert response.status_code == 422
    assert {"field": field, "message": "不是有效日期（YYYY-MM-DD）"} in response.json()["detail"]
    assert DeclarationRound.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/projects/99999999999999999999", "/api/v1/projects?offset=99999999999999999999",
                                 "/api/v1/projects?limit=0", "/api/v1/catalogue/systems?offset=-1",
                                 "/api/v1/projects/-1", "/api/v1/obligations?year=-1924",
                                 "/api/v1/projects?year=99999999999999999999"])
def test_r21_out_of_range_ids_and_paging_are_refused_not_500(client_for, filer_a, url):
    response = client_for(filer_a).get(url)
    assert response.status_code in {404, 422}
    assert response.json()["detail"][0]["message"]


@pytest.mark.django_db
def test_r21_multipart_without_boundary_is_a_400_in_chinese(client_for, filer_a):
    project = factories.project(filer_a)
    response = client_for(filer_a).generic("POST", f"/api/v1/declarations/projects/{project.pk}/documents",
                                           b"--x--", content_type="multipart/form-data")
    assert response.status_code == 400
    assert "multipart/form-data" in response.json()["detail"][0]["message"]


# --- SQL and HTML in text fields ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_r21_sql_and_html_in_the_project_form_are_stored_literally_and_shown_escaped(client_for, filer_a):
    c = client_for(filer_a)
    response = c.post("/projects/new/", dict(GOOD_PROJECT, name=HOSTILE, **_new_project_form(c)))
    assert response.status_code == 302, response.content.decode()[-3000:]
    project = Project.objects.get()
    assert project.name == HOSTILE
    for url in [f"/projects/{project.pk}/", "/projects/", f"/projects/?q={HOSTILE[:20]}"]:
        html = c.get(url).content.decode()
        assert "<script>alert" not in html, url
    assert ESCAPED in c.get(f"/projects/{project.pk}/").content.decode()


@pytest.mark.django_db
def test_r21_sql_and_html_in_every_free_text_field_of_the_api_are_stored_literally(client_for, filer_a):
    from declarations.api import MaterialsFields

    c = client_for(filer_a)
    created = _post_json(c, "/api/v1/projects", dict(GOOD_PROJECT, name=HOSTILE))
    assert created.status_code == 201 and created.json()["name"] == HOSTILE
    project_id = created.json()["id"]
    text_fields = [name for name, info in MaterialsFields.model_fields.items()
                   if info.annotation is str and any(getattr(m, "max_length", 0) >= 1000 for m in info.metadata)]
    assert len(text_fields) >= 10
    version = c.get(f"/api/v1/declarations/projects/{project_id}/materials").json()["version"]
    body = {"version": version, **{f: f"{f}:{HOSTILE}" for f in text_fields}}
    response = _post_json(c, f"/api/v1/declarations/projects/{project_id}/materials", body, method="patch")
    assert response.status_code == 200, response.content
    stored = c.get(f"/api/v1/declarations/projects/{project_id}/materials").json()
    assert {f: stored[f] for f in text_fields} == {f: f"{f}:{HOSTILE}" for f in text_fields}
    html = c.get(f"/declarations/projects/{project_id}/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert Project.objects.filter(name=HOSTILE).count() == 1  # the DROP TABLE did nothing


@pytest.mark.django_db
def test_r21_sql_in_search_parameters_is_only_text(client_for, filer_a):
    factories.project(filer_a, name="教育数据平台")
    c = client_for(filer_a)
    assert c.get("/api/v1/projects", {"q": "' OR '1'='1"}).json()["count"] == 0
    assert c.get("/api/v1/projects", {"q": "教育"}).json()["count"] == 1
    assert c.get("/projects/", {"q": "' OR 1=1 --"}).status_code == 200


# --- R24: unexpected errors --------------------------------------------------------------------------------

def _error_ids_logged(caplog):
    return [r.getMessage().split()[2] for r in caplog.records if r.name == "zwxm.errors"]


@pytest.mark.django_db
def test_r24_an_unexpected_page_error_shows_a_generic_page_with_the_logged_error_id(filer_a, caplog, monkeypatch):
    import web.views

    def explode(user):
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(web.views, "todo_items", explode)
    c = Client(raise_request_exception=False)
    c.force_login(filer_a)
    response = c.get("/")
    assert response.status_code == 500
    html = response.content.decode()
    logged = _error_ids_logged(caplog)
    assert logged and logged[-1] in html and response["X-Request-ID"] == logged[-1]
    assert "系统出现错误" in html
    assert "Traceback" not in html and "secret-internal-detail" not in html and "RuntimeError" not in html
    assert any(r.exc_info and "secret-internal-detail" in str(r.exc_info[1]) for r in caplog.records
               if r.name == "zwxm.errors")


@pytest.mark.django_db
def test_r24_an_unexpected_api_error_is_json_with_the_logged_error_id(filer_a, caplog, monkeypatch):
    import api.v1

    def explode(user):
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(api.v1, "visible_projects", explode)
    c = Client(raise_request_exception=False)
    c.force_login(filer_a)
    response = c.get("/api/v1/projects")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    logged = _error_ids_logged(caplog)
    assert logged and body["error_id"] == logged[-1] == response["X-Request-ID"]
    assert body["detail"][0]["message"] == f"系统出现意外错误，请把错误编号 {logged[-1]} 告诉系统管理员。"
    text = response.content.decode()
    assert "Traceback" not in text and "secret-internal-detail" not in text and "RuntimeError" not in text


@pytest.mark.django_db
def test_r24_the_500_handler_answers_api_paths_in_json(rf):
    from web.views import server_error

    request = rf.get("/api/v1/anything")
    request.request_id = "abc-123"
    response = server_error(request)
    assert response.status_code == 500
    assert json.loads(response.content)["error_id"] == "abc-123"
    page = server_error(rf.get("/projects/"))
    assert page.status_code == 500 and "系统出现错误" in page.content.decode()


def test_r21_no_two_api_schemas_share_a_name_in_the_openapi_document():
    """The OpenAPI components are keyed by class name: two ``EvaluationOut`` classes (reviews and oversight)
    made the reviews response point at oversight's schema, which schemathesis reported as a schema violation."""
    from ninja import Schema

    import api.v1  # noqa: F401 (mounts every app's router)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    seen = {}
    duplicates = []
    for cls in set(subclasses(Schema)):
        module = cls.__module__
        if not (module.endswith(".api") or module.startswith("api.")) or "[" in cls.__name__:
            continue
        if cls.__name__ in seen and seen[cls.__name__] != module:
            duplicates.append(f"{cls.__name__}: {seen[cls.__name__]} and {module}")
        seen[cls.__name__] = module
    assert duplicates == []
