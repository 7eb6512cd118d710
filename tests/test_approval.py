"""The approval path (第十八条、第十九条、第二十一条、第二十三条、第二十五条、第十条), opinions (第二十二条),
evaluation (第二十四条) and the approval (批复): services, pages and API."""

import base64
import re
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.models import OrgKind, Role
from audit.models import AuditEvent
from policy.services import save_profile
from projects.models import Project, Stage
from projects.services import ActionRefused
from reviews import services
from reviews.models import Approval, ApprovalApplication, OpinionRequest
from tests import factories
from tests.test_reviews import OPINION_BODIES, listed, post_json, reviewer

TWO_STAGE = {"path": "two_stage", "has_integration_sharing_chapter": True, "summary": "建设教育数据共享交换平台"}
MERGED = {"path": "merged", "has_integration_sharing_chapter": True, "depth_requirements_met": True}
SERVICE_PLAN = {name: f"{label}的内容" for name, label in [
    ("necessity_analysis", "必要性"), ("technical_analysis", "技术性"), ("economic_analysis", "经济性"),
    ("sharing_analysis", "共享"), ("security_requirements", "安全"), ("build_vs_buy_comparison", "比较"),
    ("funding_needs", "经费"), ("procurement_plan", "采购"), ("main_objectives", "目标"),
    ("service_requirements", "服务需求")]}
PURCHASED = {"path": "purchased_service", **SERVICE_PLAN, "potential_providers": 3,
             "meets_security_secrecy_requirements": True, "service_life_years": 3,
             "construction_cost": Decimal("400000.00"), "annual_om_costs": ["200000.00"] * 3,
             "annual_service_fees": ["300000.00", "300000.00", "300000.00"]}


def save(project, data, **kwargs):
    return services.application_save(actor=project.created_by, project_id=project.pk, data=data, **kwargs)


def submit_for_approval(project, data, **kwargs):
    save(project, data, **kwargs)
    return services.approval_submit(actor=project.created_by, project_id=project.pk)


def finding(findings, rule):
    return next(f for f in findings if f.rule == rule)


def answer_all(project, *, skip=()):
    for kind in OPINION_BODIES:
        if kind in skip:
            continue
        opinion = OpinionRequest.objects.get(project=project, body__kind=kind)
        services.opinion_answer(actor=reviewer(kind), opinion_id=opinion.pk, answer="agree")


def evaluate(project):
    return services.evaluation_record(actor=reviewer(OrgKind.DRC), project_id=project.pk, evaluator_kind="third_party",
                                      evaluator="四川省工程咨询研究院", conclusion="agree",
                                      evaluated_on=timezone.localdate())


def approve(project, actor=None, amount="17500000.00"):
    return services.approve(actor=actor or reviewer(OrgKind.DRC), project_id=project.pk,
                            approved_total_investment=Decimal(amount), approved_content="建设数据共享交换平台及配套安全系统",
                            funding_sources="省级预算内基本建设资金", construction_months=18)


def ready_for_approval(project, data=MERGED):
    """Listed → under approval (merged plan) → every opinion and the evaluation in."""
    submit_for_approval(project, data)
    services.opinions_request(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    answer_all(project)
    evaluate(project)
    return project


def _literal_strings(stream: bytes) -> list[bytes]:
    """The PDF literal strings of a content stream, unescaped (balanced parentheses, octal escapes)."""
    escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    strings, i = [], 0
    while i < len(stream):
        if stream[i] != ord("("):
            i += 1
            continue
        depth, out, i = 1, bytearray(), i + 1
        while i < len(stream) and depth:
            c = stream[i]
            if c == ord("\\"):
                nxt = stream[i + 1]
                if ord("0") <= nxt <= ord("7"):
                    j = i + 1
                    while j < len(stream) and j < i + 4 and ord("0") <= stream[j] <= ord("7"):
                        j += 1
                    out.append(int(stream[i + 1:j], 8) & 0xFF)
                    i = j
                    continue
                out.append(escapes.get(nxt, nxt))
                i += 2
                continue
            depth += c == ord("(")
            depth -= c == ord(")")
            if depth:
                out.append(c)
            i += 1
        strings.append(bytes(out))
    return strings


def pdf_text(content: bytes) -> str:
    text = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        raw = match.group(1).strip()
        try:
            raw = zlib.decompress(base64.a85decode(raw, adobe=True))
        except ValueError:
            continue
        if b"Tj" in raw:
            text += [s.decode("utf-16-be", errors="replace") for s in _literal_strings(raw)]
    return "".join(text)


@pytest.fixture
def project(filer_a):
    return listed(factories.project(filer_a, name="全省教育数据共享平台", total_investment="18000000.00"))[0]


# --- the standard two-stage self-built path ----------------------------------------------------

def test_the_two_stage_self_built_path_through_the_services(project, filer_a, filer_b):
    drc = reviewer(OrgKind.DRC)
    application, findings = save(project, TWO_STAGE)
    assert finding(findings, "integration_sharing_chapter").outcome == "pass"
    assert finding(findings, "extra_reviews_required").message.startswith("项目不涉及新建土建工程")
    project = services.approval_submit(actor=filer_a, project_id=project.pk)
    assert project.stage == Stage.UNDER_APPROVAL

    with pytest.raises(ActionRefused, match="可行性研究报告尚未批复"):
        services.preliminary_design_submit(actor=filer_a, project_id=project.pk, budget_estimate=Decimal("1"),
                                           has_integration_sharing_chapter=True)
    application = services.feasibility_approve(actor=drc, project_id=project.pk,
                                               approved_investment=Decimal("17000000.00"))
    year = timezone.localdate().year
    assert application.feasibility_approval_number == f"川发改审批〔{year}〕1号"
    # The budget estimate exceeds the feasibility approval: a separate chapter must explain it (第二十五条).
    with pytest.raises(ActionRefused) as refused:
        services.preliminary_design_submit(actor=filer_a, project_id=project.pk, budget_estimate=Decimal("17500000.00"),
                                           has_integration_sharing_chapter=True)
    assert refused.value.findings[-2].citation.label == "第二十五条"
    assert "须以独立章节说明调整内容及理由" in refused.value.message
    services.preliminary_design_submit(actor=filer_a, project_id=project.pk, budget_estimate=Decimal("17500000.00"),
                                       has_integration_sharing_chapter=True, has_adjustment_chapter=True,
                                       adjustment_text="增加密码应用改造，投资增加 50 万元")

    created = services.opinions_request(actor=drc, project_id=project.pk)
    assert [o.body.kind for o in created] == list(OPINION_BODIES)
    assert {o.remit for o in created} == {"信息安全审核意见", "项目安全可靠和密码应用合规性审核意见", "项目资金审核意见", "技术审核意见"}
    answer_all(project)
    evaluate(project)
    approval = approve(project)

    project.refresh_from_db()
    assert project.stage == Stage.APPROVED
    assert project.approved_total_investment == Decimal("17500000.00") and project.approval_date == timezone.localdate()
    assert approval.number == f"川发改审批〔{year}〕2号"
    event = AuditEvent.objects.filter(project=project, action="approval.approved").get()
    assert event.after == {"stage": "approved", "number": approval.number, "approved_total_investment": "17500000.00",
                           "approval_date": timezone.localdate().isoformat(), "construction_months": 18}
    assert [f["rule"] for f in event.findings] == ["opinions_complete", "two_stage_sequence", "integration_sharing_chapter",
                                                   "adjustment_chapter_present", "major_change_requires_new_feasibility"]

    approval_, content = services.approval_document(actor=filer_a, project_id=project.pk)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert approval.number in text and "全省教育数据共享平台初步设计方案（含投资概算）的批复" in text
    assert "17,500,000.00 元" in text and f"川发改审批〔{year}〕1号" in text  # the feasibility approval it builds on
    download = AuditEvent.objects.filter(action="approval.document_downloaded").get()
    assert download.after["number"] == approval.number and download.actor == filer_a
    with pytest.raises(Http404):
        services.approval_document(actor=filer_b, project_id=project.pk)


def test_the_two_stage_path_through_the_api(project, client_for, filer_b):
    unit = client_for(project.created_by)
    drc = client_for(reviewer(OrgKind.DRC))
    base = f"/api/v1/reviews/projects/{project.pk}"
    saved = post_json(unit, f"{base}/application", {**TWO_STAGE, "has_integration_sharing_chapter": False}, "put")
    assert saved.status_code == 200
    assert [f["citation_label"] for f in saved.json()["findings"] if f["outcome"] == "block"] == ["第十八条第一款"]
    refused = post_json(unit, f"{base}/approval-submission")
    assert refused.status_code == 409 and "缺少系统整合、集约化建设和信息资源共享分析专篇" in refused.json()["detail"][0]["message"]
    submitted = post_json(unit, f"{base}/approval-submission", TWO_STAGE)
    assert submitted.status_code == 200 and submitted.json()["stage"] == "under_approval"
    fs = post_json(drc, f"{base}/feasibility-approval", {"approved_investment": "18000000.00"})
    assert fs.status_code == 201 and fs.json()["feasibility_approval_number"].startswith("川发改审批〔")
    design = post_json(unit, f"{base}/preliminary-design", {"budget_estimate": "17800000.00",
                                                          "has_integration_sharing_chapter": True})
    assert design.status_code == 200 and design.json()["design_budget_estimate"] == "17800000.00"
    requested = post_json(drc, f"{base}/opinion-requests")
    assert requested.status_code == 201 and len(requested.json()) == 7
    for kind in OPINION_BODIES:
        body = client_for(reviewer(kind))
        mine = body.get("/api/v1/reviews/opinions", {"pending": True}).json()
        assert [o["body"] for o in mine] == [kind]
        answered = post_json(body, f"/api/v1/reviews/opinions/{mine[0]['id']}/answer",
                             {"answer": "agree_with_conditions", "text": "按等保三级建设"})
        assert answered.status_code == 200 and answered.json()["days_taken"] == 0
    evaluation = post_json(drc, f"{base}/evaluation", {
        "evaluator_kind": "experts", "evaluator": "省级专家组", "conclusion": "agree",
        "evaluated_on": timezone.localdate().isoformat()})
    assert evaluation.status_code == 201
    approved = post_json(drc, f"{base}/approval", {
        "approved_total_investment": "17800000.00", "approved_content": "平台建设", "funding_sources": "省级财政",
        "construction_months": 12})
    assert approved.status_code == 201 and approved.json()["number"].startswith("川发改审批〔")
    again = post_json(drc, f"{base}/approval", {
        "approved_total_investment": "1.00", "approved_content": "x", "funding_sources": "x", "construction_months": 1})
    assert again.status_code == 409 and "已被他人处理" in again.json()["detail"][0]["message"]
    pdf = unit.get(f"{base}/approval.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert approved.json()["number"] in pdf_text(pdf.content)
    assert client_for(filer_b).get(f"{base}/approval.pdf").status_code == 404
    review = drc.get(base).json()
    assert review["approval"]["approved_total_investment"] == "17800000.00" and len(review["opinions"]) == 7


# --- 第十八条第二款: the merged implementation plan -------------------------------------------

@pytest.mark.parametrize(("amount", "outcome"), [("20000000.00", "pass"), ("20000000.01", "block")])
def test_merged_plan_limit_exactly_and_one_fen_past(filer_a, amount, outcome):
    project = listed(factories.project(filer_a, total_investment=amount))[0]
    _, findings = save(project, MERGED)
    eligible = finding(findings, "merged_plan_eligible")
    assert eligible.outcome == outcome
    if outcome == "pass":
        assert eligible.citation.label == "第十八条第二款第三项"
        assert services.approval_submit(actor=filer_a, project_id=project.pk).stage == Stage.UNDER_APPROVAL
    else:
        with pytest.raises(ActionRefused) as refused:
            services.approval_submit(actor=filer_a, project_id=project.pk)
        assert "总投资 20,000,000.01 元超过 20,000,000.00 元" in refused.value.message
        blocked = finding(refused.value.findings, "merged_plan_eligible")
        assert blocked.evidence["各情形"]["第十八条第二款第三项"] is False
        assert blocked.citation.label == "第十八条第二款"
        assert Project.objects.get(pk=project.pk).stage == Stage.LISTED


def test_a_mandate_allows_a_merged_plan_above_the_limit_but_depth_is_always_required(filer_a):
    project = listed(factories.project(filer_a, total_investment="50000000.00"))[0]
    _, findings = save(project, {**MERGED, "central_or_provincial_mandate": True})
    assert finding(findings, "merged_plan_eligible").citation.label == "第十八条第二款第一项"
    _, findings = save(project, {"depth_requirements_met": False})
    assert "前期工作深度未达到规定要求" in finding(findings, "merged_plan_eligible").message


def test_a_city_profile_with_a_lower_limit_changes_the_outcome(filer_a, sysadmin):
    save_profile({"key": "chengdu-2024", "name": "成都市办法", "jurisdiction": "510100", "parent_jurisdiction": "510000",
                  "effective_from": "2024-01-01", "parameters": {"merged_plan.max_total_investment": "10000000.00"}},
                 actor=sysadmin)
    city_unit = factories.org("T-CD", "成都市测试单位", kind="city_project_unit", jurisdiction="510100")
    city_filer = factories.user("filer_cd", city_unit, Role.FILER)
    city_project, province_project = listed(
        factories.project(city_filer, name="成都项目", total_investment="15000000.00"),
        factories.project(filer_a, name="省级项目", total_investment="15000000.00"))
    assert finding(save(province_project, MERGED)[1], "merged_plan_eligible").outcome == "pass"
    with pytest.raises(ActionRefused, match="总投资 15,000,000.00 元超过 10,000,000.00 元"):
        submit_for_approval(city_project, MERGED)
    event = AuditEvent.objects.filter(project=city_project, action="approval.application_saved").latest("seq")
    assert "chengdu-2024@v1" in event.profile
    # At the city's limit exactly, the merged plan is allowed.
    save(city_project, {"total_investment": Decimal("10000000.00")})
    assert services.approval_submit(actor=city_filer, project_id=city_project.pk).stage == Stage.UNDER_APPROVAL


# --- 第十九条: purchased services ---------------------------------------------------------------

@pytest.mark.parametrize(("last_fee", "outcome"), [("300000.00", "pass"), ("300000.01", "block")])
def test_purchased_service_lifetime_cost_comparison_boundary(filer_a, last_fee, outcome):
    # Self-build: 400,000 + 3 × 200,000 = 1,000,000; with a 10 % saving the fees may total 900,000.00.
    project = listed(factories.project(filer_a, delivery_mode="purchased_service", total_investment="900000.00"))[0]
    _, findings = save(project, {**PURCHASED, "annual_service_fees": ["300000.00", "300000.00", last_fee]})
    comparison = finding(findings, "lifetime_cost_comparison")
    assert comparison.outcome == outcome and comparison.citation.label == "第十九条第二项"
    assert comparison.evidence["自行建设经费总额"] == Decimal("1000000.00")
    if outcome == "block":
        assert "还差 0.01 元" in comparison.message
        with pytest.raises(ActionRefused, match="未明显小于"):
            services.approval_submit(actor=filer_a, project_id=project.pk)
    else:
        assert services.approval_submit(actor=filer_a, project_id=project.pk).stage == Stage.UNDER_APPROVAL


def test_purchased_service_plan_contents_and_conditions(filer_a):
    project = listed(factories.project(filer_a, delivery_mode="purchased_service", total_investment="900000.00"))[0]
    _, findings = save(project, {**PURCHASED, "procurement_plan": "", "potential_providers": 1,
                                 "bundles_works_and_services": True, "construction_cost": None})
    blocked = {(f.rule, f.citation.label) for f in findings if f.outcome == "block"}
    assert blocked == {("service_requirements_plan_complete.procurement_plan", "第十九条"),
                       ("purchased_service_not_goods_or_works", "第十九条第一项"),
                       ("lifetime_cost_comparison", "第十九条第二项"),
                       ("purchased_service_providers", "第十九条第三项")}
    with pytest.raises(ValidationError) as invalid:
        save(project, {"annual_service_fees": ["300000.001"]})
    assert invalid.value.message_dict == {"annual_service_fees": ["第 1 年的金额“300000.001”须为非负数，最多两位小数"]}


def test_the_path_must_fit_the_delivery_mode(project):
    _, findings = save(project, {**PURCHASED})
    mismatch = finding(findings, "approval_path_matches_delivery_mode")
    assert mismatch.outcome == "block" and mismatch.citation.label == "第十八条"


# --- 第二十一条、第十条、第二十三条 -------------------------------------------------------------

def test_cross_department_parts_and_overlaps_are_checked(project, unit_a, unit_b):
    lead = services.PartInput(department_id=unit_a.pk, is_lead=True, scope="建设全省教育数据共享交换平台和数据目录",
                              business_flows="汇聚", data_flows="学籍数据", interfaces="共享接口")
    _, findings = save(project, {**TWO_STAGE, "is_cross_department": True}, parts=[lead])
    assert "须至少有一个参建部门" in finding(findings, "cross_department_structure.participants").message
    participant = services.PartInput(department_id=unit_b.pk, is_lead=False, scope="建设全省教育数据共享交换平台和数据目录",
                                     business_flows="使用", data_flows="学籍数据", interfaces="调用接口")
    _, findings = save(project, {}, parts=[lead, participant])
    overlap = finding(findings, "cross_department_overlap")
    assert overlap.outcome == "warn" and overlap.citation.label == "第二十一条"
    assert "测试单位甲与测试单位乙的建设内容可能重复交叉" in overlap.message
    # A warning does not stop the submission.
    assert services.approval_submit(actor=project.created_by, project_id=project.pk).stage == Stage.UNDER_APPROVAL


def test_a_city_collaboration_project_links_the_cities_projects(project, sysadmin):
    city_unit = factories.org("T-CD", "成都市测试单位", kind="city_project_unit", jurisdiction="510100")
    city_project = factories.project(factories.user("filer_cd", city_unit, Role.FILER), name="成都配套项目")
    _, findings = save(project, {**TWO_STAGE, "needs_city_collaboration": True})
    assert finding(findings, "province_city_linkage").outcome == "warn"
    with pytest.raises(ValidationError, match="没有编号为 ZW2027-99999 的市（州）项目"):
        save(project, {}, city_projects=["ZW2027-99999"])
    with pytest.raises(ValidationError):
        save(project, {}, city_projects=[project.number])  # a provincial project is not a city project
    _, findings = save(project, {}, city_projects=[city_project.number])
    linkage = finding(findings, "province_city_linkage")
    assert linkage.outcome == "pass" and city_project.number in linkage.message and linkage.citation.label == "第十条"


def test_extra_reviews_are_asked_only_for_civil_works_or_high_energy_use(project):
    _, findings = save(project, TWO_STAGE)
    assert finding(findings, "extra_reviews_required").evidence["须办理的审批"] == []
    _, findings = save(project, {"has_new_civil_works": True})
    extra = finding(findings, "extra_reviews_required")
    assert extra.outcome == "warn" and extra.citation.label == "第二十三条"
    assert extra.evidence["须办理的审批"] == ["节能评估", "规划选址", "用地预审", "环境影响评价"]


def test_submission_waits_for_the_fixed_annual_list_and_only_the_unit_submits(filer_a, filer_b):
    project = listed(factories.project(filer_a), fix=False)[0]
    save(project, TWO_STAGE)
    with pytest.raises(ActionRefused, match="2027 年度政务信息化项目清单尚未确定"):
        services.approval_submit(actor=filer_a, project_id=project.pk)
    services.annual_list_fix(actor=reviewer(OrgKind.LEADING_GROUP_OFFICE), year=2027)
    with pytest.raises(Http404):
        services.approval_submit(actor=filer_b, project_id=project.pk)
    with pytest.raises(PermissionDenied):
        services.approval_submit(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    assert services.approval_submit(actor=filer_a, project_id=project.pk).stage == Stage.UNDER_APPROVAL
    with pytest.raises(ActionRefused, match="只有已列入年度清单、尚未报送审批的项目可以修改"):
        save(project, {"summary": "改"})


# --- 第二十二条、第二十四条: opinions, evaluation, provincial government ------------------------

def test_approval_is_refused_while_an_opinion_is_missing_and_names_the_body(project):
    submit_for_approval(project, MERGED)
    with pytest.raises(ActionRefused) as refused:
        approve(project)
    assert "尚未书面征求省委网信办、省国家保密局、省密码管理局、经济和信息化厅、公安厅、财政厅、省大数据中心的意见" in refused.value.message
    services.opinions_request(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    answer_all(project, skip=(OrgKind.CRYPTOGRAPHY_BUREAU,))
    evaluate(project)
    with pytest.raises(ActionRefused) as refused:
        approve(project)
    assert refused.value.message == "尚不能批复：省密码管理局尚未出具书面意见。请在上述意见和评估论证齐备后再批复。"
    assert refused.value.findings[0].citation.label == "第二十二条"
    assert Project.objects.get(pk=project.pk).stage == Stage.UNDER_APPROVAL
    assert not Approval.objects.exists()
    answer_all(project, skip=[k for k in OPINION_BODIES if k != OrgKind.CRYPTOGRAPHY_BUREAU])
    assert approve(project).project_id == project.pk


def test_approval_needs_the_evaluation(project):
    submit_for_approval(project, MERGED)
    services.opinions_request(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    answer_all(project)
    with pytest.raises(ActionRefused) as refused:
        approve(project)
    assert "尚未记录评估论证结论" in refused.value.message and refused.value.findings[0].citation.label == "第二十四条"


def test_a_project_for_the_provincial_government_waits_for_its_agreement(project, client_for):
    ready_for_approval(project)
    drc = reviewer(OrgKind.DRC)
    with pytest.raises(ValidationError):
        services.provincial_government_mark(actor=drc, project_id=project.pk, required=True)
    services.provincial_government_mark(actor=drc, project_id=project.pk, required=True, reason="省政府重点项目")
    assert "须报省政府审定" in client_for(drc).get("/reviews/").content.decode()
    assert "省政府重点项目 · 尚未取得省政府同意" in client_for(drc).get(f"/reviews/projects/{project.pk}/").content.decode()
    with pytest.raises(ActionRefused, match="项目须报省政府审定，尚未取得省政府同意"):
        approve(project)
    services.provincial_government_mark(actor=drc, project_id=project.pk, required=True, reason="省政府重点项目",
                                        agreed_on=timezone.localdate(), reference="省政府第 12 次常务会议纪要")
    assert approve(project).project.approval_application.provincial_government_required


def test_each_body_answers_only_its_own_request(project, client_for):
    submit_for_approval(project, MERGED)
    services.opinions_request(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    cyber_request = OpinionRequest.objects.get(project=project, body__kind=OrgKind.CYBERSPACE_OFFICE)
    finance = reviewer(OrgKind.FINANCE)
    with pytest.raises(Http404):
        services.opinion_answer(actor=finance, opinion_id=cyber_request.pk, answer="agree")
    with pytest.raises(Http404):
        services.opinion_answer(actor=reviewer(OrgKind.DRC), opinion_id=cyber_request.pk, answer="agree")
    with pytest.raises(Http404):
        services.opinion_answer(actor=project.created_by, opinion_id=cyber_request.pk, answer="agree")
    assert post_json(client_for(finance), f"/api/v1/reviews/opinions/{cyber_request.pk}/answer",
                     {"answer": "agree"}).status_code == 404
    assert client_for(finance).get(f"/reviews/opinions/{cyber_request.pk}/").status_code == 404
    cyber_request.refresh_from_db()
    assert not cyber_request.answered
    cyber = reviewer(OrgKind.CYBERSPACE_OFFICE)
    services.opinion_answer(actor=cyber, opinion_id=cyber_request.pk, answer="agree")
    with pytest.raises(ActionRefused, match="本部门已于 .* 出具意见"):
        services.opinion_answer(actor=cyber, opinion_id=cyber_request.pk, answer="disagree", text="改变主意")


def test_opinions_are_due_after_the_profiles_days_and_the_time_taken_is_recorded(project):
    submit_for_approval(project, MERGED)
    created = services.opinions_request(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    today = timezone.localdate()
    assert {o.due_date for o in created} == {today + timedelta(days=15)}
    with pytest.raises(ActionRefused, match="已向全部部门征求意见"):
        services.opinions_request(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    finance_request = OpinionRequest.objects.get(project=project, body__kind=OrgKind.FINANCE)
    OpinionRequest.objects.filter(pk=finance_request.pk).update(requested_at=timezone.now() - timedelta(days=4))
    answered = services.opinion_answer(actor=reviewer(OrgKind.FINANCE), opinion_id=finance_request.pk,
                                       answer="agree_with_conditions", text="资金从 2027 年预算安排")
    assert answered.days_taken == 4 and answered.time_taken >= timedelta(days=4)
    event = AuditEvent.objects.filter(action="opinion.answered").get()
    assert event.after["days_taken"] == 4 and event.after["on_time"] is True
    with pytest.raises(PermissionDenied):
        services.opinions_request(actor=reviewer(OrgKind.FINANCE), project_id=project.pk)


# --- approval: who, once ----------------------------------------------------------------------

def test_two_approvals_of_one_project_the_second_is_refused(project):
    ready_for_approval(project)
    other_drc = factories.user("drc_2", factories.body(OrgKind.DRC), Role.REVIEWER)
    first = approve(project)
    with pytest.raises(ActionRefused) as refused:
        approve(project, actor=other_drc, amount="1.00")
    assert "已被他人处理" in refused.value.message and refused.value.status == 409
    assert Approval.objects.get().number == first.number
    assert Project.objects.get(pk=project.pk).approved_total_investment == Decimal("17500000.00")


def test_only_the_drc_approves(project):
    ready_for_approval(project)
    with pytest.raises(ActionRefused) as refused:
        approve(project, actor=reviewer(OrgKind.LEADING_GROUP_OFFICE))
    assert refused.value.status == 403
    with pytest.raises(ValidationError):
        services.approve(actor=reviewer(OrgKind.DRC), project_id=project.pk, approved_total_investment=Decimal("0"),
                         approved_content="x", funding_sources="x", construction_months=12)
    assert not Approval.objects.exists()


def test_major_change_sends_the_design_back_to_feasibility(project, filer_a):
    submit_for_approval(project, TWO_STAGE)
    services.feasibility_approve(actor=reviewer(OrgKind.DRC), project_id=project.pk,
                                 approved_investment=Decimal("18000000.00"))
    with pytest.raises(ActionRefused, match="原则上应重新审批项目可行性研究报告"):
        services.preliminary_design_submit(actor=filer_a, project_id=project.pk, budget_estimate=Decimal("18000000.00"),
                                           has_integration_sharing_chapter=True, is_major_change=True)
    with pytest.raises(ActionRefused, match="初步设计方案缺少系统整合"):
        services.preliminary_design_submit(actor=filer_a, project_id=project.pk, budget_estimate=Decimal("18000000.00"),
                                           has_integration_sharing_chapter=False)
    services.opinions_request(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    answer_all(project)
    evaluate(project)
    with pytest.raises(ActionRefused, match="项目单位尚未报送初步设计方案"):
        approve(project)


# --- pages ------------------------------------------------------------------------------------

def test_the_approval_path_through_the_pages(project, client_for, filer_b):
    unit = client_for(project.created_by)
    form = unit.get(f"/reviews/projects/{project.pk}/application/").content.decode()
    assert "合并编报项目实施方案的条件" in form and "第二十三条" in form
    data = {"path": "merged", "total_investment": "18000000.00", "depth_requirements_met": "on",
            "summary": "平台建设", "potential_providers": "0", "service_life_years": "0",
            "parts-TOTAL_FORMS": "1", "parts-INITIAL_FORMS": "0", "parts-MIN_NUM_FORMS": "0",
            "parts-MAX_NUM_FORMS": "30", "action": "submit"}
    refused = unit.post(f"/reviews/projects/{project.pk}/application/", data)
    assert refused.status_code == 409
    assert "项目实施方案缺少系统整合、集约化建设和信息资源共享分析专篇（章）" in refused.content.decode()
    done = unit.post(f"/reviews/projects/{project.pk}/application/",
                     data | {"has_integration_sharing_chapter": "on"})
    assert done.status_code == 302 and Project.objects.get(pk=project.pk).stage == Stage.UNDER_APPROVAL

    drc = client_for(reviewer(OrgKind.DRC))
    assert "全省教育数据共享平台" in drc.get("/reviews/").content.decode()
    page = drc.get(f"/reviews/projects/{project.pk}/").content.decode()
    assert "将向 省委网信办" in page and "尚未书面征求" in page
    drc.post(f"/reviews/projects/{project.pk}/opinions/request/")
    assert OpinionRequest.objects.filter(project=project).count() == 7

    cyber = client_for(reviewer(OrgKind.CYBERSPACE_OFFICE))
    queue = cyber.get("/reviews/").content.decode()
    request_ = OpinionRequest.objects.get(project=project, body__kind=OrgKind.CYBERSPACE_OFFICE)
    assert f'href="/reviews/opinions/{request_.pk}/"' in queue and "信息安全审核意见" in queue
    assert cyber.post(f"/reviews/opinions/{request_.pk}/", {"answer": "agree"}).status_code == 302
    answer_all(project, skip=(OrgKind.CYBERSPACE_OFFICE, OrgKind.PUBLIC_SECURITY))
    evaluate(project)
    approval_form = {"approved_total_investment": "17000000.00", "approved_content": "平台建设",
                     "funding_sources": "省级预算内基本建设资金", "construction_months": "12",
                     "approval_date": timezone.localdate().isoformat()}
    refused = drc.post(f"/reviews/projects/{project.pk}/approve/", approval_form)
    assert refused.status_code == 409 and "公安厅尚未出具书面意见" in refused.content.decode()
    answer_all(project, skip=[k for k in OPINION_BODIES if k != OrgKind.PUBLIC_SECURITY])
    assert drc.post(f"/reviews/projects/{project.pk}/approve/", approval_form).status_code == 302
    shown = unit.get(f"/reviews/projects/{project.pk}/").content.decode()
    assert "下载批复文件（PDF）" in shown and "17,000,000.00 元" in shown
    pdf = unit.get(f"/reviews/projects/{project.pk}/approval.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert Approval.objects.get().number in pdf_text(pdf.content)
    assert client_for(filer_b).get(f"/reviews/projects/{project.pk}/approval.pdf").status_code == 404


def test_dissenting_opinions_are_shown_but_do_not_bar_the_approval(project):
    submit_for_approval(project, MERGED)
    services.opinions_request(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    secrecy = OpinionRequest.objects.get(project=project, body__kind=OrgKind.SECRECY_BUREAU)
    services.opinion_answer(actor=reviewer(OrgKind.SECRECY_BUREAU), opinion_id=secrecy.pk, answer="disagree",
                            text="涉密数据处理方案不明确")
    answer_all(project, skip=(OrgKind.SECRECY_BUREAU,))
    evaluate(project)
    warning = finding(services.approval_findings(project), "opinions_disagree")
    assert warning.outcome == "warn" and warning.message.startswith("四川省国家保密局的书面意见为不同意")
    approve(project)
    event = AuditEvent.objects.filter(project=project, action="approval.approved").get()
    assert "opinions_disagree" in [f["rule"] for f in event.findings]


def test_the_demo_builds_every_stage_through_the_services(db):
    from audit.chain import verify
    from reviews import demo

    for kind, username in demo.BODY_USERS.items():
        factories.user(username, factories.body(kind), Role.REVIEWER)
    for code, username in [("T-EDU", "edu"), ("T-HEALTH", "health"), ("T-TRANSPORT", "transport")]:
        factories.user(username, factories.org(code, f"{username} 单位"), Role.FILER)
    demo.build()  # no submitted declarations: the review demo still builds its own year
    stages = dict(Project.objects.values_list("name", "stage"))
    assert [stages[name] for _, name, *_ in demo.DEMO_PROJECTS] == [Stage.APPROVED, Stage.UNDER_APPROVAL, Stage.LISTED,
                                                                     Stage.NOT_LISTED]
    under_approval = Project.objects.get(stage=Stage.UNDER_APPROVAL)
    assert 0 < under_approval.opinion_requests.exclude(answer="").count() < 7
    assert Approval.objects.get().project.approval_application.path == "two_stage"
    assert verify(AuditEvent.objects.order_by("seq")).ok


def test_the_two_stage_steps_through_the_pages(project, client_for):
    submit_for_approval(project, TWO_STAGE)
    unit, drc = client_for(project.created_by), client_for(reviewer(OrgKind.DRC))
    assert unit.get(f"/reviews/projects/{project.pk}/preliminary-design/").status_code == 302  # not before the FS approval
    assert "批复可行性研究报告" in drc.get(f"/reviews/projects/{project.pk}/").content.decode()
    drc.post(f"/reviews/projects/{project.pk}/feasibility-approval/",
             {"approved_investment": "18000000.00", "approval_date": timezone.localdate().isoformat()})
    page = unit.get(f"/reviews/projects/{project.pk}/preliminary-design/").content.decode()
    assert "可行性研究报告已于" in page and "川发改审批〔" in page
    refused = unit.post(f"/reviews/projects/{project.pk}/preliminary-design/",
                        {"budget_estimate": "18500000.00", "has_integration_sharing_chapter": "on"})
    assert refused.status_code == 409 and "第二十五条" in refused.content.decode()
    done = unit.post(f"/reviews/projects/{project.pk}/preliminary-design/",
                     {"budget_estimate": "18500000.00", "has_integration_sharing_chapter": "on",
                      "has_adjustment_chapter": "on", "adjustment_text": "增加数据治理内容"})
    assert done.status_code == 302
    assert Project.objects.get(pk=project.pk).approval_application.design_budget_estimate == Decimal("18500000.00")


# --- 第二十条: the information resource catalogue is a condition of approval ----------------------

def test_approval_submission_needs_the_information_resource_catalogue(filer_a, settings, tmp_path):
    """A project that reached the list without a catalogue (here: submitted without the pre-check) is refused
    at the submission for approval, citing 第二十条; the unit uploads its 信息资源目录 and it passes."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from declarations import services as declaration_services
    from tests.test_documents import PDF
    from tests.test_reviews import submit as submit_declaration

    settings.STORAGE_DIR = tmp_path
    project = factories.project(filer_a, name="全省教育数据共享平台", total_investment="18000000.00")
    submit_declaration(project, information_resource_catalogue="")
    project = listed(project, submitted=True)[0]
    _, findings = save(project, MERGED)
    catalogue = finding(findings, "information_resource_catalogue_present")
    assert catalogue.outcome == "block" and catalogue.citation.label == "第二十条"
    assert catalogue.message == ("未编制信息资源目录：信息资源目录是审批政务信息化项目的必备条件。"
                                 "请在“技术方案”中编制并上传信息资源目录。")
    with pytest.raises(ActionRefused) as refused:
        services.approval_submit(actor=filer_a, project_id=project.pk)
    assert [f.citation.label for f in refused.value.findings if f.blocks] == ["第二十条"]
    assert Project.objects.get(pk=project.pk).stage == Stage.LISTED

    upload = SimpleUploadedFile("信息资源目录.pdf", PDF)
    declaration_services.document_upload(actor=filer_a, project_id=project.pk, kind="information_resource_catalogue",
                                         name=upload.name, size=upload.size, fileobj=upload)
    assert services.approval_submit(actor=filer_a, project_id=project.pk).stage == Stage.UNDER_APPROVAL
    event = AuditEvent.objects.filter(action="approval.submitted").get()
    assert any(f["rule"] == "information_resource_catalogue_present" and f["outcome"] == "pass"
               for f in event.findings)


def test_a_refused_api_submission_also_undoes_the_application_it_carried(project, client_for):
    """Nothing half-saved: the API's save-and-submit is one transaction, so a refusal leaves no changed application."""
    unit = client_for(project.created_by)
    base = f"/api/v1/reviews/projects/{project.pk}"
    refused = post_json(unit, f"{base}/approval-submission", {**TWO_STAGE, "has_integration_sharing_chapter": False})
    assert refused.status_code == 409 and "缺少系统整合、集约化建设和信息资源共享分析专篇" in refused.json()["detail"][0]["message"]
    assert not ApprovalApplication.objects.filter(project=project).exists()
    assert not AuditEvent.objects.filter(action="approval.application_saved", project=project).exists()


# --- issue #8: what an approval step reads -----------------------------------------------------------------

def test_saving_and_submitting_the_application_read_only_the_catalogue_fact_of_the_declaration(project, filer_b,
                                                                                             monkeypatch):
    """第二十条 needs one fact of the declaration (an information resource catalogue): saving and submitting the
    application do not compare the project with every other declaration (the pre-check's duplicate search) nor
    work out the unit's sanctions — and they resolve the project's profile once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from declarations import selectors as declaration_selectors
    from tests.test_reviews import submit as submit_declaration

    submit_declaration(factories.project(filer_b, name="全省教育数据汇聚平台", total_investment="9000000.00"))

    def refuse(*args, **kwargs):
        raise AssertionError("the approval application must not build the pre-check's facts")

    monkeypatch.setattr(declaration_selectors, "declaration_facts", refuse)
    monkeypatch.setattr(declaration_selectors, "_declaration_pool", refuse)
    monkeypatch.setattr(declaration_selectors, "unit_sanctions", refuse)
    _, findings = save(project, MERGED)
    assert finding(findings, "information_resource_catalogue_present").outcome == "pass"
    with CaptureQueriesContext(connection) as captured:
        submitted = services.approval_submit(actor=project.created_by, project_id=project.pk)
    assert submitted.stage == Stage.UNDER_APPROVAL
    assert sum('"policy_policyprofile"' in q["sql"] or "policy_policyprofile p" in q["sql"]
               for q in captured.captured_queries) <= 1
    event = AuditEvent.objects.filter(action="approval.submitted", project=project).get()
    assert finding_dict(event.findings, "information_resource_catalogue_present")["outcome"] == "pass"


def finding_dict(findings: list[dict], rule: str) -> dict:
    return next(f for f in findings if f["rule"] == rule)


def test_opinion_requests_are_made_together_and_each_answer_is_audited_with_project_and_body(project):
    submit_for_approval(project, MERGED)
    created = services.opinions_request(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    assert all(o.pk for o in created)
    assert sorted(OpinionRequest.objects.filter(project=project).values_list("pk", flat=True)) == sorted(
        o.pk for o in created)
    finance = next(o for o in created if o.body.kind == OrgKind.FINANCE)
    services.opinion_answer(actor=reviewer(OrgKind.FINANCE), opinion_id=finance.pk, answer="agree_with_conditions",
                            text="运维经费另行核定")
    event = AuditEvent.objects.filter(action="opinion.answered", project=project).get()
    assert event.object_label == f"{Project.objects.get(pk=project.pk)} · {finance.body}"
    answered = OpinionRequest.objects.get(pk=finance.pk)
    assert (answered.answer, answered.text, answered.answered_by.organisation.kind) == (
        "agree_with_conditions", "运维经费另行核定", OrgKind.FINANCE)
