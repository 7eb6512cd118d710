"""Reports and exports (issue 6 §4): the ledger and the rectifications as .xlsx, reopened with openpyxl and
compared with what the screen shows; the printable record of a project as PDF."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import OrgKind
from audit.models import AuditEvent
from oversight import services as oversight_services
from reviews.models import Approval
from tests import factories
from tests.test_approval import approve, pdf_text, ready_for_approval
from tests.test_dashboards import approve_by_transitions
from tests.test_reviews import listed, reviewer, submit
from web.templatetags.zw import wan

pytestmark = pytest.mark.django_db


def sheet_rows(response):
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows())
    return ws.title, [c.value for c in rows[0]], rows[1:]


def screen_rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows.append(cells)
    return rows


@pytest.fixture
def ledger(filer_a, filer_b):
    approved = approve_by_transitions(factories.project(filer_a, name="=HYPERLINK(\"http://x\")项目",
                                                        total_investment="12345678.91"),
                                      filer_a, "12000000.50", date(2026, 3, 15))
    submitted = submit(factories.project(filer_a, name="+数据平台", year=2026, total_investment="1000000.00"))
    draft = factories.project(filer_a, name="@草稿", total_investment="500000.00")
    other = submit(factories.project(filer_b, name="乙单位项目", year=2026, total_investment="2000000.00"))
    return {"approved": approved, "submitted": submitted, "draft": draft, "other": other}


def test_ledger_export_has_the_screens_rows_with_its_filters_and_formats(ledger, client_for, filer_a):
    client = client_for(reviewer(OrgKind.DRC))
    for params in ({}, {"year": "2026"}, {"unit": "测试单位甲"}, {"min_investment": "1500000"}):
        screen = screen_rows(client.get(reverse("projects:list"), params).content.decode())
        title, header, rows = sheet_rows(client.get(reverse("dashboards:export_projects"), params))
        assert title == "项目台账"
        assert header[:9] == ["平台项目编号", "项目名称", "项目单位", "申报年度", "实施方式", "阶段",
                              "申报总投资（元）", "批复总投资（元）", "批复日期"]
        assert len(rows) == len(screen) and rows
        for cells, shown in zip(rows, screen, strict=True):
            number, name, unit, year, mode, stage, declared = (c.value for c in cells[:7])
            assert [number, unit, str(year), mode] == [shown[0], shown[2], shown[3], shown[4]]
            assert name.lstrip("'") == shown[1].replace("&quot;", '"')
            assert wan(declared) == shown[5] and stage == shown[6]
    _, _, rows = sheet_rows(client.get(reverse("dashboards:export_projects"), {"year": "2027"}))
    (row,) = rows
    assert row[0].value == ledger["approved"].number
    assert row[1].value == "'=HYPERLINK(\"http://x\")项目" and row[1].data_type == "s"  # neutralised, not a formula
    assert row[6].value == Decimal("12345678.91") or row[6].value == pytest.approx(12345678.91)
    assert row[6].number_format == "#,##0.00" and row[7].number_format == "#,##0.00"
    assert row[8].value.date() == date(2026, 3, 15) and row[8].number_format == "yyyy-mm-dd"
    # Drafts of other units never leave with the ledger; the export is audited.
    _, _, rows = sheet_rows(client.get(reverse("dashboards:export_projects")))
    assert ledger["draft"].number not in [r[0].value for r in rows]
    event = AuditEvent.objects.filter(action="export.project_ledger").latest("seq")
    assert event.after["rows"] == len(rows) and event.actor_name == "r_drc"


def test_a_unit_exports_only_its_own_projects_with_text_neutralised(ledger, client_for, filer_a):
    _, _, rows = sheet_rows(client_for(filer_a).get(reverse("dashboards:export_projects")))
    numbers = {r[0].value for r in rows}
    assert numbers == {ledger["approved"].number, ledger["submitted"].number, ledger["draft"].number}
    names = {r[1].value for r in rows}
    assert {"'+数据平台", "'@草稿"} <= names


def test_rectifications_export_matches_the_rectifications_page(ledger, client_for):
    drc = reviewer(OrgKind.DRC)
    oversight_services.supervision_finding_record(actor=drc, project_id=ledger["approved"].pk, area="schedule",
                                                  description="-进度滞后", requirement="按期完成",
                                                  due_on=date(2099, 1, 31))
    client = client_for(drc)
    page = client.get(reverse("oversight:rectifications")).content.decode()
    title, header, rows = sheet_rows(client.get(reverse("dashboards:export_rectifications")))
    assert title == "限期整改" and header[0] == "平台项目编号" and header[8] == "整改期限"
    (row,) = rows
    assert row[0].value == ledger["approved"].number and ledger["approved"].number in page
    assert row[5].value == "'-进度滞后" and "-进度滞后" in page
    assert row[8].value.date() == date(2099, 1, 31) and row[8].number_format == "yyyy-mm-dd"
    assert "2099" in page
    assert AuditEvent.objects.filter(action="export.rectifications").count() == 1


def test_project_record_pdf_has_the_record_and_is_permission_checked(filer_a, filer_b, client_for):
    project = listed(factories.project(filer_a, name="全省教育数据共享平台", total_investment="18000000.00"))[0]
    ready_for_approval(project)
    approve(project)
    approval = Approval.objects.get(project=project)
    response = client_for(filer_a).get(reverse("dashboards:project_record", args=[project.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (project.number, "全省教育数据共享平台", "测试单位甲", "已批复", approval.number,
                     "17,500,000.00 元", "declaration.submitted", "第十七条", "项目档案"):
        assert expected in text, expected
    assert AuditEvent.objects.filter(action="export.project_record", project=project).count() == 1
    assert client_for(filer_b).get(reverse("dashboards:project_record", args=[project.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="export.project_record").count() == 1
