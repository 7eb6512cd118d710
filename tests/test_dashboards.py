"""Dashboards (issue 6 §3): the figures on the province and unit dashboards equal the counts and sums computed
directly from the database here, every figure drills down to the projects behind it, and the charts are served
by the platform with no inline script."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrgKind, Role
from audit.models import AuditEvent
from delivery import services as delivery_services
from oversight import services as oversight_services
from projects.models import Project, Stage
from projects.services import transition_project
from reviews.models import Approval, CityProjectLink, OpinionRequest
from tests import factories
from tests.test_approval import MERGED, approve, ready_for_approval, save
from tests.test_reviews import listed, reviewer, submit
from web.templatetags.zw import yuan

pytestmark = pytest.mark.django_db


def figure(html: str, key: str) -> str:
    match = re.search(r'data-figure="' + re.escape(key) + r'"[^>]*>([^<]*)<', html)
    assert match, f"no figure {key}"
    return match.group(1).strip()


def approve_by_transitions(project, filer, total, approval_date):
    """Reach APPROVED through the lifecycle transitions (without an approval record)."""
    office, drc = reviewer(OrgKind.LEADING_GROUP_OFFICE), reviewer(OrgKind.DRC)
    with transaction.atomic():
        transition_project(actor=filer, project_id=project.pk, transition="submit", action="declaration.submitted")
        transition_project(actor=office, project_id=project.pk, transition="put_on_annual_list", action="t.listed")
        transition_project(actor=filer, project_id=project.pk, transition="submit_for_approval", action="t.submitted")
        transition_project(actor=drc, project_id=project.pk, transition="approve", action="t.approved",
                           apply=lambda p: (setattr(p, "approved_total_investment", Decimal(total)),
                                            setattr(p, "approval_date", approval_date), {})[-1])
    project.refresh_from_db()
    return project


@pytest.fixture
def portfolio(filer_a, filer_b, unit_b):
    """Unit 甲: one project approved through the reviews path (opinions, evaluation, approval record, a city
    project linked), one draft, one submitted. Unit 乙: one listed (2026), one approved in 2024 and built, whose
    acceptance is overdue. A city unit: its own project. One rectification ordered on the approved project."""
    city_unit = factories.org("T-CD", "成都市测试单位", kind=OrgKind.CITY_PROJECT_UNIT, jurisdiction="510100")
    city_filer = factories.user("filer_cd", city_unit, Role.FILER)
    city_project = submit(factories.project(city_filer, name="成都配套项目", year=2025, total_investment="3000000.00"))

    approved = listed(factories.project(filer_a, name="全省教育数据共享平台", total_investment="18000000.00"))[0]
    save(approved, {**MERGED, "needs_city_collaboration": True}, city_projects=[city_project.number])
    ready_for_approval(approved)
    approve(approved, amount="17500000.00")
    draft = factories.project(filer_a, name="草稿项目", total_investment="1000000.00")
    submitted = submit(factories.project(filer_a, name="已申报项目", total_investment="2500000.55"))

    listed_b = listed(factories.project(filer_b, name="乙单位清单项目", year=2026, total_investment="4000000.00"))[0]
    head_b = factories.user("head_b", unit_b, Role.UNIT_HEAD)
    overdue = approve_by_transitions(factories.project(filer_b, name="乙单位逾期验收项目", year=2024,
                                                       total_investment="9000000.00"),
                                     filer_b, "8800000.00", date(2024, 6, 1))
    delivery_services.contract_add(actor=filer_b, project_id=overdue.pk, kind="supervision", party="某监理公司",
                                   amount=Decimal("300000.00"), signed_on=date(2024, 6, 20))
    delivery_services.start_construction(actor=filer_b, project_id=overdue.pk, responsible_person=head_b.username,
                                         supervision_contractor="某监理公司", construction_period_months=12,
                                         started_on=date(2024, 7, 1))
    oversight_services.supervision_finding_record(actor=reviewer(OrgKind.DRC), project_id=approved.pk,
                                                  area="schedule", description="进度滞后", requirement="按期整改")
    return {"approved": Project.objects.get(pk=approved.pk), "draft": draft, "submitted": submitted,
            "listed_b": listed_b, "overdue": Project.objects.get(pk=overdue.pk), "city": city_project,
            "city_unit": city_unit}


def test_province_dashboard_figures_equal_the_database(portfolio, client_for, unit_a, unit_b):
    office = reviewer(OrgKind.LEADING_GROUP_OFFICE)
    response = client_for(office).get(reverse("dashboards:province"))
    assert response.status_code == 200
    html = response.content.decode()
    seen = Project.objects.exclude(stage=Stage.DRAFT)  # the portfolio: every project but drafts

    assert figure(html, "total") == str(seen.count()) == "5"
    for stage, year in {(p.stage, p.year) for p in seen}:
        assert figure(html, f"stage_year:{stage}:{year}") == str(seen.filter(stage=stage, year=year).count())
    assert f"stage_year:{Stage.DRAFT}" not in html

    for unit in (unit_a, unit_b, portfolio["city_unit"]):
        mine = list(seen.filter(unit=unit))
        assert figure(html, f"unit_n:{unit.pk}") == str(len(mine))
        assert figure(html, f"declared:{unit.pk}") == yuan(sum(p.total_investment for p in mine))
        assert figure(html, f"approved:{unit.pk}") == yuan(sum((p.approved_total_investment or 0) for p in mine))
    assert figure(html, f"declared:{unit_a.pk}") == "20,500,000.55 元"  # 18,000,000.00 + 2,500,000.55; no draft

    # Lead times: from the 'declaration.submitted' audit event to the approval record's date.
    approval = Approval.objects.get()
    submitted_at = AuditEvent.objects.filter(project=approval.project, action="declaration.submitted").earliest("seq").at
    days = (approval.approval_date - timezone.localtime(submitted_at).date()).days
    assert figure(html, "lead_n") == "1" and figure(html, "lead_avg") == f"{float(days)}"

    for body_id in OpinionRequest.objects.values_list("body_id", flat=True):
        requests = OpinionRequest.objects.filter(body_id=body_id)
        assert figure(html, f"opinion_n:{body_id}") == str(requests.count())
        taken = [r.days_taken for r in requests if r.answered]
        assert figure(html, f"opinion_avg:{body_id}") == str(round(sum(taken) / len(taken), 1))

    assert figure(html, "acceptance_overdue") == "1"
    assert portfolio["overdue"].number in html
    assert figure(html, "rectifications_open") == "1"
    assert figure(html, "sanctions") == "1"  # 乙: acceptance overdue (第三十二条)
    assert "第三十二条" in html and unit_b.name in html
    links = CityProjectLink.objects.filter(city_project__unit__jurisdiction__code="510100")
    assert figure(html, "city_n:510100") == str(links.values("city_project").distinct().count()) == "1"


def test_every_figure_drills_down_to_the_projects_behind_it(portfolio, client_for, unit_a, unit_b):
    client = client_for(reviewer(OrgKind.DRC))

    def drilled(figure_name, key=""):
        response = client.get(reverse("dashboards:drill"), {"figure": figure_name, "key": key})
        assert response.status_code == 200
        html = response.content.decode()
        return int(figure(html, "count")), html

    count, html = drilled("unit", unit_a.pk)
    assert count == Project.objects.filter(unit=unit_a).exclude(stage=Stage.DRAFT).count() == 2
    assert portfolio["draft"].number not in html
    count, html = drilled("acceptance_overdue")
    assert count == 1 and portfolio["overdue"].number in html
    count, html = drilled("rectifications_open")
    assert count == 1 and portfolio["approved"].number in html
    count, html = drilled("opinion", OpinionRequest.objects.first().body_id)
    assert count == 1 and portfolio["approved"].number in html
    count, html = drilled("city", "510100")
    assert count == 2 and portfolio["city"].number in html and portfolio["approved"].number in html
    count, _ = drilled("lead_time")
    assert count == 1
    count, _ = drilled("sanction", unit_b.pk)
    assert count == Project.objects.filter(unit=unit_b).count() == 2
    # The stage/year figures link to /projects/ with its own filters; its list shows the same count.
    stage, year = Stage.LISTED, 2026
    response = client.get(reverse("projects:list"), {"stage": stage, "year": year})
    assert portfolio["listed_b"].number in response.content.decode()


def test_charts_are_served_by_the_platform_without_inline_script(portfolio, client_for):
    html = client_for(reviewer(OrgKind.FINANCE)).get(reverse("dashboards:province")).content.decode()
    assert "/static/vendor/echarts-5.6.0.min.js" in html and "/static/dashboards/charts.js" in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attrs, body in scripts:
        assert ("src=" in attrs and not body.strip()) or 'type="application/json"' in attrs, attrs
    spec = json.loads(re.search(r'<script id="by_unit-data" type="application/json">(.*?)</script>', html, re.S)
                      .group(1))
    assert "测试单位甲" in spec["categories"]
    i = spec["categories"].index("测试单位甲")
    assert spec["series"][0]["data"][i] == 2050.0  # 20,500,000.55 元 in 万元 for the bar
    assert spec["series"][0]["links"][i].startswith("/dashboards/projects/?figure=unit")


def test_only_portfolio_bodies_see_the_province_dashboard(portfolio, client_for, filer_a):
    response = client_for(filer_a).get(reverse("dashboards:province"))
    assert response.status_code == 403
    assert client_for(filer_a).get(reverse("dashboards:index")).url == reverse("dashboards:unit")
    assert client_for(reviewer(OrgKind.CYBERSPACE_OFFICE)).get(reverse("dashboards:province")).status_code == 403


def test_unit_dashboard_shows_its_own_projects_money_and_findings(portfolio, client_for, filer_a, filer_b, unit_b):
    html = client_for(filer_a).get(reverse("dashboards:unit")).content.decode()
    mine = Project.objects.filter(unit=filer_a.organisation)
    assert figure(html, "n") == str(mine.count()) == "3"  # its drafts included
    assert figure(html, "declared") == yuan(sum(p.total_investment for p in mine))
    assert figure(html, "approved") == yuan(Decimal("17500000.00"))
    assert figure(html, f"stage:{Stage.DRAFT}") == "1"
    assert figure(html, "rectifications") == "1" and "进度滞后" in html
    assert portfolio["listed_b"].number not in html

    html = client_for(filer_b).get(reverse("dashboards:unit")).content.decode()
    assert figure(html, "acceptance_overdue") == "1" and "第三十二条" in html
    assert portfolio["approved"].number not in html


def test_province_api_gives_the_same_figures(portfolio, client_for, unit_a):
    data = client_for(reviewer(OrgKind.DRC)).get("/api/v1/dashboards/province").json()
    assert data["total"] == Project.objects.exclude(stage=Stage.DRAFT).count()
    row = next(r for r in data["by_unit"] if r["unit_id"] == unit_a.pk)
    assert Decimal(row["declared"]) == Decimal("20500000.55") and Decimal(row["approved"]) == Decimal("17500000.00")
    assert data["acceptance_overdue"] == [portfolio["overdue"].number]
    assert data["rectifications_open"] == 1
    assert client_for(portfolio["draft"].created_by).get("/api/v1/dashboards/province").status_code == 403


def test_the_per_unit_table_shows_the_largest_units_and_links_to_all_of_them(portfolio, client_for, monkeypatch):
    from dashboards import views

    monkeypatch.setattr(views, "UNITS_SHOWN", 1)
    views._RENDERED.clear()
    client = client_for(reviewer(OrgKind.FINANCE))
    html = client.get(reverse("dashboards:province")).content.decode()
    shown = re.findall(r'data-figure="declared:(\d+)">([^<]+)<', html)
    assert len(shown) == 1
    everything = client.get(reverse("dashboards:province") + "?units=all").content.decode()
    every = re.findall(r'data-figure="declared:(\d+)">([^<]+)<', everything)
    assert len(every) >= 2 and "测试单位甲" in everything
    # The one shown is the unit with the most declared investment, and the page says how many there are.
    amounts = {unit: Decimal(text.replace(",", "").replace("元", "").strip()) for unit, text in every}
    assert shown[0][0] == max(amounts, key=amounts.get)
    assert f"共 {len(every)} 个单位，上表和图列出申报总投资最多的 1 个" in html
    assert f'<a href="?units=all#by-unit">按名称列出全部 {len(every)} 个单位</a>' in html
    spec = json.loads(re.search(r'<script id="by_unit-data" type="application/json">(.*?)</script>', html, re.S)
                      .group(1))
    assert len(spec["categories"]) == 1
    views._RENDERED.clear()
