"""Construction, changes, suspension and termination, trial run and acceptance (第二十六条–第三十二条),
through the real write paths, one page and one API call per area."""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import OrgKind, Role
from audit.models import AuditEvent
from delivery import selectors, services
from delivery.models import ChangeRequest, ChangeStatus, TerminationStatus
from projects.models import Stage
from projects.services import ActionRefused, transition_project
from rules.ch04_construction import AcceptanceMaterial, required_acceptance_materials
from tests import factories

pytestmark = pytest.mark.django_db

ALL_MATERIALS = [str(m) for m in required_acceptance_materials("self_built", False)]


def on(day: date):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def approve(project, filer, office, drc, total="10000000.00", approval_date=date(2025, 1, 10)):
    """Reach APPROVED without the reviews app, through the lifecycle transitions."""
    with transaction.atomic():
        transition_project(actor=filer, project_id=project.pk, transition="submit", action="declaration.submitted")
        transition_project(actor=office, project_id=project.pk, transition="put_on_annual_list", action="test.listed")
        transition_project(actor=filer, project_id=project.pk, transition="submit_for_approval",
                           action="test.submitted_for_approval")
        transition_project(actor=drc, project_id=project.pk, transition="approve", action="test.approved",
                           apply=lambda p: (setattr(p, "approved_total_investment", Decimal(total)),
                                            setattr(p, "approval_date", approval_date), {})[-1])
    project.refresh_from_db()
    return project


@pytest.fixture
def head_a(unit_a):
    return factories.user("head_a", unit_a, Role.UNIT_HEAD)


@pytest.fixture
def leading_group(db):
    return factories.user("lg_r", factories.body(OrgKind.LEADING_GROUP), Role.REVIEWER)


@pytest.fixture
def approved(filer_a, office_reviewer, drc_reviewer, head_a):
    return approve(factories.project(filer_a), filer_a, office_reviewer, drc_reviewer)


def build(project, filer, months=12, started_on=date(2025, 2, 1)):
    services.contract_add(actor=filer, project_id=project.pk, kind="supervision", party="某监理公司",
                          amount=Decimal("300000.00"), signed_on=date(2025, 1, 20))
    services.start_construction(actor=filer, project_id=project.pk, responsible_person="head_a",
                                supervision_contractor="某监理公司", construction_period_months=months,
                                started_on=started_on)
    project.refresh_from_db()
    return project


def file_change(filer, project, amount, total_after="10000000.00", **extra):
    return services.change_file(actor=filer, project_id=project.pk, reasons=["optimisation"], content="优化技术方案",
                                amount_moved=Decimal(amount), total_investment_after=Decimal(total_after),
                                goals_unchanged=True, **extra)


# --- 第二十六条 -------------------------------------------------------------------------------

def test_construction_needs_the_units_principal_and_a_supervision_contract(approved, filer_a):
    with pytest.raises(ActionRefused) as exc:
        services.start_construction(actor=filer_a, project_id=approved.pk, responsible_person="李四",
                                    supervision_contractor="", construction_period_months=12)
    assert {f.citation.article for f in exc.value.findings if f.blocks} == {26}
    assert "不是项目单位主要负责人“head_a”" in exc.value.message
    assert "未委托工程监理单位" in exc.value.message
    project = build(approved, filer_a)
    assert project.stage == Stage.IN_CONSTRUCTION
    assert project.construction.construction_period_months == 12
    event = AuditEvent.objects.get(action="delivery.construction_started")
    assert event.profile and event.after["responsible_person"] == "head_a"


def test_construction_page_shows_the_record(approved, filer_a, client_for):
    build(approved, filer_a)
    response = client_for(filer_a).get(reverse("delivery:project", args=[approved.pk]))
    assert response.status_code == 200
    assert "某监理公司" in response.content.decode() and "head_a" in response.content.decode()


def test_start_construction_form_keeps_input_and_shows_the_article(approved, filer_a, client_for):
    response = client_for(filer_a).post(reverse("delivery:act", args=[approved.pk, "start"]),
                                        {"responsible_person": "李四", "construction_period_months": "12"})
    body = response.content.decode()
    assert response.status_code == 409
    assert 'value="李四"' in body and "第二十六条" in body


# --- 第二十八条、第二十九条 --------------------------------------------------------------------

def test_fifteen_percent_is_filed_one_step_past_needs_approval(approved, filer_a):
    build(approved, filer_a)
    at_limit = file_change(filer_a, approved, "1500000.00")
    assert at_limit.status == ChangeStatus.FILED and at_limit.this_change_percent == Decimal("15")
    other = approve(factories.project(filer_a, name="另一项目"), filer_a,
                    factories.user("office2", factories.body(OrgKind.LEADING_GROUP_OFFICE), Role.REVIEWER),
                    factories.user("drc2", factories.body(OrgKind.DRC), Role.REVIEWER))
    build(other, filer_a)
    past = file_change(filer_a, other, "1501000.00")
    assert past.status == ChangeStatus.PENDING_APPROVAL and past.this_change_percent == Decimal("15.01")
    assert past.findings[0]["citation"]["article"] == 28


def test_cumulative_reading_counts_earlier_filed_changes(approved, filer_a):
    build(approved, filer_a)
    first = file_change(filer_a, approved, "1000000.00")
    second = file_change(filer_a, approved, "500000.00")
    assert (first.status, second.status) == (ChangeStatus.FILED, ChangeStatus.FILED)
    assert second.cumulative_percent == Decimal("15")
    third = file_change(filer_a, approved, "1000.00")
    assert third.status == ChangeStatus.PENDING_APPROVAL
    assert third.this_change_percent == Decimal("0.01") and third.cumulative_percent == Decimal("15.01")
    event = AuditEvent.objects.filter(action="delivery.change_requested").get()
    assert event.profile and event.findings


def test_drc_approves_a_major_change_once(approved, filer_a, drc_reviewer):
    build(approved, filer_a)
    change = file_change(filer_a, approved, "2000000.00", total_after="11000000.00")
    with pytest.raises(ActionRefused, match="此事项由省发展改革委办理"):
        services.change_decide(actor=filer_a, change_id=change.pk, approve=True)
    services.change_decide(actor=drc_reviewer, change_id=change.pk, approve=True, note="同意")
    with pytest.raises(ActionRefused, match="该调整已处理（已批准），不能再次审批"):
        services.change_decide(actor=drc_reviewer, change_id=change.pk, approve=False)
    approved.refresh_from_db()
    assert approved.approved_total_investment == Decimal("11000000.00")


def test_unapproved_major_change_with_overrun_is_refused(approved, filer_a):
    build(approved, filer_a)
    with pytest.raises(ActionRefused, match="省发展改革委不受理该事后调整申请") as exc:
        file_change(filer_a, approved, "2000000.00", total_after="10500000.00", implemented_before_approval=True)
    assert exc.value.findings[0].citation.article == 28
    assert not ChangeRequest.objects.exists()


def test_change_api_returns_the_classification(approved, filer_a, client_for):
    build(approved, filer_a)
    response = client_for(filer_a).post(
        f"/api/v1/delivery/projects/{approved.pk}/changes", content_type="application/json",
        data={"reasons": ["business_needs"], "content": "调整进度", "amount_moved": "1500000.00",
              "total_investment_after": "10000000.00", "goals_unchanged": True})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "filed" and response.json()["kind"] == "self_adjustment"


# --- 第三十条 ----------------------------------------------------------------------------------

def test_suspended_project_refuses_a_change_and_resumes(approved, filer_a, drc_reviewer, client_for):
    build(approved, filer_a)
    report = services.trouble_report(actor=filer_a, project_id=approved.pk, serious_delay=True, major_loss=False,
                                     description="进度严重滞后")
    services.trouble_respond(actor=drc_reviewer, report_id=report.pk, suspend=True, note="暂停建设")
    approved.refresh_from_db()
    assert approved.stage == Stage.SUSPENDED
    with pytest.raises(ActionRefused, match="项目已暂停建设（第三十条）：暂停期间只能"):
        file_change(filer_a, approved, "1000.00")
    response = client_for(filer_a).post(reverse("delivery:act", args=[approved.pk, "change"]),
                                        {"reasons": ["optimisation"], "content": "x", "amount_moved": "1",
                                         "total_investment_after": "10000000", "goals_unchanged": "on"})
    assert response.status_code == 409 and "项目已暂停建设" in response.content.decode()
    resumed = client_for(drc_reviewer).post(f"/api/v1/delivery/projects/{approved.pk}/resume",
                                            content_type="application/json", data={"note": "整改完成"})
    assert resumed.status_code == 200 and resumed.json()["stage"] == "in_construction"


def test_termination_needs_the_leading_groups_approval(approved, filer_a, drc_reviewer, leading_group, client_for):
    build(approved, filer_a)
    request = services.termination_request(actor=filer_a, project_id=approved.pk, substantive_progress=True,
                                           cause="external_change", overall_goal_unattainable=True,
                                           explanation="外部环境变化")
    with pytest.raises(ActionRefused, match="须先由省发展改革委核报领导小组"):
        services.termination_decide(actor=leading_group, request_id=request.pk, approve=True)
    services.termination_report(actor=drc_reviewer, request_id=request.pk)
    with pytest.raises(ActionRefused, match="终止项目建设须经领导小组同意"):
        services.termination_decide(actor=drc_reviewer, request_id=request.pk, approve=True)
    response = client_for(leading_group).post(f"/api/v1/delivery/termination-requests/{request.pk}/decision",
                                              content_type="application/json", data={"approve": True})
    assert response.status_code == 200 and response.json()["status"] == TerminationStatus.APPROVED
    approved.refresh_from_db()
    assert approved.stage == Stage.TERMINATED


# --- 第三十一条、第三十二条 --------------------------------------------------------------------

def run_trial(project, filer):
    with on(date(2025, 12, 1)):
        services.start_trial_run(actor=filer, project_id=project.pk, started_on=date(2025, 11, 30))


def test_acceptance_after_the_trial_run_and_the_opinion_pdf(approved, filer_a, filer_b, drc_reviewer, client_for):
    build(approved, filer_a)
    run_trial(approved, filer_a)
    with on(date(2026, 2, 28)), pytest.raises(ActionRefused) as exc:
        services.apply_for_acceptance(actor=filer_a, project_id=approved.pk, materials=ALL_MATERIALS)
    blocked = [f for f in exc.value.findings if f.blocks]
    assert [f.citation.label for f in blocked] == ["第三十一条第一款"]
    assert "2026-02-28 期满，2026-03-01 起可以申请" in exc.value.message
    with on(date(2026, 3, 1)):
        response = client_for(filer_a).post(f"/api/v1/delivery/projects/{approved.pk}/acceptance",
                                            content_type="application/json", data={"materials": ALL_MATERIALS})
    assert response.status_code == 201, response.content
    approved.refresh_from_db()
    assert approved.stage == Stage.ACCEPTANCE_APPLIED
    with on(date(2026, 3, 20)):
        application = services.acceptance_decide(actor=drc_reviewer, project_id=approved.pk, passed=True,
                                                 opinion="验收合格")
    assert application.opinion_number == "川发改验〔2026〕1号"
    approved.refresh_from_db()
    assert approved.stage == Stage.ACCEPTED
    pdf = client_for(filer_a).get(reverse("delivery:opinion_pdf", args=[approved.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client_for(filer_b).get(reverse("delivery:opinion_pdf", args=[approved.pk])).status_code == 404


def test_missing_materials_are_named(approved, filer_a):
    build(approved, filer_a)
    run_trial(approved, filer_a)
    with on(date(2026, 3, 1)), pytest.raises(ActionRefused, match="验收材料不全：请补充密码应用安全性评估报告"):
        services.apply_for_acceptance(actor=filer_a, project_id=approved.pk,
                                      materials=[m for m in ALL_MATERIALS
                                                 if m != AcceptanceMaterial.CRYPTOGRAPHY_ASSESSMENT])


def test_page_shows_when_acceptance_becomes_possible(approved, filer_a, client_for):
    build(approved, filer_a)
    run_trial(approved, filer_a)
    with on(date(2026, 1, 5)):
        body = client_for(filer_a).get(reverse("delivery:project", args=[approved.pk])).content.decode()
    assert "2026年3月1日" in body and "申请验收（第三十一条）" in body


def test_overdue_acceptance_bars_the_unit_until_accepted(filer_a, office_reviewer, drc_reviewer, head_a, unit_a):
    project = approve(factories.project(filer_a), filer_a, office_reviewer, drc_reviewer,
                      approval_date=date(2024, 6, 1))
    build(project, filer_a, months=12, started_on=date(2024, 7, 1))
    run_trial(project, filer_a)
    assert selectors.acceptance_due_on(project, date(2026, 1, 15)) == date(2025, 9, 1)
    assert selectors.unit_acceptance_sanctions(unit_a, date(2025, 9, 1)) == []
    findings = selectors.unit_acceptance_sanctions(unit_a, date(2025, 9, 2))
    assert {f.citation.article for f in findings} == {32} and len(findings) == 3
    assert "逾期未申请验收（验收期限 2025-09-01）" in findings[2].message
    with on(date(2026, 3, 1)):
        services.apply_for_acceptance(actor=filer_a, project_id=project.pk, materials=ALL_MATERIALS)
    with on(date(2026, 3, 10)):
        services.acceptance_decide(actor=drc_reviewer, project_id=project.pk, passed=True, opinion="合格")
    assert selectors.unit_acceptance_sanctions(unit_a, date(2026, 3, 11)) == []


def test_failed_acceptance_bars_the_unit(approved, filer_a, drc_reviewer, unit_a):
    build(approved, filer_a)
    run_trial(approved, filer_a)
    with on(date(2026, 3, 1)):
        services.apply_for_acceptance(actor=filer_a, project_id=approved.pk, materials=ALL_MATERIALS)
        services.acceptance_decide(actor=drc_reviewer, project_id=approved.pk, passed=False, opinion="性能不达标")
    approved.refresh_from_db()
    assert approved.stage == Stage.ACCEPTANCE_FAILED
    assert "验收不合格" in selectors.unit_acceptance_sanctions(unit_a, date(2026, 3, 2))[0].message


def test_deferral_moves_the_due_date(approved, filer_a, client_for):
    build(approved, filer_a)
    due = selectors.acceptance_due_on(approved, date(2025, 3, 1))
    assert due == date(2026, 4, 10)
    with on(date(2026, 3, 1)), pytest.raises(ActionRefused, match="应晚于原验收期限"):
        services.deferral_request(actor=filer_a, project_id=approved.pk, new_date=date(2026, 4, 1), reason="延误")
    with on(date(2026, 3, 1)):
        response = client_for(filer_a).post(reverse("delivery:act", args=[approved.pk, "defer"]),
                                            {"new_date": "2026-07-31", "reason": "设备到货延误"})
    assert response.status_code == 302
    assert selectors.acceptance_due_on(approved, date(2026, 3, 2)) == date(2026, 7, 31)


def test_drc_page_offers_the_pending_decisions(approved, filer_a, drc_reviewer, client_for):
    build(approved, filer_a)
    file_change(filer_a, approved, "2000000.00")
    services.termination_request(actor=filer_a, project_id=approved.pk, substantive_progress=True,
                                 cause="force_majeure", overall_goal_unattainable=True, explanation="不可抗力")
    body = client_for(drc_reviewer).get(reverse("delivery:project", args=[approved.pk])).content.decode()
    assert "审批重大调整：优化技术方案" in body and "核报领导小组" in body and 'data-confirm="' in body
