"""第三章 规划和审批管理 (rules/ch03_approval.py)."""

from datetime import date
from decimal import Decimal

import pytest

from rules.ch03_approval import (
    ApprovalDocumentKind,
    DepartmentPart,
    LifetimeCosts,
    MergedPlanFacts,
    PreliminaryDesignFacts,
    PurchasedServiceFacts,
    ServiceRequirementsPlan,
    adjustment_chapter_present,
    centralized_review_complete,
    cross_department_overlaps,
    cross_department_structure,
    declaration_round_open,
    extra_reviews_required,
    information_resource_catalogue_present,
    integration_sharing_chapter,
    lifetime_cost_comparison,
    major_change_requires_new_feasibility,
    materials_complete,
    merged_plan_eligible,
    opinions_complete,
    preliminary_design_findings,
    purchased_service_conditions,
    required_extra_reviews,
    service_requirements_plan_complete,
)
from rules.findings import Outcome
from rules.testing import city_profile, province_profile
from tests.rules.test_ch02_integration import declaration

# --- 第十五条 -------------------------------------------------------------------------------

OPENS, CLOSES = date(2025, 9, 1), date(2025, 10, 31)


def test_declaration_round_includes_its_first_and_last_day():
    assert declaration_round_open(OPENS, CLOSES, OPENS).outcome == Outcome.PASS
    assert declaration_round_open(OPENS, CLOSES, CLOSES).outcome == Outcome.PASS


def test_declaration_round_refuses_before_and_after():
    before = declaration_round_open(OPENS, CLOSES, date(2025, 8, 31))
    assert before.outcome == Outcome.BLOCK
    assert before.message == "本轮申报尚未开始：申报期为 2025-09-01 至 2025-10-31，请在申报期内提交。"
    after = declaration_round_open(OPENS, CLOSES, date(2025, 11, 1))
    assert after.outcome == Outcome.BLOCK
    assert after.message == "本轮申报已于 2025-10-31 截止，不能再提交。请等待下一轮申报，或联系领导小组办公室。"
    assert after.citation.label == "第十五条"


# --- 第十六条、第二十条 ---------------------------------------------------------------------

def test_complete_materials_pass():
    findings = materials_complete(declaration())
    assert [(f.outcome, f.citation.label) for f in findings] == [(Outcome.PASS, "第十六条")]


def test_each_missing_material_is_its_own_finding_citing_its_item():
    facts = declaration(performance_goals="  ", delivery_mode=None, has_cryptography_plan=False,
                        has_government_cloud_plan=False, om_funding=None, funding_channels=())
    findings = materials_complete(facts)
    assert [(f.outcome, f.citation.label, f.message) for f in findings] == [
        (Outcome.BLOCK, "第十六条第一项", "申报材料“基本情况”缺少项目绩效目标：请填写项目绩效目标。"),
        (Outcome.BLOCK, "第十六条第一项",
         "申报材料“基本情况”缺少拟采用实施方式（自行建设或购买服务）：请选择拟采用实施方式（自行建设或购买服务）。"),
        (Outcome.BLOCK, "第十六条第二项", "申报材料“技术方案”缺少政务云需求方案：请上传政务云需求方案。"),
        (Outcome.BLOCK, "第十六条第二项", "申报材料“技术方案”缺少密码应用方案：请上传密码应用方案。"),
        (Outcome.BLOCK, "第十六条第三项", "申报材料“资金来源”缺少运行维护经费：请填写运行维护经费。"),
        (Outcome.BLOCK, "第十六条第三项",
         "申报材料“资金来源”缺少经费渠道（预算内基本建设资金、中央专项资金等）："
         "请选择经费渠道（预算内基本建设资金、中央专项资金等）。"),
    ]


def test_zero_om_funding_is_an_entered_amount():
    assert materials_complete(declaration(om_funding=Decimal("0.00")))[0].outcome == Outcome.PASS


def test_classified_project_needs_the_classified_protection_plan_not_the_mlps_plan():
    classified = declaration(is_classified=True, has_mlps_plan=False, has_classified_protection_plan=False)
    findings = materials_complete(classified)
    assert [f.message for f in findings] == [
        "申报材料“技术方案”缺少分级保护方案（涉密项目）：请上传分级保护方案（涉密项目）。"]
    non_classified = declaration(has_mlps_plan=False)
    assert [f.message for f in materials_complete(non_classified)] == [
        "申报材料“技术方案”缺少等级保护方案（非涉密项目）：请上传等级保护方案（非涉密项目）。"]


def test_information_resource_catalogue_missing_blocks_under_article_20():
    finding = information_resource_catalogue_present(declaration(has_information_resource_catalogue=False))
    assert finding.outcome == Outcome.BLOCK
    assert finding.citation.label == "第二十条"
    assert finding.message == ("未编制信息资源目录：信息资源目录是审批政务信息化项目的必备条件。"
                               "请在“技术方案”中编制并上传信息资源目录。")
    assert information_resource_catalogue_present(declaration()).outcome == Outcome.PASS


# --- 第十七条 -------------------------------------------------------------------------------

def test_centralized_review_waits_for_every_body():
    finding = centralized_review_complete({"leading_group_office", "drc"}, province_profile())
    assert finding.outcome == Outcome.BLOCK
    assert finding.message == ("尚不能确定年度政务信息化项目清单：财政厅、省大数据中心尚未记录集中审查结论。"
                               "请待其记录审查结论后再确定。")
    assert finding.citation.label == "第十七条"
    all_bodies = {"leading_group_office", "drc", "finance", "big_data_center"}
    assert centralized_review_complete(all_bodies, province_profile()).outcome == Outcome.PASS


# --- 第十八条 -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, label", [(ApprovalDocumentKind.FEASIBILITY_STUDY, "项目可行性研究报告"),
                                         (ApprovalDocumentKind.PRELIMINARY_DESIGN, "初步设计方案"),
                                         (ApprovalDocumentKind.IMPLEMENTATION_PLAN, "项目实施方案")])
def test_integration_sharing_chapter_is_required_in_each_document(kind, label):
    missing = integration_sharing_chapter(kind, False)
    assert missing.outcome == Outcome.BLOCK
    assert missing.citation.label == "第十八条第一款"
    assert missing.message == (f"{label}缺少系统整合、集约化建设和信息资源共享分析专篇（章）。"
                               f"请在{label}中补充该专篇（章）后再报送。")
    assert integration_sharing_chapter(kind, True).outcome == Outcome.PASS


def merged(total: str, **overrides) -> MergedPlanFacts:
    facts = dict(depth_requirements_met=True, central_or_provincial_mandate=False, national_security_urgent=False,
                 total_investment=Decimal(total))
    facts.update(overrides)
    return MergedPlanFacts(**facts)


def test_merged_plan_at_the_limit_qualifies_under_item_3():
    finding = merged_plan_eligible(merged("20000000.00"), province_profile())
    assert finding.outcome == Outcome.PASS
    assert finding.citation.label == "第十八条第二款第三项"
    assert finding.message == ("可以合并编报项目实施方案：前期工作深度达到规定要求，且总投资 20,000,000.00 元"
                               "不超过 20,000,000.00 元。")
    assert finding.evidence["merged_plan.max_total_investment"]["value"] == Decimal("20000000.00")
    assert finding.evidence["适用情形"] == "第十八条第二款第三项"


def test_merged_plan_one_fen_over_the_limit_does_not_qualify():
    finding = merged_plan_eligible(merged("20000000.01"), province_profile())
    assert finding.outcome == Outcome.BLOCK
    assert finding.citation.label == "第十八条第二款"
    assert finding.message == ("不能合并编报项目实施方案：没有党中央、国务院和省委、省政府的明确要求，不属于涉及国家安全"
                               "等特殊原因的紧急情况，且总投资 20,000,000.01 元超过 20,000,000.00 元。"
                               "请分别编报项目可行性研究报告和初步设计方案。")
    assert finding.evidence["适用情形"] is None


def test_a_city_profile_lowering_the_limit_changes_the_outcome():
    city = city_profile({"merged_plan.max_total_investment": "10000000.00"})
    assert merged_plan_eligible(merged("15000000.00"), province_profile()).outcome == Outcome.PASS
    assert merged_plan_eligible(merged("15000000.00"), city).outcome == Outcome.BLOCK
    assert merged_plan_eligible(merged("10000000.00"), city).outcome == Outcome.PASS
    assert merged_plan_eligible(merged("10000000.01"), city).outcome == Outcome.BLOCK
    assert merged_plan_eligible(merged("10000000.00"), city).evidence["merged_plan.max_total_investment"] == {
        "value": Decimal("10000000.00"), "citation": "第十八条第二款第三项", "profile": "test-city"}


def test_merged_plan_grounds_are_taken_in_the_articles_order():
    both = merged_plan_eligible(merged("90000000.00", central_or_provincial_mandate=True, national_security_urgent=True),
                                province_profile())
    assert (both.outcome, both.citation.label) == (Outcome.PASS, "第十八条第二款第一项")
    assert both.message == "可以合并编报项目实施方案：前期工作深度达到规定要求，且党中央、国务院和省委、省政府有明确要求。"
    urgent = merged_plan_eligible(merged("90000000.00", national_security_urgent=True), province_profile())
    assert (urgent.outcome, urgent.citation.label) == (Outcome.PASS, "第十八条第二款第二项")
    assert urgent.evidence["各情形"] == {"第十八条第二款第一项": False, "第十八条第二款第二项": True,
                                        "第十八条第二款第三项": False}


def test_merged_plan_needs_sufficient_preparation_whatever_the_ground():
    finding = merged_plan_eligible(merged("1000.00", depth_requirements_met=False, central_or_provincial_mandate=True),
                                   province_profile())
    assert finding.outcome == Outcome.BLOCK
    assert finding.citation.label == "第十八条第二款"
    assert finding.message == ("不能合并编报项目实施方案：前期工作深度未达到规定要求。请分别编报项目可行性研究报告和"
                               "初步设计方案，或补充前期工作后再申请合并编报。")


def test_money_must_be_decimal():
    with pytest.raises(TypeError, match="total_investment 必须是 Decimal"):
        merged("0", total_investment=20000000.0)


# --- 第十九条 -------------------------------------------------------------------------------

def costs(last_fee: str = "1800000.00", **overrides) -> LifetimeCosts:
    # Self-build: 4,000,000.00 + 5 × 1,200,000.00 = 10,000,000.00; at 10 % saving the ceiling is 9,000,000.00.
    facts = dict(service_life_years=5,
                 annual_service_fees=(Decimal("1800000.00"),) * 4 + (Decimal(last_fee),),
                 construction_cost=Decimal("4000000.00"), annual_om_costs=(Decimal("1200000.00"),) * 5)
    facts.update(overrides)
    return LifetimeCosts(**facts)


def test_service_fees_exactly_at_the_margin_are_clearly_smaller():
    finding = lifetime_cost_comparison(costs(), province_profile())
    assert finding.outcome == Outcome.PASS
    assert finding.citation.label == "第十九条第二项"
    assert finding.message == ("购买服务的服务费总额 9,000,000.00 元明显小于自行建设所需的建设、运维经费总额 "
                               "10,000,000.00 元（不高于 9,000,000.00 元，即至少节省 10.00%），具有较好经济性。")
    assert finding.evidence["purchased_service.min_saving_percent"]["value"] == Decimal("10.00")


def test_service_fees_one_fen_past_the_margin_are_not():
    finding = lifetime_cost_comparison(costs("1800000.01"), province_profile())
    assert finding.outcome == Outcome.BLOCK
    assert finding.message == ("购买服务的服务费总额 9,000,000.01 元未明显小于自行建设所需的建设、运维经费总额 "
                               "10,000,000.00 元：须不高于 9,000,000.00 元（至少节省 10.00%），还差 0.01 元。"
                               "请重新测算服务费，或改为自行建设。")


def test_service_margin_follows_the_profile():
    stricter = city_profile({"purchased_service.min_saving_percent": "10.01"})
    assert lifetime_cost_comparison(costs(), stricter).outcome == Outcome.BLOCK
    assert lifetime_cost_comparison(costs("1799000.00"), stricter).outcome == Outcome.PASS


def test_service_life_figures_must_cover_every_year():
    finding = lifetime_cost_comparison(costs(annual_om_costs=(Decimal("1200000.00"),) * 4), province_profile())
    assert finding.outcome == Outcome.BLOCK
    assert finding.message == "请按信息系统使用期限逐年填写服务费和运维经费：使用期限 5 年，已填服务费 5 年、运维经费 4 年。"


def test_lifetime_costs_refuse_floats():
    with pytest.raises(TypeError, match="construction_cost 必须是 Decimal"):
        costs(construction_cost=4000000.0)


def service(**overrides) -> PurchasedServiceFacts:
    facts = dict(is_goods_or_works=False, bundles_works_and_services=False, costs=costs(), potential_providers=2,
                 meets_security_secrecy_requirements=True)
    facts.update(overrides)
    return PurchasedServiceFacts(**facts)


def test_purchased_service_four_conditions_in_order():
    findings = purchased_service_conditions(service(), province_profile())
    assert [(f.outcome, f.citation.label) for f in findings] == [
        (Outcome.PASS, "第十九条第一项"), (Outcome.PASS, "第十九条第二项"),
        (Outcome.PASS, "第十九条第三项"), (Outcome.PASS, "第十九条第四项")]


def test_purchased_service_condition_failures():
    findings = purchased_service_conditions(
        service(bundles_works_and_services=True, potential_providers=1, meets_security_secrecy_requirements=False),
        province_profile())
    assert [f.outcome for f in findings] == [Outcome.BLOCK, Outcome.PASS, Outcome.BLOCK, Outcome.BLOCK]
    assert findings[0].message == ("属于政府采购有关法律、行政法规规定的货物或工程，或将工程和服务打包，不能采用购买服务方式。"
                                   "请将工程与服务分开，货物、工程按规定采购，或改为自行建设。")
    assert findings[2].message == ("潜在服务提供商只有 1 家，不满足“存在多家潜在服务提供商可供选择”（至少 2 家）。"
                                   "请补充市场调研并列明可供选择的服务提供商，或改为自行建设。")
    assert findings[2].evidence["purchased_service.min_potential_providers"]["value"] == 2
    assert findings[3].message == ("购买服务方式违反国家关于政务信息系统与信息资源安全保密的有关要求。"
                                   "请调整服务方案使其符合安全保密要求，或改为自行建设。")


def test_service_requirements_plan_checklist():
    contents = dict(necessity_analysis="必要", technical_analysis="技术", economic_analysis="经济", sharing_analysis="共享",
                    security_requirements="安全", build_vs_buy_comparison="比较", funding_needs="经费",
                    procurement_plan="采购", main_objectives="目标", service_requirements="需求")
    assert service_requirements_plan_complete(ServiceRequirementsPlan(**contents))[0].outcome == Outcome.PASS
    findings = service_requirements_plan_complete(
        ServiceRequirementsPlan(**{**contents, "build_vs_buy_comparison": "", "procurement_plan": " "}))
    assert [(f.outcome, f.citation.label, f.message) for f in findings] == [
        (Outcome.BLOCK, "第十九条", "项目服务需求方案缺少“采用自建和购买服务方式经济性比较分析”：请补充采用自建和购买服务方式"
                                    "经济性比较分析后再报送。"),
        (Outcome.BLOCK, "第十九条", "项目服务需求方案缺少“招标和采购方案”：请补充招标和采购方案后再报送。"),
    ]


# --- 第二十一条 -----------------------------------------------------------------------------

def part(department: str, scope: str, is_lead: bool = False, **overrides) -> DepartmentPart:
    fields = dict(department=department, is_lead=is_lead, scope=scope, business_flows="审批业务流",
                  data_flows="证照数据流", interfaces="统一身份认证接口")
    fields.update(overrides)
    return DepartmentPart(**fields)


def test_cross_department_structure_complete():
    findings = cross_department_structure([part("省发展改革委", "项目库", True), part("财政厅", "预算库")])
    assert [(f.outcome, f.citation.label) for f in findings] == [(Outcome.PASS, "第二十一条")]


def test_cross_department_structure_problems_say_what_to_add():
    findings = cross_department_structure([part("公安厅", "人口库", True), part("民政厅", "婚姻库", True, interfaces="")])
    assert [f.message for f in findings] == [
        "跨部门共建共享项目须有且只有一个牵头部门，当前有 2 个。请指定一个牵头部门。",
        "跨部门共建共享项目须至少有一个参建部门。请添加参建部门及其建设内容。",
        "民政厅的部分缺少系统接口。请补充后再报送。",
    ]
    assert all(f.outcome == Outcome.BLOCK for f in findings)


def test_cross_department_overlap_at_and_past_the_threshold():
    parts = [part("公安厅", "甲乙，丙丁", True), part("民政厅", "甲乙，戊己"), part("财政厅", "庚辛")]
    at = cross_department_overlaps(parts, city_profile({"cross_department.overlap_warn_threshold": "50.00"}))
    assert [(f.outcome, f.citation.label) for f in at] == [(Outcome.WARN, "第二十一条")]
    assert at[0].message == ("公安厅与民政厅的建设内容可能重复交叉（相似度 50.00%）。"
                             "请划清两部门的建设范围，重复的内容只由一个部门建设、其他部门共享使用。")
    assert at[0].evidence["cross_department.overlap_warn_threshold"]["value"] == Decimal("50.00")
    past = cross_department_overlaps(parts, city_profile({"cross_department.overlap_warn_threshold": "50.01"}))
    assert [f.outcome for f in past] == [Outcome.PASS]
    assert past[0].message == "各部门建设内容未发现重复交叉（两两相似度均低于 50.01%）。"


# --- 第二十二条、第二十四条 -----------------------------------------------------------------

ALL_OPINION_BODIES = {"cyberspace_office", "secrecy_bureau", "cryptography_bureau", "economy_it_department",
                      "public_security", "finance", "big_data_center"}


def test_approval_possible_when_every_opinion_and_the_evaluation_are_in():
    finding = opinions_complete(ALL_OPINION_BODIES, ALL_OPINION_BODIES, True, province_profile())
    assert finding.outcome == Outcome.PASS
    assert finding.citation.label == "第二十二条"


def test_approval_blocked_names_missing_bodies_in_chinese_in_profile_order():
    requested = ALL_OPINION_BODIES - {"finance"}
    answered = ALL_OPINION_BODIES - {"finance", "public_security", "cyberspace_office"}
    finding = opinions_complete(requested, answered, False, province_profile())
    assert finding.outcome == Outcome.BLOCK
    assert finding.citation.label == "第二十二条"
    assert finding.message == ("尚不能批复：尚未书面征求财政厅的意见；省委网信办、公安厅尚未出具书面意见；"
                               "尚未记录评估论证结论。请在上述意见和评估论证齐备后再批复。")
    assert finding.evidence["尚未出具意见"] == ["省委网信办", "公安厅"]


def test_missing_evaluation_alone_cites_article_24():
    finding = opinions_complete(ALL_OPINION_BODIES, ALL_OPINION_BODIES, False, province_profile())
    assert (finding.outcome, finding.citation.label) == (Outcome.BLOCK, "第二十四条")
    assert finding.message == "尚不能批复：尚未记录评估论证结论。请在上述意见和评估论证齐备后再批复。"


def test_provincial_government_consent_when_required():
    waiting = opinions_complete(ALL_OPINION_BODIES, ALL_OPINION_BODIES, True, province_profile(),
                                provincial_government_required=True)
    assert waiting.message == "尚不能批复：项目须报省政府审定，尚未取得省政府同意。请在上述意见和评估论证齐备后再批复。"
    assert opinions_complete(ALL_OPINION_BODIES, ALL_OPINION_BODIES, True, province_profile(),
                             provincial_government_required=True,
                             provincial_government_agreed=True).outcome == Outcome.PASS


def test_opinion_bodies_follow_the_profile():
    city = city_profile({"opinion.bodies": ["finance", "big_data_center"]})
    assert opinions_complete({"finance", "big_data_center"}, {"finance", "big_data_center"}, True,
                             city).outcome == Outcome.PASS


# --- 第二十三条 -----------------------------------------------------------------------------

def test_no_extra_reviews_normally():
    finding = extra_reviews_required(False, False)
    assert finding.outcome == Outcome.PASS
    assert finding.evidence["须办理的审批"] == []
    assert finding.citation.label == "第二十三条"
    assert required_extra_reviews(False, False) == ()


def test_extra_reviews_for_civil_works_or_high_energy_use():
    finding = extra_reviews_required(True, True)
    assert finding.outcome == Outcome.WARN
    assert finding.message == ("项目涉及新建土建工程且属于高能耗项目，须按有关规定办理节能评估、规划选址、用地预审、"
                               "环境影响评价等审批，并在申报材料中附上审批文件。")
    assert finding.evidence["须办理的审批"] == ["节能评估", "规划选址", "用地预审", "环境影响评价"]
    assert required_extra_reviews(False, True) == ("节能评估", "规划选址", "用地预审", "环境影响评价")


# --- 第二十五条 -----------------------------------------------------------------------------

def design(estimate: str, **overrides) -> PreliminaryDesignFacts:
    facts = dict(feasibility_approved_investment=Decimal("12000000.00"), budget_estimate=Decimal(estimate),
                 content_exceeds_feasibility_approval=False, has_adjustment_chapter=False, is_major_change=False)
    facts.update(overrides)
    return PreliminaryDesignFacts(**facts)


def test_design_within_the_feasibility_approval_passes():
    assert adjustment_chapter_present(design("12000000.00")).outcome == Outcome.PASS


def test_design_exceeding_the_approval_needs_a_separate_chapter():
    finding = adjustment_chapter_present(design("12000000.01"))
    assert finding.outcome == Outcome.BLOCK
    assert finding.citation.label == "第二十五条"
    assert finding.message == ("初步设计方案超出可行性研究报告批复（投资概算 12,000,000.01 元超过可行性研究报告批复总投资 "
                               "12,000,000.00 元），须以独立章节说明调整内容及理由。请在初步设计方案中补充该独立章节后再提交。")
    assert adjustment_chapter_present(design("12000000.01", has_adjustment_chapter=True)).outcome == Outcome.PASS
    assert adjustment_chapter_present(design("1.00", content_exceeds_feasibility_approval=True)).blocks


def test_major_change_sends_the_project_back_to_feasibility():
    finding = major_change_requires_new_feasibility(design("12000000.00", is_major_change=True))
    assert finding.outcome == Outcome.BLOCK
    assert finding.message == ("初步设计方案存在重大变更，原则上应重新审批项目可行性研究报告。"
                               "请先重新编报可行性研究报告并取得批复，再提交初步设计方案。")
    assert [f.outcome for f in preliminary_design_findings(design("12000000.00"))] == [Outcome.PASS, Outcome.PASS]
