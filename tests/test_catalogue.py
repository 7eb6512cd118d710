"""The system catalogue (第九条): pages, API, Excel import/export, visibility and the money rule."""

import io
import json
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.models import Role
from audit.models import AuditEvent
from catalogue import excel, selectors, services
from catalogue.models import InformationSystem, ProjectSystemLink, Relation, SystemStatus
from rules.findings import Outcome
from tests import factories

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in excel.COLUMNS]
OUTSIDE = "未纳入系统目录管理的项目，不安排自行建设、购买服务和运维经费（第九条）"


def fields(**overrides):
    data = {
        "name": "学籍管理系统", "purpose": "全省学籍注册和转学办理", "status": SystemStatus.RUNNING,
        "on_government_cloud": True, "network": "egov_extranet", "is_classified": False, "mlps_level": 3,
        "connected_to_sharing_platform": True, "connected_to_service_platform": False,
        "connected_to_unified_office_platform": False, "data_resources": "学籍信息",
    }
    return data | overrides


def system(actor, **overrides):
    return services.system_create(actor=actor, **fields(**overrides))


def form_data(**overrides):
    data = {"name": "学籍管理系统", "purpose": "全省学籍注册和转学办理", "status": "running",
            "network": "egov_extranet", "mlps_level": "3", "on_government_cloud": "on",
            "connected_to_sharing_platform": "on", "data_resources": "学籍信息"}
    return {k: v for k, v in (data | overrides).items() if v is not None}


def row(name="学籍管理系统", *, code="", unit="", purpose="学籍注册和转学", status="运行中", cloud="是",
        network="电子政务外网", classified="否", mlps="第三级", sharing="是", service="否", office="否",
        data="学籍信息"):
    return [code, name, unit, purpose, status, cloud, network, classified, mlps, sharing, service, office, data]


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "系统目录"
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name="目录.xlsx"):
    return SimpleUploadedFile(name, content, content_type=excel.XLSX_CONTENT_TYPE)


def post_import(client, content: bytes, name="目录.xlsx"):
    return client.post("/catalogue/import/", {"file": upload(content, name)})


# --- Pages: register, edit, retire --------------------------------------------------------------

def test_a_filer_registers_a_system_through_the_page(client_for, filer_a, unit_a, unit_b):
    c = client_for(filer_a)
    response = c.post("/catalogue/new/", form_data(unit=str(unit_b.pk), version="7"), follow=True)
    created = InformationSystem.objects.get()
    html = response.content.decode()
    assert created.unit == unit_a and created.code == "T-A-XT0001" and created.mlps_level == 3
    assert created.version == 1
    assert "已登记信息系统 T-A-XT0001 学籍管理系统" in html and "第三级" in html
    event = AuditEvent.objects.get(action="catalogue.system_created")
    assert event.after["name"] == "学籍管理系统" and event.actor == filer_a
    listing = c.get("/catalogue/").content.decode()
    assert "学籍管理系统" in listing and "共 1 个信息系统" in listing


def test_the_form_keeps_input_and_marks_the_wrong_field(client_for, filer_a):
    response = client_for(filer_a).post("/catalogue/new/", form_data(name="我的系统", mlps_level=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "非涉密信息系统须填写等保级别（尚未定级的填“未定级”）" in html
    assert 'value="我的系统"' in html and "field-error" in html
    assert InformationSystem.objects.count() == 0


def test_a_classified_system_on_the_internet_is_refused(client_for, filer_a):
    html = client_for(filer_a).post("/catalogue/new/", form_data(
        network="internet", is_classified="on", mlps_level="")).content.decode()
    assert "涉密信息系统不得连接互联网，网络只能是电子政务内网或电子政务外网" in html
    assert InformationSystem.objects.count() == 0


def test_a_duplicate_name_in_the_unit_is_refused_but_another_unit_may_use_it(client_for, filer_a, filer_b):
    existing = system(filer_a)
    html = client_for(filer_a).post("/catalogue/new/", form_data()).content.decode()
    assert f"本单位目录中已有同名的信息系统（系统编号 {existing.code}）" in html
    assert InformationSystem.objects.count() == 1
    client_for(filer_b).post("/catalogue/new/", form_data())
    assert InformationSystem.objects.filter(name="学籍管理系统").count() == 2


def test_editing_through_the_page_and_a_stale_version_is_refused(client_for, filer_a):
    s = system(filer_a)
    c = client_for(filer_a)
    edit = c.get(f"/catalogue/{s.pk}/edit/").content.decode()
    assert 'value="学籍管理系统"' in edit and 'name="version"' in edit
    response = c.post(f"/catalogue/{s.pk}/edit/", form_data(name="学籍管理系统（二期）", version="1"), follow=True)
    assert f"已保存信息系统 {s.code} 的修改" in response.content.decode()
    s.refresh_from_db()
    assert s.name == "学籍管理系统（二期）" and s.version == 2
    event = AuditEvent.objects.get(action="catalogue.system_updated")
    assert event.before == {"name": "学籍管理系统"} and event.after == {"name": "学籍管理系统（二期）"}
    stale = c.post(f"/catalogue/{s.pk}/edit/", form_data(name="又一个名字", version="1")).content.decode()
    assert "信息系统已被他人修改，请刷新后在最新版本上修改（版本不一致）" in stale
    s.refresh_from_db()
    assert s.name == "学籍管理系统（二期）"


def test_retiring_through_the_page(client_for, filer_a):
    s = system(filer_a)
    c = client_for(filer_a)
    detail = c.get(f"/catalogue/{s.pk}/").content.decode()
    assert f'action="/catalogue/{s.pk}/retire/" data-confirm="确定停用信息系统“学籍管理系统”' in detail
    assert c.get(f"/catalogue/{s.pk}/retire/").status_code == 405
    html = c.post(f"/catalogue/{s.pk}/retire/", follow=True).content.decode()
    assert f"已停用信息系统 {s.code} 学籍管理系统" in html and "已停用" in html
    s.refresh_from_db()
    assert s.status == SystemStatus.RETIRED and s.retired_at is not None
    assert "该信息系统未纳入系统目录管理，不安排运维经费" in html
    again = c.post(f"/catalogue/{s.pk}/retire/", follow=True).content.decode()
    assert "信息系统已停用" in again
    edit = c.get(f"/catalogue/{s.pk}/edit/", follow=True).content.decode()
    assert "信息系统已停用，不能修改" in edit
    assert AuditEvent.objects.filter(action="catalogue.system_retired").count() == 1


def test_list_filters_and_the_htmx_fragment(client_for, filer_a):
    system(filer_a, name="学籍管理系统")
    system(filer_a, name="招生考试系统", status=SystemStatus.PLANNED, network="egov_intranet",
           is_classified=True, mlps_level=None)
    c = client_for(filer_a)
    html = c.get("/catalogue/?status=planned").content.decode()
    assert "招生考试系统" in html and "学籍管理系统" not in html
    html = c.get("/catalogue/?network=egov_extranet&q=学籍").content.decode()
    assert "学籍管理系统" in html and "招生考试系统" not in html
    fragment = c.get("/catalogue/?q=招生", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "招生考试系统" in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]


def test_pagination_is_25_a_page(client_for, filer_a, unit_a):
    InformationSystem.objects.bulk_create([InformationSystem(
        unit=unit_a, code=f"S{i:03d}", name=f"系统{i:03d}", purpose="用途", network="egov_extranet", mlps_level=2)
        for i in range(30)])
    c = client_for(filer_a)
    first = c.get("/catalogue/").content.decode()
    assert "系统024" in first and "系统025" not in first and "第 1 / 2 页" in first
    assert "系统029" in c.get("/catalogue/?page=2").content.decode()


# --- API ------------------------------------------------------------------------------------------

def api_body(**overrides):
    return json.dumps({k: (v.value if hasattr(v, "value") else v) for k, v in fields(**overrides).items()})


def test_api_create_get_edit_retire(client_for, filer_a, unit_a, unit_b):
    c = client_for(filer_a)
    body = json.loads(api_body())
    body["unit"] = unit_b.pk
    body["unit_id"] = unit_b.pk
    body["version"] = 99
    created = c.post("/api/v1/catalogue/systems", data=json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    data = created.json()
    assert data["unit_id"] == unit_a.pk and data["unit"] == "测试单位甲" and data["version"] == 1
    pk = data["id"]
    assert c.get(f"/api/v1/catalogue/systems/{pk}").json()["name"] == "学籍管理系统"
    listed = c.get("/api/v1/catalogue/systems").json()
    assert [s["id"] for s in listed["items"]] == [pk]
    patched = c.patch(f"/api/v1/catalogue/systems/{pk}", data=json.dumps({"version": 1, "mlps_level": 2}),
                      content_type="application/json")
    assert patched.status_code == 200 and patched.json()["mlps_level"] == 2 and patched.json()["version"] == 2
    stale = c.patch(f"/api/v1/catalogue/systems/{pk}", data=json.dumps({"version": 1, "name": "x"}),
                    content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["detail"][0]["message"] == "信息系统已被他人修改，请刷新后在最新版本上修改（版本不一致）"
    retired = c.post(f"/api/v1/catalogue/systems/{pk}/retire")
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    assert c.post(f"/api/v1/catalogue/systems/{pk}/retire").json()["detail"][0]["message"] == "信息系统已停用"


def test_api_refuses_bad_input_in_chinese(client_for, filer_a):
    c = client_for(filer_a)
    response = c.post("/api/v1/catalogue/systems", data=api_body(network="internet", is_classified=True,
                                                                 mlps_level=None), content_type="application/json")
    assert response.status_code == 422
    assert {"field": "network", "message": "涉密信息系统不得连接互联网，网络只能是电子政务内网或电子政务外网"} \
        in response.json()["detail"]
    response = c.post("/api/v1/catalogue/systems", data=api_body(status="在用"), content_type="application/json")
    assert response.status_code == 422
    assert {"field": "status", "message": "取值不在允许范围内"} in response.json()["detail"]
    system(filer_a)
    response = c.post("/api/v1/catalogue/systems", data=api_body(), content_type="application/json")
    assert response.json()["detail"][0]["field"] == "name"
    assert response.json()["detail"][0]["message"].startswith("本单位目录中已有同名的信息系统")


def test_api_create_needs_a_unit_filer(client_for, auditor):
    response = client_for(auditor).post("/api/v1/catalogue/systems", data=api_body(),
                                        content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"][0]["message"] == "只有本单位的项目填报人或项目单位负责人可以修改本单位的系统目录"


# --- Who sees which catalogue ---------------------------------------------------------------------

def test_unit_a_gets_404_for_unit_b_system_pages_and_api(client_for, filer_a, filer_b, unit_b):
    theirs = system(filer_b)
    c = client_for(filer_a)
    for url in [f"/catalogue/{theirs.pk}/", f"/catalogue/{theirs.pk}/edit/", f"/catalogue/?unit={unit_b.pk}",
                f"/catalogue/export/?unit={unit_b.pk}"]:
        assert c.get(url).status_code == 404, url
    assert c.post(f"/catalogue/{theirs.pk}/retire/").status_code == 404
    assert c.get(f"/api/v1/catalogue/systems/{theirs.pk}").status_code == 404
    assert c.get(f"/api/v1/catalogue/systems?unit={unit_b.pk}").status_code == 404
    assert c.post(f"/api/v1/catalogue/systems/{theirs.pk}/retire").status_code == 404
    assert "学籍管理系统" not in c.get("/catalogue/").content.decode()
    theirs.refresh_from_db()
    assert theirs.status == SystemStatus.RUNNING


def test_reviewers_and_auditors_read_any_unit_catalogue_but_change_nothing(client_for, filer_b, unit_b,
                                                                         drc_reviewer, auditor, cyber_reviewer):
    theirs = system(filer_b)
    for viewer in (drc_reviewer, auditor):
        c = client_for(viewer)
        assert "测试单位乙" in c.get("/catalogue/").content.decode()
        html = c.get(f"/catalogue/?unit={unit_b.pk}").content.decode()
        assert "学籍管理系统" in html and "只读查看" in html and "登记信息系统" not in html
        detail = c.get(f"/catalogue/{theirs.pk}/").content.decode()
        assert "学籍管理系统" in detail and "data-confirm" not in detail and "/edit/" not in detail
        assert c.get(f"/catalogue/{theirs.pk}/edit/").status_code == 403
        assert c.post(f"/catalogue/{theirs.pk}/retire/").status_code == 403
        assert c.get("/catalogue/new/").status_code == 403
        assert c.get(f"/api/v1/catalogue/systems/{theirs.pk}").status_code == 200
        assert c.post(f"/api/v1/catalogue/systems/{theirs.pk}/retire").status_code == 403
    assert client_for(auditor).get(f"/catalogue/export/?unit={unit_b.pk}").status_code == 200
    other = client_for(cyber_reviewer)
    assert other.get(f"/catalogue/{theirs.pk}/").status_code == 404
    assert other.get(f"/catalogue/?unit={unit_b.pk}").status_code == 404
    assert other.get("/catalogue/").status_code == 403


# --- Excel import -----------------------------------------------------------------------------------

def test_importing_a_valid_workbook_creates_every_row(client_for, filer_a, unit_a):
    content = workbook([
        row("学籍管理系统", unit="测试单位甲"),
        row("招生考试系统", status="规划中", network="电子政务内网", classified="是", mlps="不适用", sharing="否"),
        row("教育协同办公系统", code="EDU-OA", status="建设中", mlps="未定级", office="是", data=None),
    ])
    c = client_for(filer_a)
    response = post_import(c, content)
    assert response.status_code == 302
    html = c.get(response["Location"]).content.decode()
    assert "导入成功：新增 3 个、更新 0 个、未变化 0 个信息系统" in html
    systems = {s.name: s for s in InformationSystem.objects.filter(unit=unit_a)}
    assert set(systems) == {"学籍管理系统", "招生考试系统", "教育协同办公系统"}
    assert systems["招生考试系统"].is_classified and systems["招生考试系统"].mlps_level is None
    assert systems["教育协同办公系统"].code == "EDU-OA" and systems["教育协同办公系统"].mlps_level == 0
    assert systems["学籍管理系统"].code == "T-A-XT0001"
    events = AuditEvent.objects.filter(action="catalogue.imported")
    assert events.count() == 1 and events.get().after["created"] == 3 and events.get().outcome == "success"


def test_one_bad_row_imports_nothing_and_the_page_names_row_column_and_reason(client_for, filer_a):
    content = workbook([row("学籍管理系统"), row("招生考试系统", status="在用"), row("办公系统")])
    response = post_import(client_for(filer_a), content)
    html = response.content.decode()
    assert response.status_code == 200
    assert InformationSystem.objects.count() == 0
    assert "未导入任何数据：发现 1 处错误（涉及 1 行）" in html
    assert ("<tr><td class=\"num\">第 3 行</td><td>状态</td>"
            "<td>“在用”不是允许的状态，只能填写：规划中、建设中、运行中、已停用</td></tr>") in html
    event = AuditEvent.objects.get(action="catalogue.imported")
    assert event.outcome == "refused" and event.after["errors"] == 1


def test_every_error_of_every_row_is_reported(client_for, filer_a):
    content = workbook([
        row("学籍管理系统", cloud="Y", mlps="三级"),
        row("", purpose=""),
        row("学籍管理系统", network="专网"),
        row("涉密系统", classified="是", network="互联网", mlps="第二级"),
        row("别家系统", unit="测试单位乙"),
    ])
    sheet = excel.read_catalogue(upload(content), unit_name="测试单位甲")
    assert [(e.row, e.column, e.message) for e in excel.sort_errors(sheet.errors)] == [
        (2, "部署在省级政务云", "“Y”无效，只能填写“是”或“否”"),
        (2, "等保级别", "“三级”不是允许的等保级别，只能填写：未定级、第一级、第二级、第三级、第四级、第五级、不适用"),
        (3, "系统名称", "不能为空"),
        (3, "建设目的和主要功能", "不能为空"),
        (4, "系统名称", "与第 2 行的系统名称重复"),
        (4, "网络", "“专网”不是允许的网络，只能填写：电子政务内网、电子政务外网、互联网"),
        (5, "网络", "涉密信息系统不得连接互联网，网络只能是电子政务内网或电子政务外网"),
        (5, "等保级别", "涉密信息系统实行分级保护，等保级别应为“不适用”"),
        (6, "所属单位", "只能导入本单位（测试单位甲）的信息系统"),
    ]
    assert InformationSystem.objects.count() == 0


def test_duplicate_names_in_the_file_and_against_the_catalogue_are_refused(client_for, filer_a):
    existing = system(filer_a, name="学籍管理系统")
    content = workbook([row("学籍管理系统"), row("办公系统"), row("办公系统", status="在用")])
    html = post_import(client_for(filer_a), content).content.decode()
    assert "未导入任何数据：发现 3 处错误（涉及 2 行）" in html
    assert ("<tr><td class=\"num\">第 2 行</td><td>系统名称</td><td>本单位目录中已有同名信息系统"
            f"（系统编号 {existing.code}）；如要更新该系统，请在“系统编号”列填写该编号</td></tr>") in html
    assert "<tr><td class=\"num\">第 4 行</td><td>系统名称</td><td>与第 3 行的系统名称重复</td></tr>" in html
    assert InformationSystem.objects.count() == 1
    assert AuditEvent.objects.filter(action="catalogue.imported", outcome="refused").count() == 1


def test_import_updates_entries_by_code_and_may_swap_names(client_for, filer_a):
    one = system(filer_a, name="甲系统")
    two = system(filer_a, name="乙系统")
    content = workbook([row("乙系统", code=one.code), row("甲系统", code=two.code, status="已停用"),
                        row("丙系统")])
    response = post_import(client_for(filer_a), content)
    assert response.status_code == 302
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.name == "乙系统" and one.version == 2
    assert two.name == "甲系统" and two.status == SystemStatus.RETIRED and two.retired_at is not None
    assert InformationSystem.objects.count() == 3


@pytest.mark.parametrize("content, name, message", [
    ("name,status\n学籍管理系统,运行中\n".encode(), "目录.xlsx", excel.MSG_NOT_XLSX_CONTENT),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "目录.xlsx", excel.MSG_OLE),
    (None, "目录.csv", excel.MSG_NOT_XLSX_NAME),
    (b"PK\x03\x04 not really a zip", "目录.xlsx", excel.MSG_CANNOT_OPEN),
])
def test_files_that_are_not_xlsx_are_refused(client_for, filer_a, content, name, message):
    html = post_import(client_for(filer_a), content or workbook([row()]), name).content.decode()
    assert message in html
    assert InformationSystem.objects.count() == 0


def test_a_zip_that_is_not_a_workbook_is_refused(client_for, filer_a):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    html = post_import(client_for(filer_a), buffer.getvalue()).content.decode()
    assert "文件内容不是 Excel 工作簿（.xlsx），可能是改了扩展名的其他文件，请在 Excel 中另存为 .xlsx 后再导入" in html


def test_size_row_count_and_header_limits(client_for, filer_a, monkeypatch):
    c = client_for(filer_a)
    monkeypatch.setattr(excel, "MAX_BYTES", 1000)
    assert "文件超过 0 MB，请拆分后分批导入" in post_import(c, workbook([row()])).content.decode()
    monkeypatch.setattr(excel, "MAX_BYTES", 10 * 1024 * 1024)
    monkeypatch.setattr(excel, "MAX_ROWS", 2)
    html = post_import(c, workbook([row("一"), row("二"), row("三")])).content.decode()
    assert "表格数据超过 2 行，请拆分后分批导入" in html
    html = post_import(c, workbook([row()], headers=[h for h in HEADERS if h != "状态"])).content.decode()
    assert "<td class=\"num\">第 1 行</td><td>状态</td><td>缺少此列" in html
    assert "表格中没有数据行" in post_import(c, workbook([])).content.decode()
    assert InformationSystem.objects.count() == 0


def test_import_is_for_unit_filers_only(client_for, auditor):
    assert client_for(auditor).post("/catalogue/import/", {"file": upload(workbook([row()]))}).status_code == 403


# --- Excel export ----------------------------------------------------------------------------------

def test_export_reopens_with_the_same_rows_and_neutralised_formulas(client_for, filer_a):
    system(filer_a, name="=HYPERLINK(\"http://evil\",\"点我\")", purpose="+1 用途", data_resources="@SUM(A1)")
    system(filer_a, name="招生考试系统", network="egov_intranet", is_classified=True, mlps_level=None)
    response = client_for(filer_a).get("/catalogue/export/")
    assert response.status_code == 200 and response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"catalogue-T-A-{today:%Y%m%d}.xlsx\"; "
        f"filename*=UTF-8''{quote(f'测试单位甲-政务信息系统目录-{today:%Y%m%d}.xlsx')}")
    ws = load_workbook(io.BytesIO(response.content))["系统目录"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == HEADERS and len(rows) == 3
    assert rows[1][:9] == ["T-A-XT0001", "'=HYPERLINK(\"http://evil\",\"点我\")", "测试单位甲", "'+1 用途", "运行中",
                           "是", "电子政务外网", "否", "第三级"]
    assert rows[1][12] == "'@SUM(A1)"
    assert rows[2][1:9] == ["招生考试系统", "测试单位甲", "全省学籍注册和转学办理", "运行中", "是", "电子政务内网", "是",
                            "不适用"]
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    event = AuditEvent.objects.get(action="catalogue.exported")
    assert event.after == {"unit": "T-A", "rows": 2}


def test_an_exported_catalogue_reimports_unchanged(client_for, filer_a):
    system(filer_a, name="=1+1 系统")
    system(filer_a, name="办公系统", connected_to_unified_office_platform=True)
    c = client_for(filer_a)
    exported = c.get("/catalogue/export/").content
    response = post_import(c, exported)
    assert response.status_code == 302
    html = c.get("/catalogue/").content.decode()
    assert "导入成功：新增 0 个、更新 0 个、未变化 2 个信息系统" in html
    assert InformationSystem.objects.filter(name="=1+1 系统").exists()


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+86", "'+86"), ("-2", "'-2"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("\0=x", "'=x"), ("学籍=系统", "学籍=系统"), ("", ""), (3, 3), (None, None),
])
def test_neutralise(value, expected):
    assert excel.neutralise(value) == expected


def test_the_import_template_has_the_headers(client_for, filer_a):
    response = client_for(filer_a).get("/catalogue/template/")
    ws = load_workbook(io.BytesIO(response.content))["系统目录"]
    assert [c.value for c in next(ws.iter_rows())] == HEADERS


# --- 第九条: projects and money --------------------------------------------------------------------

def test_a_project_without_catalogue_entries_is_told_it_gets_no_money(client_for, filer_a):
    project = factories.project(filer_a)
    c = client_for(filer_a)
    html = c.get(f"/catalogue/projects/{project.pk}/").content.decode()
    assert f'<a class="cite" href="/regulation/articles/9/">第九条</a> {OUTSIDE}' in html
    assert "项目尚未关联系统目录中的信息系统。" in html
    listing = c.get("/catalogue/").content.decode()
    assert OUTSIDE in listing and project.number in listing
    finding = selectors.project_catalogue_status(project).finding
    assert finding.outcome == Outcome.BLOCK and finding.citation.article == 9 and finding.message == OUTSIDE
    api = c.get(f"/api/v1/catalogue/projects/{project.pk}").json()
    assert api["finding"]["message"] == OUTSIDE and api["finding"]["citation_label"] == "第九条"


def test_linking_a_system_puts_the_project_inside_the_catalogue(client_for, filer_a):
    project = factories.project(filer_a)
    planned = system(filer_a, name="智慧教育平台", status=SystemStatus.PLANNED)
    c = client_for(filer_a)
    refused = c.post(f"/catalogue/projects/{project.pk}/link/", {"relation": "upgrade", "system": planned.pk})
    assert "升级改造只能关联“运行中”的信息系统（该系统为“规划中”）" in refused.content.decode()
    html = c.post(f"/catalogue/projects/{project.pk}/link/", {"relation": "build", "system": planned.pk},
                  follow=True).content.decode()
    assert f"已关联信息系统 {planned.code} 智慧教育平台（新建）" in html
    assert OUTSIDE not in html and "项目关联了 1 个系统目录中的信息系统，已纳入系统目录管理。" in html
    assert AuditEvent.objects.get(action="catalogue.project_system_linked").project == project
    link = ProjectSystemLink.objects.get()
    html = c.post(f"/catalogue/projects/{project.pk}/links/{link.pk}/delete/", follow=True).content.decode()
    assert "已取消关联" in html and OUTSIDE in html


def test_a_project_integrates_another_units_running_system_only(client_for, filer_a, filer_b):
    project = factories.project(filer_a)
    running = system(filer_b, name="乙单位共享平台")
    planned = system(filer_b, name="乙单位规划系统", status=SystemStatus.PLANNED)
    c = client_for(filer_a)
    html = c.post(f"/catalogue/projects/{project.pk}/link/",
                  {"relation": "build", "other_code": running.code}).content.decode()
    assert "新建或升级改造只能关联本单位目录中的信息系统；其他单位运行中的系统只能整合" in html
    html = c.post(f"/catalogue/projects/{project.pk}/link/",
                  {"relation": "integrate", "other_code": planned.code}).content.decode()
    assert "没有找到该编号的其他单位运行中的信息系统" in html
    with pytest.raises(Http404):
        services.link_project_system(actor=filer_a, project_id=project.pk, system_id=planned.pk,
                                     relation=Relation.INTEGRATE)
    c.post(f"/catalogue/projects/{project.pk}/link/", {"relation": "integrate", "other_code": running.code})
    assert ProjectSystemLink.objects.get().system == running
    facts = selectors.declaration_catalogue_facts(project)
    assert facts["named_system_ids"] == (running.code,) and running.code in facts["catalogue_system_ids"]


def test_another_unit_cannot_link_systems_to_my_project(client_for, filer_a, filer_b):
    project = factories.project(filer_a)
    theirs = system(filer_b)
    assert client_for(filer_b).post(f"/catalogue/projects/{project.pk}/link/",
                                    {"relation": "integrate", "system": theirs.pk}).status_code == 404
    assert ProjectSystemLink.objects.count() == 0


def test_funding_eligibility_of_a_system_uses_the_rule_of_article_9(filer_a):
    s = system(filer_a)
    assert selectors.funding_eligibility(s).outcome == Outcome.PASS
    retired = services.system_retire(actor=filer_a, system_id=s.pk)
    finding = selectors.funding_eligibility(retired, "self_built")
    assert finding.outcome == Outcome.BLOCK and finding.citation.article == 9
    assert finding.message == "该信息系统未纳入系统目录管理，不安排自行建设经费。请先在本单位政务信息系统目录中登记该系统。"


def test_only_the_units_own_filers_and_heads_change_its_catalogue(unit_a, filer_b, drc_reviewer):
    head = factories.user("head_a", unit_a, Role.UNIT_HEAD)
    s = system(head)
    assert s.unit == unit_a
    with pytest.raises(Http404):
        services.system_update(actor=filer_b, system_id=s.pk, expected_version=1, name="x")
    with pytest.raises(PermissionDenied, match="只有本单位的项目填报人或项目单位负责人可以修改本单位的系统目录"):
        services.system_retire(actor=drc_reviewer, system_id=s.pk)


# --- Demo ------------------------------------------------------------------------------------------

def test_demo_catalogues_are_built_through_the_services():
    from accounts.demo import build_organisations_and_users
    from catalogue import demo as catalogue_demo
    from projects import demo as projects_demo

    build_organisations_and_users()
    projects_demo.build()
    catalogue_demo.build()
    assert InformationSystem.objects.filter(unit__code="SC-U01").count() == 5
    assert InformationSystem.objects.values("unit").distinct().count() == 20
    assert all(3 <= InformationSystem.objects.filter(unit__code=f"SC-U{i:02d}").count() <= 6 for i in range(1, 21))
    assert AuditEvent.objects.filter(action="catalogue.system_created").count() == 5
    assert ProjectSystemLink.objects.count() == 5
    # New entries after the bulk demo still get fresh codes.
    from accounts.models import User

    health = User.objects.get(username="health")
    created = system(health, name="新系统")
    assert created.code == "SC-U15-XT0006"


def test_row_numbers_are_those_of_the_spreadsheet_even_after_empty_rows(filer_a):
    content = workbook([row("一"), [None] * len(HEADERS), ["  "] + [None] * (len(HEADERS) - 1), row("二", network="专网")])
    sheet = excel.read_catalogue(upload(content), unit_name="测试单位甲")
    assert [(e.row, e.column) for e in sheet.errors] == [(5, "网络")]
    assert [r.row for r in sheet.rows] == [2, 5]


def test_nul_characters_are_refused_not_stored(client_for, filer_a):
    response = client_for(filer_a).post("/api/v1/catalogue/systems", data=api_body(purpose="用途\x00"),
                                        content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "purpose"
    assert client_for(filer_a).get("/api/v1/catalogue/systems?q=%00").status_code == 200
    assert InformationSystem.objects.count() == 0


def test_links_change_only_while_the_project_is_a_draft(client_for, filer_a):
    from django.db import transaction

    from projects.services import transition_project

    project = factories.project(filer_a)
    s = system(filer_a)
    with transaction.atomic():
        transition_project(actor=filer_a, project_id=project.pk, transition="submit", action="project.submitted")
    html = client_for(filer_a).post(f"/catalogue/projects/{project.pk}/link/",
                                    {"relation": "upgrade", "system": s.pk}, follow=True).content.decode()
    assert "项目处于“已申报”阶段，只有草稿可以修改关联的信息系统" in html
    assert "项目已提交申报，关联的信息系统不能再修改。" in html
    assert ProjectSystemLink.objects.count() == 0
