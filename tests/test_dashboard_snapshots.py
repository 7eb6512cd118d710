"""The province dashboard reads a stored snapshot of its figures (issue #8): the snapshot holds exactly what the live
selectors give, money and dates come back exact, the page says how old the figures are, a stale snapshot is served
while its recomputation waits on the task queue, reviewers may ask for fresh figures (audited), and the page's
queries do not grow with the portfolio."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import OrgKind, Role
from audit.models import AuditEvent
from dashboards import selectors, snapshots
from dashboards.models import DashboardSnapshot
from dashboards.tasks import refresh_snapshot_task
from projects.models import Project, Stage
from tests import factories
from tests.test_dashboards import figure, portfolio  # noqa: F401 (the fixture)
from tests.test_reviews import reviewer, submit

pytestmark = pytest.mark.django_db

PAGE = "/dashboards/province/"
AS_OF = re.compile(r"数据截至 <span data-figure=\"as_of\">(\d{4}-\d{2}-\d{2} \d{2}:\d{2})</span>（北京时间）")


def beijing(moment) -> str:
    return f"{moment.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M}"


def test_the_snapshot_holds_exactly_the_live_figures_and_gives_back_exact_money_and_dates(portfolio):  # noqa: F811
    office = reviewer(OrgKind.LEADING_GROUP_OFFICE)
    stored = snapshots.refresh()
    live = selectors.province_dashboard(office, stored.today)
    reread = DashboardSnapshot.objects.get(scope=snapshots.PROVINCE)  # through the database's JSON column
    assert reread.figures == stored.figures == snapshots.dump(live)
    assert reread.figures["total"] == 5 and reread.figures["acceptance_overdue"] and reread.figures["sanctions"]

    shown = snapshots.load(reread.figures)
    assert [(r["unit_id"], r["declared"], r["approved"]) for r in shown["by_unit"]] == [
        (r["unit_id"], r["declared"], r["approved"]) for r in live["by_unit"]]
    unit_a = next(r for r in shown["by_unit"] if r["unit__name"] == "测试单位甲")
    live_a = next(r for r in live["by_unit"] if r["unit__name"] == "测试单位甲")
    assert isinstance(unit_a["declared"], Decimal) and unit_a["declared"] == Decimal("20500000.55")
    assert str(unit_a["declared"]) == str(live_a["declared"])  # the same digits as the database gave
    assert [(a["number"], a["due_on"]) for a in shown["acceptance_overdue"]] == [
        (p.number, due) for p, due in live["acceptance_overdue"]]
    assert [(t["submitted_on"], t["approved_on"], t["days"]) for t in shown["lead_times"]] == [
        (t.submitted_on, t.approved_on, t.days) for t in live["lead_times"]]
    assert [c["city_investment"] for c in shown["cities"]] == [c["city_investment"] for c in live["cities"]]
    assert [(o["body_id"], o["requested"], o["answered"], o["pending"], o["summary"]) for o in shown["opinions"]] == [
        (o.body_id, o.requested, o.answered, o.pending, o.summary) for o in live["opinions"]]
    assert [(s["unit"], [f["message"] for f in s["findings"]]) for s in shown["sanctions"]] == [
        (s.unit.name, [f.message for f in s.findings]) for s in live["sanctions"]]


def test_money_and_dates_come_back_exact_through_the_database():
    """Trailing zeros, large amounts and dates at the turn of a year survive dump → JSON column → load."""
    from types import SimpleNamespace

    from dashboards.selectors import LeadTime, OpinionTimes, UnitSanctions
    from rules.findings import Citation, Finding, Outcome

    unit = SimpleNamespace(pk=7, name="测试单位")
    amounts = [Decimal("0.00"), Decimal("0.10"), Decimal("12345678901234.56"), Decimal("20500000.5500000")]
    data = {
        "total": 3, "stage_year": [{"stage": "approved", "year": 2026, "n": 3}],
        "by_unit": [{"unit_id": i, "unit__name": f"单位{i}", "n": 1, "declared": a, "approved": amounts[-1 - i],
                     "approved_n": 1} for i, a in enumerate(amounts)],
        "lead_times": [LeadTime(1, "ZW2026-00001", "项目", "测试单位", date(2025, 12, 31), date(2026, 1, 1))],
        "lead_summary": {"n": 1, "avg": 1.0, "min": 1, "max": 1},
        "opinions": [OpinionTimes(4, "财政厅", 2, 1, [3])],
        "acceptance_overdue": [(SimpleNamespace(pk=1, number="ZW2026-00001", name="项目", unit=unit),
                                date(2024, 2, 29))],
        "rectifications": [{"finding__project__unit_id": 7, "finding__project__unit__name": "测试单位", "n": 2,
                            "overdue": 1}],
        "sanctions": [UnitSanctions(unit, [Finding("r", Outcome.BLOCK, "逾期未申请验收", Citation(32))])],
        "cities": [{"city_project__unit__jurisdiction__code": "510100",
                    "city_project__unit__jurisdiction__name": "成都市", "city_projects": 1,
                    "provincial_projects": 1, "city_investment": Decimal("3000000.00")}],
    }
    now = timezone.now()
    snapshots.store(snapshots.Computed(snapshots.PROVINCE, date(2026, 1, 1), now, snapshots.dump(data)))
    shown = snapshots.load(DashboardSnapshot.objects.get().figures)
    assert [(str(r["declared"]), str(r["approved"])) for r in shown["by_unit"]] == [
        (str(a), str(amounts[-1 - i])) for i, a in enumerate(amounts)]
    assert all(isinstance(r["declared"], Decimal) for r in shown["by_unit"])
    assert (shown["lead_times"][0]["submitted_on"], shown["lead_times"][0]["approved_on"]) == (
        date(2025, 12, 31), date(2026, 1, 1))
    assert shown["lead_times"][0]["days"] == 1
    assert shown["acceptance_overdue"][0]["due_on"] == date(2024, 2, 29)
    assert str(shown["cities"][0]["city_investment"]) == "3000000.00"
    assert shown["opinions"][0]["summary"] == {"n": 1, "avg": 3.0, "min": 3, "max": 3}
    assert shown["opinions"][0]["pending"] == 1
    assert shown["sanctions"][0]["findings"][0]["citation_label"] == "第三十二条"


def test_the_page_shows_the_stored_figures_and_their_age_until_they_are_refreshed(portfolio, client_for, filer_a):  # noqa: F811
    office = client_for(reviewer(OrgKind.LEADING_GROUP_OFFICE))
    assert not DashboardSnapshot.objects.exists()
    html = office.get(PAGE).content.decode()  # no snapshot yet: computed by this request, then stored
    snapshot = DashboardSnapshot.objects.get()
    assert figure(html, "total") == "5"
    assert AS_OF.search(html).group(1) == beijing(snapshot.computed_at)

    submit(factories.project(filer_a, name="新申报项目"))
    assert figure(office.get(PAGE).content.decode(), "total") == "5"  # the stored figures, a minute old at most
    assert DashboardSnapshot.objects.get().computed_at == snapshot.computed_at

    response = office.post(reverse("dashboards:province_refresh"))
    assert response.status_code == 302 and response.url == PAGE
    html = office.get(PAGE).content.decode()
    assert figure(html, "total") == "6" == str(Project.objects.exclude(stage=Stage.DRAFT).count())
    assert "已刷新省级看板" in html
    assert AS_OF.search(html).group(1) == beijing(DashboardSnapshot.objects.get().computed_at)


def test_a_stale_snapshot_is_served_while_one_recomputation_waits_on_the_queue(portfolio, client_for, filer_a,  # noqa: F811
                                                                               settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.DASHBOARD_SNAPSHOT_MAX_AGE_SECONDS = 60
    office = client_for(reviewer(OrgKind.LEADING_GROUP_OFFICE))
    office.get(PAGE)
    DashboardSnapshot.objects.update(computed_at=timezone.now() - timedelta(seconds=61))
    submit(factories.project(filer_a, name="新申报项目"))

    for _ in range(3):  # stale: served meanwhile, queued once whatever the number of pages read
        assert figure(office.get(PAGE).content.decode(), "total") == "5"
    queued = DBTaskResult.objects.filter(task_path="dashboards.tasks.refresh_snapshot_task")
    assert queued.count() == 1

    # What the worker (manage.py db_worker) runs: the queued task with its queued arguments.
    waiting = queued.get().task_result
    assert waiting.status == "READY" and waiting.args[0] == snapshots.PROVINCE
    assert refresh_snapshot_task.call(*waiting.args, **waiting.kwargs)["scope"] == snapshots.PROVINCE
    html = office.get(PAGE).content.decode()
    assert figure(html, "total") == "6"
    assert queued.count() == 1  # fresh again: nothing more queued


def test_a_snapshot_is_stale_after_its_maximum_age_or_on_another_day(settings):
    settings.DASHBOARD_SNAPSHOT_MAX_AGE_SECONDS = 300
    now = timezone.now()
    today = timezone.localdate(now)
    fresh = DashboardSnapshot(scope=snapshots.PROVINCE, today=today, computed_at=now - timedelta(seconds=299))
    assert not snapshots.is_stale(fresh, now)
    assert snapshots.is_stale(DashboardSnapshot(today=today, computed_at=now - timedelta(seconds=301)), now)
    assert snapshots.is_stale(DashboardSnapshot(today=today - timedelta(days=1), computed_at=now), now)


def test_a_recomputation_asked_before_a_newer_one_was_stored_computes_nothing(portfolio):  # noqa: F811
    first = snapshots.refresh()
    asked_at = timezone.now()
    second = snapshots.refresh()
    assert second.computed_at > first.computed_at
    assert snapshots.refresh(requested_at=asked_at).computed_at == second.computed_at  # already answered
    # An older computation never replaces a newer one.
    older = snapshots.Computed(snapshots.PROVINCE, first.today, first.computed_at, {"total": -1})
    assert snapshots.store(older).computed_at == second.computed_at
    assert DashboardSnapshot.objects.get().figures["total"] == 5


def test_only_reviewers_of_portfolio_bodies_may_refresh_and_each_refresh_is_audited(portfolio, client_for,  # noqa: F811
                                                                                    filer_a, auditor):
    url = reverse("dashboards:province_refresh")
    assert client_for(filer_a).post(url).status_code == 403
    assert client_for(auditor).post(url).status_code == 403  # 审计查阅人 reads the figures
    assert client_for(reviewer(OrgKind.CYBERSPACE_OFFICE)).post(url).status_code == 403
    assert not DashboardSnapshot.objects.exists()
    finance = reviewer(OrgKind.FINANCE)
    assert client_for(finance).get(url).status_code == 405
    assert client_for(finance).post(url).status_code == 302
    snapshot = DashboardSnapshot.objects.get()
    event = AuditEvent.objects.get(action=snapshots.REFRESH_ACTION)
    assert event.actor == finance and event.after["computed_at"] == snapshot.computed_at.isoformat()
    assert event.after["total"] == 5

    assert "刷新数据" in client_for(finance).get(PAGE).content.decode()
    html = client_for(auditor).get(PAGE).content.decode()
    assert figure(html, "total") == "5" and "刷新数据" not in html


def test_who_sees_the_province_dashboard_is_unchanged(portfolio, client_for, filer_a):  # noqa: F811
    assert client_for(filer_a).get(PAGE).status_code == 403
    assert client_for(reviewer(OrgKind.CYBERSPACE_OFFICE)).get(PAGE).status_code == 403
    assert client_for(filer_a).get("/api/v1/dashboards/province").status_code == 403
    assert not DashboardSnapshot.objects.exists()  # nothing computed for a refused request


def test_every_portfolio_viewer_gets_the_figures_of_the_projects_it_may_see(portfolio, client_for, unit_a):  # noqa: F811
    """A body asked for opinions (财政厅) sees the portfolio: the snapshot is its own live figures. An auditor who
    also files for a project unit sees its unit's drafts too: it gets its own figures, computed live."""
    snapshot = snapshots.refresh()
    finance = reviewer(OrgKind.FINANCE)
    assert selectors.sees_exactly_the_portfolio(finance)
    assert snapshots.dump(selectors.province_dashboard(finance, snapshot.today)) == snapshot.figures

    both = factories.user("audit_filer", unit_a, Role.AUDITOR, Role.FILER)
    assert not selectors.sees_exactly_the_portfolio(both)
    html = client_for(both).get(PAGE).content.decode()
    assert figure(html, "total") == "6"  # the portfolio's 5 and its unit's draft
    assert figure(client_for(finance).get(PAGE).content.decode(), "total") == "5"


def test_the_api_gives_the_stored_figures_with_their_time(portfolio, client_for):  # noqa: F811
    snapshot = snapshots.refresh()
    data = client_for(reviewer(OrgKind.DRC)).get("/api/v1/dashboards/province").json()
    assert data["total"] == snapshot.figures["total"] == 5
    assert data["today"] == snapshot.today.isoformat()
    computed_at = datetime.fromisoformat(data["computed_at"])  # the API's JSON keeps milliseconds
    assert abs(computed_at - snapshot.computed_at) < timedelta(milliseconds=1)
    assert data["acceptance_overdue"] == [portfolio["overdue"].number]


def test_the_page_reads_the_same_queries_whatever_the_portfolio(portfolio, client_for, filer_a, filer_b):  # noqa: F811
    office = client_for(reviewer(OrgKind.LEADING_GROUP_OFFICE))

    def page_queries() -> tuple[int, int]:
        snapshots.refresh()
        office.get(PAGE)  # renders the new snapshot's tables once in this process
        with CaptureQueriesContext(connection) as ctx:
            html = office.get(PAGE).content.decode()
        return len(ctx.captured_queries), int(figure(html, "total"))

    small = page_queries()
    for i in range(8):
        submit(factories.project(filer_a if i % 2 else filer_b, name=f"批量申报项目{i}"))
    large = page_queries()
    assert large[1] == small[1] + 8  # the page shows the larger portfolio
    assert large[0] == small[0] <= 6


def test_the_daily_job_step_and_the_command_refresh_every_scope(portfolio, settings):  # noqa: F811
    result = snapshots.refresh_all()
    assert set(result) == {snapshots.PROVINCE}
    assert result[snapshots.PROVINCE] == DashboardSnapshot.objects.get().computed_at.isoformat()
    from io import StringIO

    out = StringIO()
    call_command("refresh_dashboards", stdout=out)
    assert f"省级看板：数据截至 {beijing(DashboardSnapshot.objects.get().computed_at)}（北京时间）" in out.getvalue()
    settings.TASKS = {}
    with pytest.raises(CommandError, match="未配置任务队列"):
        call_command("refresh_dashboards", "--enqueue")
