"""Performance (第四十五条、第四十六条), data sharing (第十一条、第十三条、第三十三条) and security (第五十一条)
through the real write paths, pages and API."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrgKind, Role
from audit.models import AuditEvent
from oversight import selectors, services
from projects import services as project_services
from projects.services import ActionRefused
from tests import factories

D = Decimal


def approved_project(filer, name="测试项目"):
    """A project approved on 2026-01-10 at 1,000,000.00 元, through the lifecycle's transitions."""
    from accounts.models import User

    office = User.objects.filter(username="office_p").first() or factories.user(
        "office_p", factories.body(OrgKind.LEADING_GROUP_OFFICE), Role.REVIEWER)
    drc = User.objects.filter(username="drc_p").first() or factories.user("drc_p", factories.body(OrgKind.DRC),
                                                                          Role.REVIEWER)
    p = factories.project(filer, name=name)
    with transaction.atomic():
        project_services.transition_project(actor=filer, project_id=p.pk, transition="submit", action="t")
        project_services.transition_project(actor=office, project_id=p.pk, transition="put_on_annual_list", action="t")
        project_services.transition_project(actor=filer, project_id=p.pk, transition="submit_for_approval", action="t")
        project_services.transition_project(
            actor=drc, project_id=p.pk, transition="approve", action="t",
            apply=lambda p: (setattr(p, "approved_total_investment", D("1000000.00")),
                             setattr(p, "approval_date", date(2026, 1, 10)), {})[-1])
    p.refresh_from_db()
    return p


@pytest.fixture
def on(monkeypatch):
    """Set the platform's today (timezone.localdate) for the actions that follow."""
    def set_today(day: date):
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)
        return day
    return set_today


@pytest.fixture
def project(filer_a):
    return approved_project(filer_a)  # approved 2026-01-10, 1,000,000.00 元


@pytest.fixture
def bdc(db):
    return factories.user("bdc_r", factories.body(OrgKind.BIG_DATA_CENTER), Role.REVIEWER)


def transition(actor, project, name):
    with transaction.atomic():
        project_services.transition_project(actor=actor, project_id=project.pk, transition=name, action="t")
    project.refresh_from_db()


def report(filer, project, year=2026, **extra):
    data = {"year": year, "planned_progress_percent": D("60"), "actual_progress_percent": D("50"),
            "planned_spend": D("600000.00"), "actual_spend": D("550000.00"), "progress": "完成应用系统开发。",
            "budget_execution": "资金按计划支付。", "using_unit_opinion": "同意。", "supervision_opinion": "进度基本正常。"}
    return services.monitoring_report_submit(actor=filer, project_id=project.pk, **(data | extra))


# --- 第四十五条 绩效监控报告 ------------------------------------------------------------------------


def test_year_end_run_finds_the_missing_monitoring_reports(filer_a, filer_b, drc_reviewer, project, on, client_for):
    other = approved_project(filer_b)
    on(date(2026, 12, 20))
    filed = report(filer_a, project)
    assert [f["outcome"] for f in filed.findings] == ["pass", "pass"]

    missing = selectors.monitoring_run(2026, date(2026, 12, 20))
    assert [m.project.pk for m in missing] == [other.pk] and not missing[0].overdue

    on(date(2027, 1, 5))
    missing = selectors.monitoring_run(2026, date(2027, 1, 5))
    assert [m.project.pk for m in missing] == [other.pk] and missing[0].overdue
    assert missing[0].finding.message == "2026 年度绩效监控报告逾期未提交（期限 2026-12-31）：请立即提交省发展改革委和财政厅。"

    page = client_for(drc_reviewer).get(reverse("oversight:monitoring"), {"year": 2026})
    text = page.content.decode()
    assert page.status_code == 200 and other.number in text and project.number not in text
    assert "2026 年度绩效监控报告逾期未提交" in text and "第四十五条" in text
    assert client_for(filer_a).get(reverse("oversight:monitoring")).status_code == 403

    api = client_for(drc_reviewer).get("/api/v1/oversight/monitoring/missing", {"year": 2026})
    assert api.status_code == 200 and [r["project_id"] for r in api.json()] == [other.pk]
    assert api.json()[0]["overdue"] is True


def test_monitoring_report_in_trial_run_needs_its_effects_and_the_opinions(filer_a, project, on):
    on(date(2026, 6, 1))
    with pytest.raises(ActionRefused) as exc:
        report(filer_a, project, supervision_opinion="")
    assert exc.value.message == "绩效监控报告未征求监理单位意见：请征求后补充。（第四十五条第一款）"
    from delivery import services as delivery_services

    factories.user("head_a", project.unit, Role.UNIT_HEAD)  # the unit's principal, 第二十六条
    delivery_services.contract_add(actor=filer_a, project_id=project.pk, kind="supervision", party="某监理公司",
                                   amount=D("30000.00"), signed_on=date(2026, 1, 20))
    delivery_services.start_construction(actor=filer_a, project_id=project.pk, responsible_person="head_a",
                                         supervision_contractor="某监理公司", construction_period_months=12,
                                         started_on=date(2026, 2, 1))
    delivery_services.start_trial_run(actor=filer_a, project_id=project.pk, started_on=date(2026, 5, 1))
    with pytest.raises(ActionRefused) as exc:
        report(filer_a, project)
    assert exc.value.message == "绩效监控报告缺少：试运行效果及遇到的问题。请补充后提交。（第四十五条第二款）"
    report(filer_a, project, trial_run_effects="试运行平稳，发现两处性能问题已处理。")


def test_variance_and_risk_rating_on_project_page_and_portfolio(filer_a, drc_reviewer, project, on, client_for):
    on(date(2026, 12, 1))
    # EV = 1,000,000 × 50 % = 500,000; AC = 600,000: overrun 20.00 % (not above the serious line);
    # schedule slippage 70 − 50 = 20 points (not above it either): 1 + 1 + 1 = 3.
    report(filer_a, project, planned_progress_percent=D("70"), actual_spend=D("600000.00"))
    rating = selectors.risk(project, date(2026, 12, 1))
    assert rating.level == 3
    assert rating.variance.cost_variance == D("-100000.00") and rating.variance.schedule_variance == D("-100000.00")
    assert rating.reasons == ("成本超支 20.00%，超过预警线 10.00%", "进度滞后 20.00 个百分点，超过预警线 10.00")

    page = client_for(filer_a).get(reverse("oversight:project", args=[project.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "风险等级 3（1 低 – 5 高）" in text and "-100,000.00 元" in text
    portfolio = client_for(drc_reviewer).get(reverse("oversight:portfolio"))
    assert portfolio.status_code == 200 and "成本超支 20.00%" in portfolio.content.decode()
    assert client_for(filer_a).get(reverse("oversight:portfolio")).status_code == 403

    summary = selectors.performance_summary(project.unit, date(2026, 12, 1))
    assert [(s.project.pk, s.risk.level) for s in summary] == [(project.pk, 3)]


# --- 第四十六条 自评价 --------------------------------------------------------------------------------


@pytest.fixture
def live_project(filer_a, project, on):
    on(date(2026, 3, 20))
    transition(filer_a, project, "start_construction")
    transition(filer_a, project, "start_trial_run")
    services.go_live_record(actor=filer_a, project_id=project.pk, went_live_on=date(2026, 3, 15))
    return project


def test_self_evaluation_in_month_11_is_warned_with_article_46(filer_a, live_project, on):
    on(date(2027, 2, 10))  # month 11 after 2026-03-15 runs to 2027-02-15
    evaluation = services.self_evaluation_file(actor=filer_a, project_id=live_project.pk, summary="系统运行平稳。")
    finding = evaluation.findings[0]
    assert finding["outcome"] == "warn" and finding["citation"]["article"] == 46
    assert finding["message"].startswith("2027-02-10 提交的自评价在投入运行后第 11 个月，不满足第四十六条")
    status = selectors.self_evaluation_status(live_project, date(2027, 2, 10))
    assert status.outcome == "warn" and "第 11 个月" in status.message


def test_self_evaluation_in_month_12_satisfies(filer_a, live_project, on):
    on(date(2027, 3, 1))
    evaluation = services.self_evaluation_file(actor=filer_a, project_id=live_project.pk, summary="系统运行平稳。")
    assert evaluation.findings[0]["outcome"] == "pass"
    assert evaluation.findings[0]["message"] == "已于 2027-03-01（投入运行后第 12 个月）开展自评价。"
    assert AuditEvent.objects.filter(action="oversight.self_evaluation_filed", project=live_project).exists()


def test_no_self_evaluation_by_the_end_of_month_24_is_overdue(filer_a, live_project, client_for, on):
    assert selectors.self_evaluation_status(live_project, date(2028, 3, 15)).outcome == "pass"
    status = selectors.self_evaluation_status(live_project, date(2028, 3, 16))
    assert status.outcome == "block" and status.message.startswith("自评价逾期未开展：应在投入运行后 12 至 24 个月内")
    on(date(2028, 3, 16))
    page = client_for(filer_a).get(reverse("oversight:project", args=[live_project.pk]))
    assert "自评价逾期未开展" in page.content.decode()


def test_evaluations_and_post_evaluation_by_their_bodies(filer_a, drc_reviewer, bdc, live_project, on):
    on(date(2027, 5, 1))
    services.evaluation_record(actor=bdc, project_id=live_project.pk, kind="sharing", result="good",
                               report="共享接口调用量稳定。")
    services.post_evaluation_record(actor=drc_reviewer, project_id=live_project.pk, method="third_party",
                                    evaluator="某咨询评估公司", result="pass", conclusion="基本达到预期目标。")
    with pytest.raises(PermissionDenied):
        services.post_evaluation_record(actor=bdc, project_id=live_project.pk, method="experts", evaluator="专家组",
                                        result="pass", conclusion="x")
    with pytest.raises(PermissionDenied):
        services.evaluation_record(actor=filer_a, project_id=live_project.pk, kind="security", result="pass",
                                   report="x")
    summary = selectors.performance_summary(live_project.unit, date(2027, 5, 1))[0]
    assert [e.get_result_display() for e in summary.evaluation_list] == ["良"]
    assert summary.post_evaluation.get_result_display() == "合格"


# --- 第十一条、第十三条 信息资源 ----------------------------------------------------------------------


def test_restricted_sharing_needs_a_legal_basis_and_specific_companies_are_flagged(filer_a, project):
    with pytest.raises(ValidationError) as exc:
        services.resource_add(actor=filer_a, project_id=project.pk, name="学籍信息", sharing_type="conditional")
    assert "须写明法律法规依据（第十一条" in exc.value.message_dict["legal_basis"][0]
    flagged = services.resource_add(actor=filer_a, project_id=project.pk, name="学校名录",
                                    sharing_type="unconditional", on_exchange_platform=True,
                                    in_public_catalogue=True, specific_companies_only=True)
    assert flagged.findings[0]["outcome"] == "block" and flagged.findings[0]["citation"]["article"] == 11
    assert flagged.findings[0]["message"] == "“学校名录”应普遍共享，却仅向特定企业、社会组织开放：不得如此（请整改）。"


@pytest.fixture
def secrecy(db, project):
    from reviews.models import OpinionRequest

    bureau = factories.body(OrgKind.SECRECY_BUREAU)
    OpinionRequest.objects.create(project=project, body=bureau, requested_at=timezone.now(), due_date=date(2026, 2, 1))
    return factories.user("secrecy_r", bureau, Role.REVIEWER)


def test_state_secret_resources_are_hidden_from_other_bodies(filer_a, drc_reviewer, auditor, secrecy, project,
                                                             client_for):
    secret = services.resource_add(actor=filer_a, project_id=project.pk, name="涉密人员名册", sharing_type="not_shared",
                                   legal_basis="《中华人民共和国保守国家秘密法》", state_secret=True)
    open_ = services.resource_add(actor=filer_a, project_id=project.pk, name="学校名录", sharing_type="unconditional",
                                  on_exchange_platform=True, in_public_catalogue=True)
    assert secret.findings[0]["citation"]["article"] == 13

    for user in (filer_a, secrecy, auditor):
        assert [r.pk for r in selectors.visible_resources(user, project)] == [secret.pk, open_.pk]
        assert client_for(user).get(f"/api/v1/oversight/resources/{secret.pk}").status_code == 200
    assert [r.pk for r in selectors.visible_resources(drc_reviewer, project)] == [open_.pk]
    drc = client_for(drc_reviewer)
    assert drc.get(f"/api/v1/oversight/resources/{secret.pk}").status_code == 404
    assert [r["id"] for r in drc.get(f"/api/v1/oversight/projects/{project.pk}").json()["resources"]] == [open_.pk]
    page = drc.get(reverse("oversight:project", args=[project.pk])).content.decode()
    assert "学校名录" in page and "涉密人员名册" not in page
    with pytest.raises(Http404):
        services.feedback_add(actor=drc_reviewer, resource_id=secret.pk, text="x")
    assert "涉密人员名册" in client_for(auditor).get(reverse("oversight:project", args=[project.pk])).content.decode()
    # The audit trail does not carry the secret resource's name either.
    event = AuditEvent.objects.get(action="oversight.resource_added", object_id=str(secret.pk))
    assert "涉密人员名册" not in str(event.after) + event.object_label


def test_visibility_between_units(filer_a, filer_b, drc_reviewer, project, on, client_for):
    on(date(2026, 5, 1))
    services.supervision_finding_record(actor=drc_reviewer, project_id=project.pk, area="schedule",
                                        description="进度滞后。", requirement="制定赶工计划。")
    b = client_for(filer_b)
    assert b.get(reverse("oversight:project", args=[project.pk])).status_code == 404
    assert b.get(f"/api/v1/oversight/projects/{project.pk}").status_code == 404
    assert b.get("/api/v1/oversight/rectifications").json() == []
    assert len(client_for(filer_a).get("/api/v1/oversight/rectifications").json()) == 1
    with pytest.raises(Http404):
        services.resource_add(actor=filer_b, project_id=project.pk, name="x", sharing_type="unconditional")
    response = b.post(f"/api/v1/oversight/projects/{project.pk}/monitoring-reports", {
        "year": 2026, "planned_progress_percent": "50", "actual_progress_percent": "50", "planned_spend": "1",
        "actual_spend": "1", "progress": "x", "budget_execution": "x", "using_unit_opinion": "x",
        "supervision_opinion": "x"}, content_type="application/json")
    assert response.status_code == 404


# --- 第三十三条、第五十一条 制裁 ----------------------------------------------------------------------


def test_unit_sanctioned_for_not_sharing_gets_the_article_33_finding(filer_a, bdc, project, on, client_for):
    on(date(2026, 11, 1))
    services.sharing_violation_record(actor=bdc, project_id=project.pk, year=2026, failed_to_share=True,
                                      description="学籍数据未按目录向共享交换平台提供。")
    assert selectors.unit_sanctions_findings(project.unit, date(2026, 11, 2)) == []  # the next year only
    findings = selectors.unit_sanctions_findings(project.unit, date(2027, 3, 1))
    assert [(f.rule, f.citation.article) for f in findings] == [("sharing_no_new_systems", 33)]
    assert findings[0].message == (f"项目“{project}”2026 年未按要求共享数据资源：2027 年度不予审批该项目单位其他新建、"
                                   "改建、扩建政务信息系统。")
    assert findings[0].evidence["项目"] == str(project) and findings[0].evidence["原因"] == "2026 年未按要求共享数据资源"
    blocks = selectors.project_om_blocks(project, date(2027, 1, 5))
    assert [(f.rule, f.citation.article) for f in blocks] == [("sharing_no_om_funding", 33)]
    assert selectors.project_om_blocks(project, date(2027, 1, 5), year=2028) == []

    on(date(2027, 3, 1))
    page = client_for(filer_a).get(reverse("oversight:project", args=[project.pk])).content.decode()
    assert "2027 年度不提供该项目新增政务云资源" in page and "第三十三条" in page
    with pytest.raises(PermissionDenied):
        services.sharing_violation_record(actor=filer_a, project_id=project.pk, year=2026, failed_to_share=True,
                                          description="x")


def test_failed_cryptography_assessment_brings_article_51(filer_a, project):
    services.security_profile_save(actor=filer_a, project_id=project.pk, mlps_level=3, mlps_plan=True,
                                   cryptography_plan=True, cryptography_assessment="failed")
    today = date(2026, 12, 1)
    findings = selectors.unit_sanctions_findings(project.unit, today)
    assert [(f.rule, f.citation.article) for f in findings] == [("security_no_new_systems", 51)]
    assert [f.rule for f in selectors.project_om_blocks(project, today)] == ["security_no_om_funding"]
    with pytest.raises(PermissionDenied):
        services.security_profile_save(actor=filer_a, project_id=project.pk, major_hidden_danger=False)
    services.security_profile_save(actor=filer_a, project_id=project.pk, cryptography_assessment="passed")
    assert selectors.unit_sanctions_findings(project.unit, today) == []
