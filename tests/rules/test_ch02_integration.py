"""第二章 系统整合和信息共享 (rules/ch02_integration.py)."""

from dataclasses import replace
from decimal import Decimal

import pytest

from rules.ch02_integration import (
    ARTICLE_8_RULES,
    CommonSystemKind,
    ConstructionKind,
    DuplicateSource,
    FundingPurpose,
    ProjectCategory,
    ResourceFacts,
    SharingKind,
    catalogue_coverage,
    catalogue_funding_eligibility,
    common_systems,
    data_aggregation,
    duplicate_findings,
    investment_code_valid,
    network_leases,
    non_classified_infrastructure,
    platform_connections,
    possible_duplicate_construction,
    preparation_complete,
    province_city_linkage,
    provincial_cloud_deployment,
    resource_sharing,
    shared_infrastructure,
    upgrade_of_accepted_project,
)
from rules.ch03_approval import DeliveryMode
from rules.findings import Outcome
from rules.precheck import DeclarationFacts
from rules.similarity import Candidate, Match
from rules.testing import city_profile, province_profile


def declaration(**overrides) -> DeclarationFacts:
    """A complete declaration that breaks no rule; tests change one fact at a time."""
    facts = dict(
        project_number="ZW-2026-0001", name="全省农村集体资产监督管理系统", unit="农业农村厅",
        main_tasks="汇聚全省农村集体资产清产核资数据，实现资产台账、交易监管和统计分析",
        basis_and_necessity="落实农村集体产权制度改革要求", performance_goals="覆盖全省全部行政村",
        delivery_mode=DeliveryMode.SELF_BUILT, delivery_mode_reason="业务系统需长期自主运维",
        has_application_plan=True, has_information_resource_catalogue=True, has_government_cloud_plan=True,
        has_mlps_plan=True, has_classified_protection_plan=False, has_cryptography_plan=True,
        total_investment=Decimal("8000000.00"), om_funding=Decimal("600000.00"), funding_channels=("预算内基本建设资金",),
        is_classified=False, construction_kind=ConstructionKind.NEW,
        builds_non_classified_machine_room=False, buys_non_classified_server_hardware=False,
        leases_internet_line=False, leases_private_network_outside_egov=False,
        terminal_security_outside_egov_supervision=False, deployed_on_provincial_cloud=True,
        builds_common_system_kinds=frozenset(), categories=frozenset({ProjectCategory.GOVERNMENT_SERVICE}),
        connected_to_sharing_platform=True, connected_to_service_platform=True,
        connected_to_unified_office_platform=True,
        needs_clear=True, performance_goals_clear=True, integration_done=True, catalogue_census_done=True,
        sharing_done=True, security_done=True, builds_non_shared_infrastructure=False,
        catalogue_system_ids=frozenset({"SYS-001", "SYS-002"}), named_system_ids=("SYS-001",),
        data_aggregation_done=True,
    )
    facts.update(overrides)
    return DeclarationFacts(**facts)


# --- 第八条 ---------------------------------------------------------------------------------

LEGAL_TAIL = "如法律法规对此有明确规定，请在本项的“法律法规依据”中写明具体条文。"

ARTICLE_8_CASES = [
    (non_classified_infrastructure, 1, {"builds_non_classified_machine_room": True},
     "原则上不予立项：项目新建或扩建非涉密机房、数据中心或私有云平台。"
     "请删除上述建设和采购内容，改为使用省级政务云等共建共享的基础设施。" + LEGAL_TAIL),
    (non_classified_infrastructure, 1, {"buys_non_classified_server_hardware": True},
     "原则上不予立项：项目新增采购非涉密服务器、存储设备或服务端网络设备。"
     "请删除上述建设和采购内容，改为使用省级政务云等共建共享的基础设施。" + LEGAL_TAIL),
    (network_leases, 2, {"leases_internet_line": True},
     "原则上不予立项：项目租赁互联网出口线路。"
     "请删除上述内容，改为使用电子政务内网或外网，终端安全防护纳入电子政务外网统一监管。" + LEGAL_TAIL),
    (network_leases, 2, {"leases_private_network_outside_egov": True, "terminal_security_outside_egov_supervision": True},
     "原则上不予立项：项目租赁未整合到电子政务内网或外网的专网；建设未纳入电子政务外网统一监管的终端安全防护。"
     "请删除上述内容，改为使用电子政务内网或外网，终端安全防护纳入电子政务外网统一监管。" + LEGAL_TAIL),
    (provincial_cloud_deployment, 3, {"deployed_on_provincial_cloud": False},
     "原则上不予立项：项目属于非涉密新建项目，但未部署到省级政务云。"
     "请将项目部署到省级政务云（升级改造项目须迁移到省级政务云），并在政务云需求方案中写明所需资源。" + LEGAL_TAIL),
    (provincial_cloud_deployment, 3, {"deployed_on_provincial_cloud": False, "construction_kind": ConstructionKind.UPGRADE,
                                      "upgrades_project_accepted": True},
     "原则上不予立项：项目属于非涉密升级改造项目，但未迁移到省级政务云。"
     "请将项目部署到省级政务云（升级改造项目须迁移到省级政务云），并在政务云需求方案中写明所需资源。" + LEGAL_TAIL),
    (common_systems, 4, {"builds_common_system_kinds": frozenset({CommonSystemKind.E_SEAL, CommonSystemKind.E_LICENSE})},
     "原则上不予立项：项目新建或扩建电子证照、电子签章。"
     "请删除这些建设内容，改为使用省级统建的共性支撑平台和通用系统。" + LEGAL_TAIL),
    (platform_connections, 5, {"connected_to_sharing_platform": False, "connected_to_service_platform": False},
     "原则上不予立项：项目属于政务服务、公共服务类项目但未接入数据共享交换平台；"
     "属于政务服务、公共服务类项目但未接入一体化政务服务平台。"
     "请完成上述平台的接入，并在应用系统实施方案中写明接入方式。" + LEGAL_TAIL),
    (platform_connections, 5, {"categories": frozenset({ProjectCategory.DECISION_SUPPORT}),
                               "connected_to_unified_office_platform": False},
     "原则上不予立项：项目属于非涉密办公类、决策辅助类项目但未接入统一协同办公平台。"
     "请完成上述平台的接入，并在应用系统实施方案中写明接入方式。" + LEGAL_TAIL),
    (preparation_complete, 6, {"needs_clear": False, "catalogue_census_done": False, "security_done": False},
     "原则上不予立项：项目需求不明确；数据目录普查不到位；信息安全保障不到位。"
     "请完成上述工作并在申报材料中写明后再申报。" + LEGAL_TAIL),
    (shared_infrastructure, 7, {"builds_non_shared_infrastructure": True},
     "原则上不予立项：项目建设非共建共享共用的信息基础设施、应用支撑平台或数据资源。"
     "请改为依托共建共享共用的信息基础设施、应用支撑平台和数据资源建设，或将这些内容纳入共建共享。" + LEGAL_TAIL),
    (upgrade_of_accepted_project, 8, {"construction_kind": ConstructionKind.UPGRADE, "upgrades_project_accepted": False},
     "原则上不予立项：项目属于升级改造，但原项目尚未验收。请在原项目验收合格后再申报升级改造项目。" + LEGAL_TAIL),
]

ITEM_LABELS = {1: "第八条第一项", 2: "第八条第二项", 3: "第八条第三项", 4: "第八条第四项",
               5: "第八条第五项", 6: "第八条第六项", 7: "第八条第七项", 8: "第八条第八项"}


@pytest.mark.parametrize("rule, item, overrides, message", ARTICLE_8_CASES)
def test_article8_item_blocks_with_what_to_fix(rule, item, overrides, message):
    finding = rule(declaration(**overrides))
    assert finding.outcome == Outcome.BLOCK
    assert finding.message == message
    assert finding.citation.label == ITEM_LABELS[item]
    assert finding.blocks


@pytest.mark.parametrize("rule, item, overrides, message", ARTICLE_8_CASES)
def test_article8_item_with_legal_basis_needs_justification(rule, item, overrides, message):
    basis = "《中华人民共和国某某法》第十条"
    finding = rule(declaration(**overrides, legal_basis={item: basis}))
    assert finding.outcome == Outcome.NEEDS_JUSTIFICATION
    assert finding.message.endswith("原则上不予立项；单位已附法律法规依据，须经省发展改革委审核认可后方可立项。")
    assert finding.citation.label == ITEM_LABELS[item]
    assert finding.evidence["法律法规依据"] == basis
    assert finding.evidence["适用例外"] == "法律法规有明确规定的除外"
    assert not finding.blocks


@pytest.mark.parametrize("rule, item, overrides, message", ARTICLE_8_CASES)
def test_article8_blank_or_other_items_legal_basis_does_not_help(rule, item, overrides, message):
    other = 1 if item != 1 else 2
    assert rule(declaration(**overrides, legal_basis={item: "   "})).outcome == Outcome.BLOCK
    assert rule(declaration(**overrides, legal_basis={other: "《某法》第一条"})).outcome == Outcome.BLOCK


def test_article8_all_items_pass_a_compliant_declaration_in_order():
    findings = [rule(declaration()) for rule in ARTICLE_8_RULES]
    assert [f.citation.label for f in findings] == list(ITEM_LABELS.values())
    assert all(f.outcome == Outcome.PASS for f in findings)
    assert findings[0].message == ("未发现新建或扩建非涉密机房、数据中心、私有云平台，新增非涉密服务器、存储设备、"
                                   "服务端网络设备等硬件设施采购的情形。")


def test_article8_item3_does_not_apply_to_classified_projects():
    facts = declaration(is_classified=True, deployed_on_provincial_cloud=False, has_mlps_plan=False,
                        has_classified_protection_plan=True)
    assert provincial_cloud_deployment(facts).outcome == Outcome.PASS


def test_article8_item5_classified_office_project_needs_no_unified_office_platform():
    facts = declaration(is_classified=True, categories=frozenset({ProjectCategory.OFFICE}),
                        connected_to_unified_office_platform=False)
    assert platform_connections(facts).outcome == Outcome.PASS
    assert platform_connections(replace(facts, is_classified=False)).outcome == Outcome.BLOCK


def test_article8_item5_projects_of_no_listed_category_pass():
    facts = declaration(categories=frozenset(), connected_to_sharing_platform=False,
                        connected_to_service_platform=False, connected_to_unified_office_platform=False)
    assert platform_connections(facts).outcome == Outcome.PASS


def test_article8_item8_applies_to_upgrades_only_and_unknown_acceptance_blocks():
    assert upgrade_of_accepted_project(declaration(upgrades_project_accepted=None)).outcome == Outcome.PASS
    upgrade = declaration(construction_kind=ConstructionKind.UPGRADE)
    assert upgrade_of_accepted_project(upgrade).outcome == Outcome.BLOCK
    assert upgrade_of_accepted_project(replace(upgrade, upgrades_project_accepted=True)).outcome == Outcome.PASS


def test_article8_evidence_holds_the_facts():
    finding = common_systems(declaration(builds_common_system_kinds=frozenset({CommonSystemKind.STANDALONE_MOBILE_APP})))
    assert finding.evidence["拟建共性系统或模块"] == ["独立封装的移动客户端"]
    assert finding.evidence["发现的情形"] == ["新建或扩建独立封装的移动客户端"]


def test_unknown_kinds_and_categories_fail_loudly():
    with pytest.raises(ValueError, match="未知的共性系统类别：blockchain"):
        declaration(builds_common_system_kinds=frozenset({"blockchain"}))
    with pytest.raises(ValueError, match="未知的项目类别：misc"):
        declaration(categories=frozenset({"misc"}))
    assert common_systems(declaration(builds_common_system_kinds=frozenset({"e_seal"}))).outcome == Outcome.BLOCK


def test_legal_basis_only_for_article8_items():
    with pytest.raises(ValueError, match="法律法规依据只能对应第八条第一项至第八项"):
        declaration(legal_basis={9: "某法"})


# --- 第九条 ---------------------------------------------------------------------------------

def test_catalogue_coverage_passes_when_named_entries_are_in_the_catalogue():
    finding = catalogue_coverage(declaration(named_system_ids=("SYS-001", "SYS-002")))
    assert finding.outcome == Outcome.PASS
    assert finding.message == "项目关联的 2 个信息系统均已纳入本单位政务信息系统目录。"
    assert finding.citation.label == "第九条"


def test_catalogue_coverage_blocks_entries_outside_the_catalogue():
    finding = catalogue_coverage(declaration(named_system_ids=("SYS-001", "SYS-404", "SYS-405")))
    assert finding.outcome == Outcome.BLOCK
    assert finding.message == ("项目关联的信息系统不在本单位政务信息系统目录中：SYS-404、SYS-405。"
                               "请先在系统目录中登记这些信息系统，或从项目中移除。")
    assert finding.evidence["不在目录中的信息系统"] == ["SYS-404", "SYS-405"]


def test_catalogue_coverage_blocks_a_project_naming_no_entry():
    finding = catalogue_coverage(declaration(named_system_ids=()))
    assert finding.outcome == Outcome.BLOCK
    assert finding.message.startswith("项目未关联本单位政务信息系统目录中的任何信息系统，未纳入系统目录管理的项目不安排"
                                      "自行建设、购买服务和运维经费。")


@pytest.mark.parametrize("purpose, label", [(FundingPurpose.SELF_BUILT, "自行建设"),
                                            (FundingPurpose.PURCHASED_SERVICE, "购买服务"),
                                            (FundingPurpose.OPERATION_MAINTENANCE, "运维")])
def test_catalogue_funding_eligibility(purpose, label):
    refused = catalogue_funding_eligibility(False, purpose)
    assert refused.outcome == Outcome.BLOCK
    assert refused.message == f"该信息系统未纳入系统目录管理，不安排{label}经费。请先在本单位政务信息系统目录中登记该系统。"
    assert refused.citation.label == "第九条"
    assert catalogue_funding_eligibility(True, purpose).outcome == Outcome.PASS


def test_investment_code_well_formed():
    finding = investment_code_valid(" 2025-510000-65-01-000123 ", required=True)
    assert finding.outcome == Outcome.PASS
    assert finding.evidence["项目代码"] == "2025-510000-65-01-000123"


def test_investment_code_blank_is_allowed_before_approval_only():
    assert investment_code_valid("").outcome == Outcome.PASS
    required = investment_code_valid("", required=True)
    assert required.outcome == Outcome.BLOCK
    assert required.message == ("缺少项目代码：请填写四川省投资项目在线审批监管平台赋予的项目代码（格式为年份4位-"
                                "行政区划代码6位-行业代码2位-项目类型代码2位-流水号6位，例如 2021-510000-65-01-000001）。")


@pytest.mark.parametrize("code, problem", [
    ("2025-510000-65-01", "应由 5 段组成、以半角“-”分隔，实际为 4 段"),
    ("2025－510000－65－01－000123", "应由 5 段组成、以半角“-”分隔，实际为 1 段"),
    ("25-510000-65-01-000123", "年份应为 4 位半角数字，实际为“25”"),
    ("2025-51000A-65-01-000123", "行政区划代码应为 6 位半角数字，实际为“51000A”"),
    ("2025-510000-655-01-000123", "行业代码应为 2 位半角数字，实际为“655”"),
    ("2025-510000-65-０1-000123", "项目类型代码应为 2 位半角数字，实际为“０1”"),
    ("2025-510000-65-01-00012", "流水号应为 6 位半角数字，实际为“00012”"),
])
def test_investment_code_malformed_says_which_part(code, problem):
    finding = investment_code_valid(code)
    assert finding.outcome == Outcome.BLOCK
    assert finding.message == (f"项目代码“{code}”格式不正确：{problem}。正确格式为年份4位-行政区划代码6位-行业代码2位-"
                               "项目类型代码2位-流水号6位，例如 2021-510000-65-01-000001，请核对后重新填写。")
    assert finding.citation.label == "第九条"


# --- 第十条 ---------------------------------------------------------------------------------

def test_collaborative_project_without_linked_city_projects_warns():
    finding = province_city_linkage(declaration(needs_city_collaboration=True))
    assert finding.outcome == Outcome.WARN
    assert finding.message == ("项目需要市（州）共享协同，但尚未关联任何市（州）项目。请关联各市（州）的对应项目，"
                               "并在申报材料中明确信息共享、业务协同的总体要求和标准规范。")
    assert finding.citation.label == "第十条"


def test_collaborative_project_with_linked_city_projects_passes():
    finding = province_city_linkage(declaration(needs_city_collaboration=True,
                                                linked_city_projects=("成都市 CD-2026-01", "绵阳市 MY-2026-03")))
    assert finding.outcome == Outcome.PASS
    assert finding.message == "已关联 2 个市（州）项目：成都市 CD-2026-01、绵阳市 MY-2026-03。"
    assert province_city_linkage(declaration()).outcome == Outcome.PASS


# --- 第十二条 -------------------------------------------------------------------------------

def test_data_aggregation_not_done_blocks():
    finding = data_aggregation(declaration(data_aggregation_done=False))
    assert finding.outcome == Outcome.BLOCK
    assert finding.message == ("项目单位未按技术要求完成数据归集，原则上不得申报新增项目。请先完成数据归集；"
                               "确因不能进行信息共享而有必要建设的，须报领导小组审核批准后再申报。")
    assert finding.citation.label == "第十二条"


def test_data_aggregation_exception_approved_by_the_leading_group_passes_citing_it():
    finding = data_aggregation(declaration(data_aggregation_done=False, leading_group_exception_approved=True,
                                           leading_group_approval_ref="川信领〔2026〕3号"))
    assert finding.outcome == Outcome.PASS
    assert finding.message == "项目单位尚未完成数据归集，但项目已经领导小组审核批准（川信领〔2026〕3号），可以申报。"
    assert finding.evidence["适用例外"].endswith("须报领导小组审核批准")
    assert finding.citation.label == "第十二条"


def test_data_aggregation_done_passes():
    assert data_aggregation(declaration()).outcome == Outcome.PASS


# --- 第六条、第八条第四项、第二十一条: duplicates -------------------------------------------------

def _match(score: str, key="SYS-9", group=DuplicateSource.CATALOGUE_SYSTEM, title="电子证照系统", owner="某厅"):
    return Match(Candidate(key, "电子证照", title, group, owner), Decimal(score))


def test_duplicate_warns_exactly_at_the_threshold():
    findings = duplicate_findings([_match("35.00")], province_profile())
    assert [f.outcome for f in findings] == [Outcome.WARN]
    warning = findings[0]
    assert warning.message == ("拟建内容与系统目录中的已有信息系统相似，可能重复建设：“电子证照系统”（某厅）相似度 35.00%。"
                               "请说明与这些系统的区别，或改为整合、升级已有系统。")
    assert warning.citation.label == "第六条"
    assert warning.evidence["duplicate.similarity_warn_threshold"]["value"] == Decimal("35.00")
    assert warning.evidence["相似条目"] == [{"编号": "SYS-9", "名称": "电子证照系统", "单位": "某厅", "相似度": "35.00%"}]


def test_duplicate_below_the_threshold_passes():
    findings = duplicate_findings([_match("34.99")], province_profile())
    assert [f.outcome for f in findings] == [Outcome.PASS]
    assert findings[0].message == "未发现与系统目录、共建共享平台或其他单位申报项目相似度达到 35.00% 的内容。"
    assert findings[0].evidence["duplicate.similarity_warn_threshold"]["value"] == Decimal("35.00")


def test_duplicate_findings_per_source_cite_their_article_and_list_at_most_max_matches():
    matches = [_match("80.00", "S1", title="甲系统"), _match("60.00", "S2", title="乙系统"),
               _match("70.00", "P1", DuplicateSource.SHARED_PLATFORM, "省电子证照平台", "省大数据中心"),
               _match("40.00", "D1", DuplicateSource.DECLARATION, "证照项目", "公安厅")]
    findings = duplicate_findings(matches, city_profile({"duplicate.max_matches": 1}))
    assert [f.citation.label for f in findings] == ["第六条", "第八条第四项", "第二十一条"]
    assert [len(f.evidence["相似条目"]) for f in findings] == [1, 1, 1]
    assert findings[0].evidence["相似条目"][0]["名称"] == "甲系统"
    assert findings[2].message == ("拟建内容与其他单位的申报项目相似，可能重复建设：“证照项目”（公安厅）相似度 40.00%。"
                                   "请与相关单位核实，重复的内容改为跨部门共建共享（第二十一条）或从本项目中删除。")
    assert len(duplicate_findings(matches, province_profile())[0].evidence["相似条目"]) == 2


def test_duplicate_threshold_boundary_on_real_text_with_a_city_profile():
    # {甲乙, 丙丁} against {甲乙, 戊己}: exactly 50.00 %
    facts = declaration(name="甲乙", main_tasks="丙丁", duplicate_candidates=(
        Candidate("SYS-X", "甲乙，戊己", "某系统", DuplicateSource.CATALOGUE_SYSTEM, "某厅"),))
    at = possible_duplicate_construction(facts, city_profile({"duplicate.similarity_warn_threshold": "50.00"}))
    past = possible_duplicate_construction(facts, city_profile({"duplicate.similarity_warn_threshold": "50.01"}))
    assert [f.outcome for f in at] == [Outcome.WARN]
    assert at[0].evidence["相似条目"][0]["相似度"] == "50.00%"
    assert [f.outcome for f in past] == [Outcome.PASS]


def test_duplicate_check_leaves_out_the_project_itself_and_the_systems_it_names():
    text = "全省农村集体资产监督管理系统"
    facts = declaration(duplicate_candidates=(
        Candidate("SYS-001", text, "本项目升级的系统", DuplicateSource.CATALOGUE_SYSTEM),
        Candidate("ZW-2026-0001", text, "本项目", DuplicateSource.DECLARATION),
        Candidate("SYS-777", "农村集体资产监督管理", "其他单位的系统", DuplicateSource.CATALOGUE_SYSTEM, "某市"),
    ))
    findings = possible_duplicate_construction(facts, province_profile())
    assert [f.outcome for f in findings] == [Outcome.WARN]
    assert [m["编号"] for m in findings[0].evidence["相似条目"]] == ["SYS-777"]


# --- 第十一条、第十三条、第三十三条: one information resource's sharing (no threshold: facts only) ---------------

def resource(**overrides) -> ResourceFacts:
    """An unconditionally shared entry that breaks no rule; tests change one fact at a time."""
    facts = dict(name="不动产登记信息", sharing=SharingKind.UNCONDITIONAL, sharing_label="无条件共享",
                 on_exchange_platform=True, in_public_catalogue=True, specific_companies_only=False,
                 state_secret=False)
    return ResourceFacts(**(facts | overrides))


def outcomes(findings) -> list[tuple[str, Outcome, int]]:
    return [(f.rule, f.outcome, f.citation.article) for f in findings]


def test_a_resource_shared_as_the_measures_ask_passes_with_its_facts_as_evidence():
    findings = resource_sharing(resource())
    assert outcomes(findings) == [("sharing_resource", Outcome.PASS, 11)]
    assert findings[0].message == "“不动产登记信息”的共享情况符合要求。"
    assert findings[0].evidence == {"信息资源": "不动产登记信息", "共享类型": "无条件共享", "接入共享交换平台": True,
                                    "纳入公共数据资源目录": True, "仅向特定企业开放": False, "涉及国家秘密": False}


def test_unconditional_data_opened_only_to_particular_companies_is_blocked():
    assert outcomes(resource_sharing(resource(specific_companies_only=True))) == [
        ("sharing_specific_companies", Outcome.BLOCK, 11)]


@pytest.mark.parametrize("sharing", [SharingKind.CONDITIONAL, SharingKind.NOT_SHARED])
def test_other_data_opened_only_to_particular_companies_is_a_warning_to_check(sharing):
    findings = resource_sharing(resource(sharing=sharing, specific_companies_only=True))
    assert outcomes(findings) == [("sharing_specific_companies", Outcome.WARN, 11)]
    assert "请确认不属于应普遍共享的数据" in findings[0].message


@pytest.mark.parametrize("sharing", [SharingKind.UNCONDITIONAL, SharingKind.CONDITIONAL])
def test_shared_data_off_the_exchange_platform_is_a_warning(sharing):
    assert outcomes(resource_sharing(resource(sharing=sharing, on_exchange_platform=False))) == [
        ("sharing_exchange_platform", Outcome.WARN, 11)]


def test_data_not_shared_needs_neither_the_exchange_platform_nor_the_public_catalogue():
    findings = resource_sharing(resource(sharing=SharingKind.NOT_SHARED, on_exchange_platform=False,
                                         in_public_catalogue=False))
    assert outcomes(findings) == [("sharing_resource", Outcome.PASS, 11)]


def test_a_state_secret_is_left_to_the_laws_not_to_the_platform_or_the_public_catalogue():
    findings = resource_sharing(resource(state_secret=True, on_exchange_platform=False, in_public_catalogue=False))
    assert outcomes(findings) == [("sharing_state_secret", Outcome.WARN, 13)]
    assert "仅项目单位、保密部门和审计人员可见" in findings[0].message


def test_unconditional_data_outside_the_public_data_catalogue_is_a_warning():
    assert outcomes(resource_sharing(resource(in_public_catalogue=False))) == [
        ("public_data_catalogue", Outcome.WARN, 33)]
    # conditional sharing is not public data for 第三十三条's catalogue
    assert outcomes(resource_sharing(resource(sharing=SharingKind.CONDITIONAL, in_public_catalogue=False))) == [
        ("sharing_resource", Outcome.PASS, 11)]


def test_every_problem_of_one_resource_is_reported_in_the_articles_order():
    findings = resource_sharing(resource(specific_companies_only=True, on_exchange_platform=False,
                                         in_public_catalogue=False))
    assert outcomes(findings) == [("sharing_specific_companies", Outcome.BLOCK, 11),
                                  ("sharing_exchange_platform", Outcome.WARN, 11),
                                  ("public_data_catalogue", Outcome.WARN, 33)]
