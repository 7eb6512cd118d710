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
from projects import form_tokens
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
                                         "total_investment_after": "10000000", "goals_unchanged": "on",
                                         "form_token": form_tokens.issue("delivery.change")})
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


# --- 第二十六条第二款 档案, 第二十七条 参建部门 ------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_archive_keeps_checked_files_and_refuses_an_executable(approved, filer_a, filer_b, client_for, settings,
                                                              tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STORAGE_DIR = tmp_path
    build(approved, filer_a)
    c = client_for(filer_a)
    ok = c.post(reverse("delivery:act", args=[approved.pk, "archive"]),
                {"category": "supervision", "title": "工程监理合同", "reference": "JL-001", "dated": "2025-01-20",
                 "file": SimpleUploadedFile("监理合同.pdf", PDF, content_type="application/pdf")})
    assert ok.status_code == 302
    refused = c.post(reverse("delivery:act", args=[approved.pk, "archive"]),
                     {"category": "other", "title": "程序", "dated": "2025-01-20",
                      "file": SimpleUploadedFile("setup.pdf", b"MZ\x90\x00" + b"\x00" * 60)})
    body = refused.content.decode()
    assert refused.status_code == 422 and "文件实际是 Windows 可执行程序" in body and 'value="程序"' in body
    page = c.get(reverse("delivery:project", args=[approved.pk])).content.decode()
    assert "项目档案" in page and "工程监理合同" in page and "JL-001" in page and "监理合同.pdf" in page
    entry = approved.archive_entries.get()
    download = c.get(reverse("delivery:archive_download", args=[entry.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert client_for(filer_b).get(reverse("delivery:archive_download", args=[entry.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="delivery.archived", project=approved).count() == 1


def test_participating_departments_scope_and_progress(approved, filer_a, unit_b, client_for):
    build(approved, filer_a)
    with pytest.raises(ActionRefused, match="参建部门测试单位乙的建设范围或责任义务未落实") as exc:
        services.participant_add(actor=filer_a, project_id=approved.pk, department_id=unit_b.pk, scope="数据接口",
                                 responsibilities=" ")
    assert exc.value.findings[0].citation.article == 27
    c = client_for(filer_a)
    response = c.post(f"/api/v1/delivery/projects/{approved.pk}/participants", content_type="application/json",
                      data={"department_id": unit_b.pk, "scope": "数据接口和业务模块", "responsibilities": "提供数据并维护模块"})
    assert response.status_code == 201, response.content
    row_id = response.json()["id"]
    progress = c.post(f"/api/v1/delivery/participants/{row_id}/progress", content_type="application/json",
                      data={"progress_percent": "40.50", "note": "接口联调完成"})
    assert progress.status_code == 200 and progress.json()["progress_percent"] == "40.50"
    page = c.get(reverse("delivery:project", args=[approved.pk])).content.decode()
    assert "测试单位乙" in page and "数据接口和业务模块" in page and "40.50%" in page and "接口联调完成" in page
    assert "各参建部门的建设范围和责任义务已落实" in page


# --- 第二十九条 两种口径 --------------------------------------------------------------------------

def test_per_change_reading_in_a_city_profile_and_both_figures_on_the_page(filer_a, head_a, office_reviewer,
                                                                          drc_reviewer, sysadmin, client_for):
    from policy.services import save_profile

    save_profile({"key": "chengdu-per-change", "name": "成都市办法（按次计算）", "jurisdiction": "510100",
                  "parent_jurisdiction": "510000", "effective_from": "2024-01-01",
                  "parameters": {"change.adjustment_amount_reading": "per_change"}}, actor=sysadmin)
    city_unit = factories.org("T-CD", "成都市测试单位", kind="city_project_unit", jurisdiction="510100")
    city_filer = factories.user("filer_cd", city_unit, Role.FILER)
    factories.user("head_cd", city_unit, Role.UNIT_HEAD)
    city = approve(factories.project(city_filer, name="成都项目"), city_filer, office_reviewer, drc_reviewer)
    services.contract_add(actor=city_filer, project_id=city.pk, kind="supervision", party="某监理公司",
                          amount=Decimal("1.00"), signed_on=date(2025, 1, 20))
    services.start_construction(actor=city_filer, project_id=city.pk, responsible_person="head_cd",
                                supervision_contractor="某监理公司", construction_period_months=12,
                                started_on=date(2025, 2, 1))
    province = approve(factories.project(filer_a, name="省级项目"), filer_a, office_reviewer, drc_reviewer)
    build(province, filer_a)
    for project, filer in ((city, city_filer), (province, filer_a)):
        file_change(filer, project, "1000000.00")
        file_change(filer, project, "500000.00")
    city_last = file_change(city_filer, city, "1000.00")
    province_last = file_change(filer_a, province, "1000.00")
    assert city_last.status == ChangeStatus.FILED and city_last.profile.startswith("chengdu-per-change")
    assert province_last.status == ChangeStatus.PENDING_APPROVAL
    assert (city_last.this_change_percent, city_last.cumulative_percent) == (Decimal("0.01"), Decimal("15.01"))
    page = client_for(filer_a).get(reverse("delivery:project", args=[province.pk])).content.decode()
    assert "本次 10.00%<br>累计 10.00%" in page and "本次 5.00%<br>累计 15.00%" in page
    assert "本次 0.01%<br>累计 15.01%" in page and "资金调整数额（按项目累计计）15.01%" in page and "重大调整（须审批）" in page
    city_page = client_for(city_filer).get(reverse("delivery:project", args=[city.pk])).content.decode()
    assert "资金调整数额（按单次计）0.01%" in city_page
    assert "本次 0.01%<br>累计 15.01%" in city_page and city_page.count("已报备") >= 3


# --- 第三十条 暂停期间 -------------------------------------------------------------------------

def test_suspended_project_refuses_delivery_and_funding_actions_with_article_30(approved, filer_a, drc_reviewer,
                                                                               client_for):
    from funding import services as funding_services

    build(approved, filer_a)
    procurement = funding_services.procurement_create(
        actor=filer_a, project_id=approved.pk, title="设备采购", budget=Decimal("100000.00"), method="open_tender",
        category="goods", scoring_method="comprehensive", price_weight=Decimal("30"),
        criteria=[{"name": "技术", "weight": Decimal("70")}])
    report = services.trouble_report(actor=filer_a, project_id=approved.pk, serious_delay=False, major_loss=True,
                                     description="投资损失")
    services.trouble_respond(actor=drc_reviewer, report_id=report.pk, suspend=True, note="暂停")
    refused = {
        "开始试运行": lambda: services.start_trial_run(actor=filer_a, project_id=approved.pk),
        "登记合同": lambda: services.contract_add(actor=filer_a, project_id=approved.pk, kind="procurement",
                                               party="x", amount=Decimal("1.00"), signed_on=date(2025, 3, 1)),
        "登记资金支付": lambda: funding_services.disbursement_add(
            actor=filer_a, project_id=approved.pk, paid_on=date(2025, 3, 1), amount=Decimal("1.00"), purpose="p",
            voucher_no="S1"),
        "登记政府采购": lambda: funding_services.procurement_create(
            actor=filer_a, project_id=approved.pk, title="t", budget=Decimal("1.00"), method="open_tender",
            category="goods", scoring_method="comprehensive", price_weight=Decimal("30"),
            criteria=[{"name": "技术", "weight": Decimal("70")}]),
        "登记投标": lambda: funding_services.bid_add(actor=filer_a, procurement_id=procurement.pk, bidder="甲",
                                                  price=Decimal("1.00"), scores={"技术": Decimal("80")}),
        "申报运维经费预算": lambda: funding_services.om_declaration_submit(
            actor=filer_a, project_id=approved.pk, round="new", service_ends_on=date(2027, 6, 30),
            amount=Decimal("1.00")),
    }
    for doing, action in refused.items():
        with pytest.raises(ActionRefused) as exc:
            action()
        assert exc.value.message == ("项目已暂停建设（第三十条）：暂停期间只能由省发展改革委恢复建设或经领导小组同意终止项目，"
                                     f"不能{doing}。")
    page = client_for(filer_a).post(reverse("funding:act", args=[approved.pk, "disbursement"]),
                                    {"paid_on": "2025-03-01", "amount": "1.00", "purpose": "p", "voucher_no": "S2"})
    assert page.status_code == 409 and "项目已暂停建设（第三十条）" in page.content.decode()
    api = client_for(filer_a).post(f"/api/v1/funding/projects/{approved.pk}/om-declarations",
                                   content_type="application/json",
                                   data={"round": "new", "service_ends_on": "2027-06-30", "amount": "1.00"})
    assert api.status_code == 409 and api.json()["findings"][0]["citation"]["article"] == 30


# --- 第三十一条 试运行期满（月末） --------------------------------------------------------------

@pytest.mark.parametrize(("started", "last_day_refused", "first_day_allowed"), [
    (date(2025, 1, 30), date(2025, 4, 30), date(2025, 5, 1)),
    (date(2025, 1, 31), date(2025, 4, 30), date(2025, 5, 1)),
    (date(2023, 11, 29), date(2024, 2, 29), date(2024, 3, 1)),
    (date(2024, 2, 29), date(2024, 5, 29), date(2024, 5, 30)),
    (date(2025, 11, 30), date(2026, 2, 28), date(2026, 3, 1)),
])
def test_trial_run_ends_at_month_ends(filer_a, office_reviewer, drc_reviewer, head_a, started, last_day_refused,
                                     first_day_allowed):
    project = approve(factories.project(filer_a), filer_a, office_reviewer, drc_reviewer,
                      approval_date=date(2023, 1, 10))
    build(project, filer_a, started_on=date(2023, 2, 1))
    with on(started):
        services.start_trial_run(actor=filer_a, project_id=project.pk, started_on=started)
    with on(last_day_refused), pytest.raises(ActionRefused) as exc:
        services.apply_for_acceptance(actor=filer_a, project_id=project.pk, materials=ALL_MATERIALS)
    assert f"{last_day_refused} 期满，{first_day_allowed} 起可以申请" in exc.value.message
    assert [f.citation.label for f in exc.value.findings if f.blocks] == ["第三十一条第一款"]
    with on(first_day_allowed):
        services.apply_for_acceptance(actor=filer_a, project_id=project.pk, materials=ALL_MATERIALS)
    project.refresh_from_db()
    assert project.stage == Stage.ACCEPTANCE_APPLIED


# --- 第三十一条第三款 购买服务, 第五十条 安全审查, 报备 ----------------------------------------------

def purchased(filer, office, drc):
    project = approve(factories.project(filer, name="购买服务项目", delivery_mode="purchased_service"), filer, office,
                      drc)
    return build(project, filer)


def test_purchased_service_is_accepted_by_the_unit_and_reviewed_by_the_drc(filer_a, office_reviewer, drc_reviewer,
                                                                          head_a, client_for):
    project = purchased(filer_a, office_reviewer, drc_reviewer)
    run_trial(project, filer_a)
    with on(date(2026, 3, 5)), pytest.raises(ActionRefused, match="政府购买服务项目由项目单位组织验收") as exc:
        services.apply_for_acceptance(actor=filer_a, project_id=project.pk, materials=["acceptance_result"])
    assert "第三十一条第三款" in [f.citation.label for f in exc.value.findings if f.blocks]
    with on(date(2026, 3, 5)):
        response = client_for(filer_a).post(reverse("delivery:act", args=[project.pk, "apply"]), {
            "materials": ["acceptance_result"], "trial_run_normal": "on", "unit_accepted_on": "2026-03-03",
            "unit_result": "服务质量达到合同约定", "mlps_test": "not_done", "classified_protection_test": "not_done",
            "data_security_assessment": "not_done", "cryptography_assessment": "not_done"})
    assert response.status_code == 302
    application = selectors.latest_acceptance(project)
    assert application.unit_organised and application.unit_accepted_on == date(2026, 3, 3)
    assert application.security == {} and application.security_findings[0]["outcome"] == "warn"
    with on(date(2026, 3, 10)):
        page = client_for(drc_reviewer).get(reverse("delivery:project", args=[project.pk])).content.decode()
        assert "审核项目单位的验收结果（第三十一条第三款）" in page and "服务质量达到合同约定" in page
        decided = services.acceptance_decide(actor=drc_reviewer, project_id=project.pk, passed=True, opinion="同意")
    assert decided.opinion_number == "川发改验审〔2026〕1号" and decided.decision_name == "审核意见"
    pdf = client_for(filer_a).get(reverse("delivery:opinion_pdf", args=[project.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_failed_security_test_blocks_a_pass_but_not_a_failure(approved, filer_a, drc_reviewer):
    build(approved, filer_a)
    run_trial(approved, filer_a)
    security = {"secure_reliable_statement": True, "mlps_test": "failed", "data_security_assessment": "passed",
                "cryptography_assessment": "passed"}
    with on(date(2026, 3, 1)):
        services.apply_for_acceptance(actor=filer_a, project_id=approved.pk, materials=ALL_MATERIALS,
                                      security=security)
    with on(date(2026, 3, 2)), pytest.raises(ActionRefused, match="网络安全等级保护测评未通过") as exc:
        services.acceptance_decide(actor=drc_reviewer, project_id=approved.pk, passed=True, opinion="合格")
    assert {f.citation.article for f in exc.value.findings if f.blocks} == {50}
    with on(date(2026, 3, 2)):
        services.acceptance_decide(actor=drc_reviewer, project_id=approved.pk, passed=False, opinion="等保测评未通过")
    approved.refresh_from_db()
    assert approved.stage == Stage.ACCEPTANCE_FAILED


def test_acceptance_is_filed_with_the_office_who_registers_it(approved, filer_a, filer_b, drc_reviewer,
                                                              office_reviewer, client_for):
    build(approved, filer_a)
    run_trial(approved, filer_a)
    with pytest.raises(ActionRefused, match="尚无验收结论，不能报备验收情况"):
        services.acceptance_file(actor=filer_a, project_id=approved.pk, summary="x")
    with on(date(2026, 3, 1)):
        services.apply_for_acceptance(actor=filer_a, project_id=approved.pk, materials=ALL_MATERIALS)
        services.acceptance_decide(actor=drc_reviewer, project_id=approved.pk, passed=True, opinion="合格")
    response = client_for(filer_a).post(reverse("delivery:act", args=[approved.pk, "file_acceptance"]),
                                        {"summary": "验收合格，已出具验收意见"})
    assert response.status_code == 302
    with pytest.raises(ActionRefused, match="该次验收情况已向领导小组办公室报备"):
        services.acceptance_file(actor=filer_a, project_id=approved.pk, summary="再报")
    office = client_for(office_reviewer)
    listing = office.get(reverse("delivery:filings")).content.decode()
    assert approved.number in listing and "验收合格，已出具验收意见" in listing and "登记备案" in listing
    filing = approved.acceptance_filings.get()
    assert client_for(filer_b).get(reverse("delivery:filings")).status_code == 403
    with pytest.raises(ActionRefused, match="验收报备由领导小组办公室登记备案"):
        services.acceptance_filing_register(actor=drc_reviewer, filing_id=filing.pk)
    assert office.post(reverse("delivery:filings"), {"filing_id": filing.pk}).status_code == 302
    filing.refresh_from_db()
    assert filing.registered_by == office_reviewer
    assert [e.action for e in AuditEvent.objects.filter(project=approved, action__startswith="delivery.acceptance_fil")
            .order_by("seq")] == ["delivery.acceptance_filed", "delivery.acceptance_filing_registered"]


def test_overdue_acceptance_is_shown_on_the_units_funding_page(filer_a, office_reviewer, drc_reviewer, head_a,
                                                                client_for):
    project = approve(factories.project(filer_a), filer_a, office_reviewer, drc_reviewer,
                      approval_date=date(2024, 6, 1))
    build(project, filer_a, months=12, started_on=date(2024, 7, 1))
    with on(date(2025, 9, 2)):
        page = client_for(filer_a).get(reverse("funding:project", args=[project.pk])).content.decode()
    assert "逾期未申请验收（验收期限 2025-09-01）：不批准项目单位新增项目" in page
    assert "逾期未申请验收，不安排该项目运行维护经费" in page and "第三十二条" in page
    with on(date(2025, 9, 1)):
        page = client_for(filer_a).get(reverse("funding:project", args=[project.pk])).content.decode()
    assert "不批准项目单位新增项目" not in page


def test_delivery_api_amounts_are_decimal_strings(approved, filer_a, client_for):
    build(approved, filer_a)
    file_change(filer_a, approved, "1500000.00")
    body = client_for(filer_a).get(f"/api/v1/delivery/projects/{approved.pk}").json()
    assert body["project"]["approved_total_investment"] == "10000000.00"
    assert body["contracts"][0]["amount"] == "300000.00"
    assert body["changes"][0]["amount_moved"] == "1500000.00" and isinstance(body["changes"][0]["cumulative_percent"],
                                                                             str)
