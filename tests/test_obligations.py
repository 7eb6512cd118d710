"""Obligations derived from the lifecycle facts, walked through the calendar with a fixed clock; the holiday
calendar as data; the to-do home page; who sees which obligations; the list, its export and the waiver."""

import io
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import AuditEvent
from delivery import services as delivery
from obligations.models import CalendarDay, HolidayCalendar, Obligation, ObligationKind, ObligationStatus
from obligations.selectors import rest_days
from obligations.services import recompute_obligations
from projects.services import transition_project
from tests import factories

pytestmark = pytest.mark.django_db
REAL_LOCALDATE = timezone.localdate


@contextmanager
def on(day: date):
    def localdate(value=None, timezone=None):
        return day if value is None else REAL_LOCALDATE(value, timezone)

    with patch("django.utils.timezone.localdate", side_effect=localdate):
        yield


def approve(project, filer, office, drc, approval_date):
    with transaction.atomic():
        transition_project(actor=filer, project_id=project.pk, transition="submit", action="declaration.submitted")
        transition_project(actor=office, project_id=project.pk, transition="put_on_annual_list", action="test.listed")
        transition_project(actor=filer, project_id=project.pk, transition="submit_for_approval",
                           action="test.submitted_for_approval")
        transition_project(actor=drc, project_id=project.pk, transition="approve", action="test.approved",
                           apply=lambda p: (setattr(p, "approved_total_investment", Decimal("10000000.00")),
                                            setattr(p, "approval_date", approval_date), {})[-1])
    project.refresh_from_db()
    return project


def build(project, filer, started_on, months=12):
    with on(started_on):
        delivery.contract_add(actor=filer, project_id=project.pk, kind="supervision", party="某监理公司",
                              amount=Decimal("300000.00"), signed_on=started_on)
        delivery.start_construction(actor=filer, project_id=project.pk, responsible_person="head_a",
                                    supervision_contractor="某监理公司", construction_period_months=months,
                                    started_on=started_on)
    project.refresh_from_db()
    return project


@pytest.fixture
def head_a(unit_a):
    u = factories.user("head_a", unit_a, Role.UNIT_HEAD)
    u.email = "head_a@example.gov.cn"
    u.save()
    return u


@pytest.fixture
def building(filer_a, head_a, office_reviewer, drc_reviewer):
    """Approved 2025-01-10 with a construction period of 12 months: acceptance is due 15 months later."""
    project = approve(factories.project(filer_a, name="教育数据平台"), filer_a, office_reviewer, drc_reviewer,
                      date(2025, 1, 10))
    return build(project, filer_a, date(2025, 2, 1))


def acceptance(project):
    return Obligation.objects.get(source_key=f"acceptance:{project.pk}")


# --- The holiday calendar is data -------------------------------------------------------------------

def test_the_calendar_ships_2025_checked_and_2026_to_be_confirmed():
    cal_2025 = HolidayCalendar.objects.get(year=2025)
    cal_2026 = HolidayCalendar.objects.get(year=2026)
    assert cal_2025.confirmed and "国办发明电〔2024〕12号" in cal_2025.notice
    assert not cal_2026.confirmed
    spring_2026 = set(CalendarDay.objects.filter(calendar=cal_2026, name="春节", kind="holiday")
                      .values_list("day", flat=True))
    assert min(spring_2026) == date(2026, 2, 15) and max(spring_2026) == date(2026, 2, 23)
    days = rest_days()
    assert date(2025, 10, 1) in days and date(2025, 10, 8) in days and date(2025, 10, 9) not in days
    assert date(2025, 10, 11) not in days  # a Saturday made a working day (调休上班)
    assert date(2025, 10, 18) in days  # an ordinary Saturday
    assert date(2026, 1, 2) in days and date(2026, 1, 5) not in days


@pytest.mark.parametrize("approval_date, due", [
    (date(2024, 7, 1), date(2025, 10, 9)),    # 15 months end on 2025-10-01 (国庆节): moved past the holiday
    (date(2024, 6, 30), date(2025, 9, 30)),   # the day before the holiday: not moved
    (date(2024, 7, 11), date(2025, 10, 11)),  # a make-up working Saturday: not moved
    (date(2024, 7, 18), date(2025, 10, 20)),  # an ordinary Saturday: moved to Monday
])
def test_a_holiday_moves_the_acceptance_due_date(filer_a, head_a, office_reviewer, drc_reviewer, approval_date, due):
    project = approve(factories.project(filer_a), filer_a, office_reviewer, drc_reviewer, approval_date)
    build(project, filer_a, approval_date)
    recompute_obligations(today=date(2025, 9, 1))
    assert acceptance(project).due_on == due


def test_the_administrator_adds_a_holiday_and_the_due_date_moves(building, sysadmin, client):
    recompute_obligations(today=date(2026, 3, 1))
    assert acceptance(building).due_on == date(2026, 4, 10)
    sysadmin.is_staff = sysadmin.is_superuser = True
    sysadmin.save()
    client.force_login(sysadmin)
    calendar = HolidayCalendar.objects.get(year=2026)
    page = client.get(reverse("admin:obligations_holidaycalendar_change", args=[calendar.pk]))
    assert page.status_code == 200 and "节假日与调休日" in page.content.decode()
    CalendarDay.objects.create(calendar=calendar, day=date(2026, 4, 10), kind="holiday", name="临时调整")
    recompute_obligations(today=date(2026, 3, 1))
    assert acceptance(building).due_on == date(2026, 4, 13)  # Friday a holiday, then the weekend


# --- Walking a project through the calendar ---------------------------------------------------------

def test_acceptance_obligation_opens_when_the_trial_run_completes_and_goes_overdue(building, filer_a):
    recompute_obligations(today=date(2025, 6, 1))
    ob = acceptance(building)
    assert ob.kind == ObligationKind.ACCEPTANCE_DUE and ob.status == ObligationStatus.OPEN
    assert ob.due_on == date(2026, 4, 10) and (ob.article, ob.paragraph) == (31, 2)
    assert ob.title == (f"项目“{building.number} 教育数据平台”应于 2026-04-10 前申请验收；"
                        "不能按期申请的，应书面提出延期验收申请")
    assert ob.url == reverse("delivery:project", args=[building.pk]) and ob.remind_on == date(2026, 4, 3)

    with on(date(2025, 12, 1)):
        delivery.start_trial_run(actor=filer_a, project_id=building.pk, started_on=date(2025, 12, 1))
    recompute_obligations(today=date(2026, 3, 1))
    assert acceptance(building).kind == ObligationKind.ACCEPTANCE_DUE  # the trial run ends on 2026-03-01
    recompute_obligations(today=date(2026, 3, 2))
    ob = acceptance(building)
    assert ob.kind == ObligationKind.ACCEPTANCE_APPLICATION and ob.opens_on == date(2026, 3, 2)
    assert "试运行已满 3 个月：申请验收（验收期限 2026-04-10）" in ob.title and (ob.article, ob.paragraph) == (31, 1)

    recompute_obligations(today=date(2026, 4, 10))
    assert acceptance(building).status == ObligationStatus.OPEN  # the last day still counts
    recompute_obligations(today=date(2026, 4, 11))
    assert acceptance(building).status == ObligationStatus.OVERDUE
    sanction = Obligation.objects.get(source_key=f"sanction:32:{building.pk}")
    assert sanction.kind == ObligationKind.SANCTION and sanction.due_on is None and sanction.article == 32
    assert "不批准项目单位新增项目" in sanction.title

    with on(date(2026, 4, 12)):
        from rules.ch04_construction import required_acceptance_materials

        delivery.apply_for_acceptance(actor=filer_a, project_id=building.pk,
                                      materials=[str(m) for m in required_acceptance_materials("self_built", False)])
    recompute_obligations(today=date(2026, 4, 12))
    ob = acceptance(building)
    assert ob.status == ObligationStatus.DONE and ob.done_on == date(2026, 4, 12)
    assert Obligation.objects.get(source_key=f"sanction:32:{building.pk}").status == ObligationStatus.DONE


def test_a_deferral_replaces_the_due_date(building, filer_a):
    with on(date(2026, 3, 20)):
        delivery.deferral_request(actor=filer_a, project_id=building.pk, new_date=date(2026, 7, 31), reason="设备到货延迟")
    recompute_obligations(today=date(2026, 4, 20))
    ob = acceptance(building)
    assert ob.due_on == date(2026, 7, 31) and ob.status == ObligationStatus.OPEN
    assert "已于 2026-03-20 书面申请延期验收，验收期限延至 2026-07-31" in ob.detail


def test_annual_monitoring_reports_are_owed_by_year_end_during_implementation(building):
    recompute_obligations(today=date(2026, 1, 5))
    reports = Obligation.objects.filter(project=building, kind=ObligationKind.MONITORING_REPORT).order_by("due_on")
    assert [(o.due_on, o.status) for o in reports] == [(date(2025, 12, 31), ObligationStatus.OVERDUE),
                                                       (date(2026, 12, 31), ObligationStatus.OPEN)]
    assert reports[0].article == 45 and "2025 年度绩效监控报告" in reports[0].title


def test_recomputation_is_idempotent_and_the_command_takes_a_date(building):
    out = io.StringIO()
    call_command("run_obligations", "--today", "2026-01-05", stdout=out)
    count = Obligation.objects.count()
    assert count >= 3 and "2026-01-05：义务新增" in out.getvalue()
    result = recompute_obligations(today=date(2026, 1, 5))
    assert Obligation.objects.count() == count and result.created == 0 and result.updated == 0


def test_declaration_round_deadline_for_drafts_of_the_year(filer_a, office_reviewer):
    from declarations import services as declarations

    draft = factories.project(filer_a, name="草稿项目", year=2027)
    factories.project(filer_a, name="其他年度", year=2028)
    with on(date(2026, 3, 1)):
        declarations.round_create(actor=office_reviewer, year=2027, title="2027年度项目申报",
                                  opens_on=date(2026, 3, 1), closes_on=date(2026, 4, 30))
    recompute_obligations(today=date(2026, 4, 30))
    ob = Obligation.objects.get(kind=ObligationKind.DECLARATION_ROUND)
    assert ob.project == draft and ob.article == 15 and ob.due_on == date(2026, 4, 30)
    assert ob.status == ObligationStatus.OPEN and ob.url == reverse("declarations:detail", args=[draft.pk])
    recompute_obligations(today=date(2026, 5, 1))
    ob.refresh_from_db()
    assert ob.status == ObligationStatus.OVERDUE


# --- To-do and visibility ---------------------------------------------------------------------------

def test_home_page_shows_due_soon_and_overdue_with_links(building, client_for, filer_a):
    recompute_obligations(today=date(2026, 4, 5))
    with on(date(2026, 4, 5)):
        html = client_for(filer_a).get("/").content.decode()
    assert "我的待办" in html and "即将到期（7 日内，1）" in html and "已逾期（1）" in html
    assert f'href="{reverse("delivery:project", args=[building.pk])}"' in html
    assert f'href="{reverse("regulation:article", args=[31])}">第三十一条第二款</a>' in html
    assert "2025 年度绩效监控报告" in html and f'href="{reverse("regulation:article", args=[45])}"' in html
    assert "组织建设，完成后开始试运行" in html  # the stage-based item stays


def test_a_unit_never_sees_another_units_obligations(building, client_for, filer_b):
    recompute_obligations(today=date(2026, 4, 5))
    ob = acceptance(building)
    c = client_for(filer_b)
    with on(date(2026, 4, 5)):
        home = c.get("/").content.decode()
    assert "教育数据平台" not in home and "即将到期" not in home
    assert "教育数据平台" not in c.get(reverse("obligations:list")).content.decode()
    assert c.get(reverse("obligations:detail", args=[ob.pk])).status_code == 404
    assert c.get("/api/v1/obligations").json()["count"] == 0
    assert c.get(f"/api/v1/obligations/{ob.pk}").status_code == 404


def test_the_list_filters_and_the_api_returns_the_units_obligations(building, client_for, filer_a):
    recompute_obligations(today=date(2026, 4, 5))
    c = client_for(filer_a)
    html = c.get(reverse("obligations:list"), {"status": "overdue"}).content.decode()
    assert "2025 年度绩效监控报告" in html and "应于 2026-04-10 前申请验收" not in html
    data = c.get("/api/v1/obligations", {"kind": "acceptance_due"}).json()
    assert data["count"] == 1
    item = data["items"][0]
    assert item["due_on"] == "2026-04-10" and item["citation"] == "第三十一条第二款" and item["status"] == "open"


def test_the_export_opens_in_a_spreadsheet_with_dates_and_neutralised_formulas(filer_a, head_a, office_reviewer,
                                                                                drc_reviewer, client_for):
    project = approve(factories.project(filer_a, name="=HYPERLINK(\"x\")"), filer_a, office_reviewer, drc_reviewer,
                      date(2025, 1, 10))
    build(project, filer_a, date(2025, 2, 1))
    recompute_obligations(today=date(2026, 4, 5))
    response = client_for(filer_a).get(reverse("obligations:export"), {"kind": "acceptance_due"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.cell(row=4, column=9).value == "截止日期"
    assert ws.cell(row=5, column=4).value == "'=HYPERLINK(\"x\")"
    due = ws.cell(row=5, column=9)
    assert due.value.date() == date(2026, 4, 10) and due.number_format == "yyyy-mm-dd"
    assert ws.cell(row=5, column=7).value == "第三十一条第二款" and ws.cell(row=6, column=1).value is None
    assert AuditEvent.objects.filter(action="obligation.exported").exists()


def test_only_a_supervising_body_waives_and_must_give_a_reason(building, client_for, filer_a, drc_reviewer):
    recompute_obligations(today=date(2026, 1, 5))
    ob = Obligation.objects.get(source_key=f"monitoring_report:{building.pk}:2025")
    unit = client_for(filer_a)
    assert unit.post(f"/api/v1/obligations/{ob.pk}/waive", data={"reason": "x"},
                     content_type="application/json").status_code == 403
    drc = client_for(drc_reviewer)
    page = drc.post(reverse("obligations:detail", args=[ob.pk]), {"reason": "  "})
    assert page.status_code == 422 and "请填写豁免理由" in page.content.decode()
    response = drc.post(f"/api/v1/obligations/{ob.pk}/waive", data={"reason": "项目当年批复，不要求报送"},
                        content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "waived"
    event = AuditEvent.objects.get(action="obligation.waived")
    assert event.after["reason"] == "项目当年批复，不要求报送" and event.before == {"status": "overdue"}
    recompute_obligations(today=date(2026, 1, 6))
    ob.refresh_from_db()
    assert ob.status == ObligationStatus.WAIVED
