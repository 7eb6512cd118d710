"""第四章 建设和运维管理 (rules/ch04_construction.py)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from rules.ch04_construction import (
    ACCEPTANCE_NO_CLOUD_RESOURCES,
    ACCEPTANCE_NO_NEW_PROJECTS,
    ACCEPTANCE_NO_OM_FUNDING,
    SHARING_NO_NEW_CLOUD,
    SHARING_NO_NEW_SYSTEMS,
    SHARING_NO_OM_FUNDING,
    AcceptanceApplicationFacts,
    AcceptanceMaterial,
    AcceptanceRecord,
    AcceptanceResult,
    AcceptanceSchedule,
    AcceptanceStanding,
    AdjustmentRequestFacts,
    ChangeFacts,
    ChangeKind,
    ChangeReason,
    DeferralRequest,
    DeliveryMode,
    OmArrangement,
    ParticipatingDepartment,
    ResponsibilityFacts,
    SharingViolation,
    SupervisionFacts,
    TerminationCause,
    TerminationFacts,
    TrialRunFacts,
    TroubleFacts,
    acceptance_application,
    acceptance_deferral,
    acceptance_due_date,
    acceptance_materials_complete,
    acceptance_sanctions,
    acceptance_standing,
    adjustment_request_admissible,
    classify_change,
    om_arrangement,
    participating_departments_defined,
    required_acceptance_materials,
    responsible_person_is_principal,
    sharing_sanctions,
    supervision_contractor_engaged,
    termination_may_take_effect,
    termination_request_admissible,
    trial_run_complete,
    trouble_reported,
)
from rules.findings import Outcome
from rules.testing import city_profile, province_profile

APPROVED = Decimal("10000000.00")  # 1000万元: 15 % = 1,500,000.00 元


def change(**overrides) -> ChangeFacts:
    facts = ChangeFacts(approved_total_investment=APPROVED, total_investment_after=APPROVED, goals_unchanged=True,
                        amount_moved=Decimal("1500000.00"), reasons=frozenset({ChangeReason.OPTIMISATION}))
    return replace(facts, **overrides)


# --- 第二十六条 ---------------------------------------------------------------------------------

def test_responsible_person_must_be_the_units_principal():
    ok = responsible_person_is_principal(ResponsibilityFacts("张三", "张三"))
    assert (ok.outcome, ok.citation.label) == (Outcome.PASS, "第二十六条第一款")
    bad = responsible_person_is_principal(ResponsibilityFacts("李四", "张三"))
    assert bad.outcome == Outcome.BLOCK
    assert "不是项目单位主要负责人“张三”" in bad.message
    assert responsible_person_is_principal(ResponsibilityFacts(" ", "张三")).outcome == Outcome.BLOCK


def test_supervision_contractor_is_required_by_the_province():
    missing = supervision_contractor_engaged(SupervisionFacts(), province_profile())
    assert (missing.outcome, missing.citation.label) == (Outcome.BLOCK, "第二十六条第二款")
    assert "未委托工程监理单位" in missing.message
    no_contract = supervision_contractor_engaged(SupervisionFacts("某监理公司"), province_profile())
    assert no_contract.outcome == Outcome.BLOCK and "未登记监理合同" in no_contract.message
    ok = supervision_contractor_engaged(SupervisionFacts("某监理公司", True), province_profile())
    assert ok.outcome == Outcome.PASS
    assert ok.evidence["construction.supervision_required"]["value"] is True


def test_a_city_that_does_not_require_supervision_passes_without_one():
    finding = supervision_contractor_engaged(SupervisionFacts(),
                                             city_profile({"construction.supervision_required": False}))
    assert finding.outcome == Outcome.PASS
    assert finding.evidence["construction.supervision_required"]["profile"] == "test-city"


# --- 第二十七条 ---------------------------------------------------------------------------------

def test_participating_departments_need_scope_and_responsibilities():
    ok = participating_departments_defined((ParticipatingDepartment("公安厅", "人口库接口", "提供数据"),))
    assert (ok.outcome, ok.citation.label) == (Outcome.PASS, "第二十七条")
    bad = participating_departments_defined((ParticipatingDepartment("公安厅", "人口库接口", "提供数据"),
                                             ParticipatingDepartment("民政厅", "", "提供数据")))
    assert bad.outcome == Outcome.BLOCK
    assert bad.message.startswith("参建部门民政厅的建设范围或责任义务未落实")


# --- 第二十八条、第二十九条 -------------------------------------------------------------------------

def test_exactly_15_percent_in_one_change_is_a_self_adjustment():
    result = classify_change(change(), province_profile())
    assert result.kind == ChangeKind.SELF_ADJUSTMENT and not result.needs_approval
    assert result.finding.outcome == Outcome.PASS
    assert result.finding.citation.label == "第二十九条第二项"
    assert "向省发展改革委报备" in result.finding.message
    assert result.this_change_percent == Decimal("15")
    assert [c.outcome for c in result.conditions] == [Outcome.PASS] * 4


def test_15_01_percent_in_one_change_is_a_major_change():
    result = classify_change(change(amount_moved=Decimal("1501000.00")), province_profile())
    assert result.kind == ChangeKind.MAJOR_CHANGE and result.needs_approval
    assert (result.finding.outcome, result.finding.citation.label) == (Outcome.BLOCK, "第二十八条")
    assert "资金调整数额（按项目累计计）15.01%，超过批复总投资的 15.00%（1,500,000.00 元）" in result.finding.message
    assert "请事先向省发展改革委提交调整申请" in result.finding.message
    limit = next(c for c in result.conditions if c.rule == "change_amount_within_limit")
    assert (limit.outcome, limit.citation.label) == (Outcome.BLOCK, "第二十九条")


def test_one_cent_over_the_limit_is_already_over():
    result = classify_change(change(amount_moved=Decimal("1500000.01")), province_profile())
    assert result.kind == ChangeKind.MAJOR_CHANGE
    assert "本次调整 1,500,000.01 元" in result.finding.message


def test_cumulative_exactly_15_percent_qualifies_and_shows_both_figures():
    result = classify_change(change(amount_moved=Decimal("500000.00"),
                                    earlier_amounts_moved=(Decimal("1000000.00"),)), province_profile())
    assert result.kind == ChangeKind.SELF_ADJUSTMENT
    assert result.this_change_percent == Decimal("5") and result.cumulative_percent == Decimal("15")
    assert "本次调整 500,000.00 元（5.00%），累计调整 1,500,000.00 元（15.00%）" in result.finding.message
    assert result.finding.evidence["本次资金调整数额"] == Decimal("500000.00")
    assert result.finding.evidence["累计资金调整数额"] == Decimal("1500000.00")


def test_cumulative_15_01_percent_is_a_major_change_though_this_step_is_small():
    result = classify_change(change(amount_moved=Decimal("501000.00"),
                                    earlier_amounts_moved=(Decimal("1000000.00"),)), province_profile())
    assert result.kind == ChangeKind.MAJOR_CHANGE
    assert "本次调整 501,000.00 元（5.01%），累计调整 1,501,000.00 元（15.01%）" in result.finding.message
    assert result.finding.citation.label == "第二十八条"


def test_per_change_reading_counts_only_this_change():
    profile = city_profile({"change.adjustment_amount_reading": "per_change"})
    small = classify_change(change(amount_moved=Decimal("501000.00"),
                                   earlier_amounts_moved=(Decimal("1000000.00"),)), profile)
    assert small.kind == ChangeKind.SELF_ADJUSTMENT
    assert "资金调整数额（按单次计）5.01%" in small.conditions[2].message
    assert "累计调整 1,501,000.00 元（15.01%）" in small.finding.message  # both figures still shown
    at = classify_change(change(amount_moved=Decimal("1500000.00"), earlier_amounts_moved=(Decimal("1"),)), profile)
    assert at.kind == ChangeKind.SELF_ADJUSTMENT
    over = classify_change(change(amount_moved=Decimal("1501000.00")), profile)
    assert over.kind == ChangeKind.MAJOR_CHANGE


def test_a_city_limit_is_read_from_its_profile():
    profile = city_profile({"change.self_adjustment_max_percent": "10.00"})
    assert classify_change(change(amount_moved=Decimal("1000000.00")), profile).kind == ChangeKind.SELF_ADJUSTMENT
    assert classify_change(change(amount_moved=Decimal("1001000.00")), profile).kind == ChangeKind.MAJOR_CHANGE


def test_total_above_approved_is_a_major_change():
    result = classify_change(change(amount_moved=Decimal("100000.00"), total_investment_after=APPROVED + Decimal("0.01")),
                             province_profile())
    assert result.kind == ChangeKind.MAJOR_CHANGE
    assert "超出批复总投资 10,000,000.00 元（超出 0.01 元）" in result.finding.message
    equal = classify_change(change(amount_moved=Decimal("100000.00")), province_profile())
    assert equal.kind == ChangeKind.SELF_ADJUSTMENT


def test_changed_goals_or_no_listed_reason_make_a_major_change():
    goals = classify_change(change(goals_unchanged=False), province_profile())
    assert goals.kind == ChangeKind.MAJOR_CHANGE and "建设目标发生变化" in goals.finding.message
    no_reason = classify_change(change(reasons=frozenset()), province_profile())
    assert no_reason.kind == ChangeKind.MAJOR_CHANGE
    assert "不符合第二十九条所列三种情形中的任何一种" in no_reason.finding.message


@pytest.mark.parametrize(("reasons", "label"), [
    ({ChangeReason.DEPLOYMENT}, "第二十九条第一项"),
    ({ChangeReason.OPTIMISATION}, "第二十九条第二项"),
    ({ChangeReason.BUSINESS_NEEDS}, "第二十九条第三项"),
    ({ChangeReason.BUSINESS_NEEDS, ChangeReason.DEPLOYMENT}, "第二十九条第一项"),
])
def test_self_adjustment_cites_the_item_of_its_reason(reasons, label):
    assert classify_change(change(reasons=frozenset(reasons)), province_profile()).finding.citation.label == label


def test_change_against_a_zero_approved_total_is_an_error():
    with pytest.raises(ValueError, match="批复总投资必须大于零"):
        classify_change(change(approved_total_investment=Decimal("0")), province_profile())


def test_unapproved_major_change_with_overrun_is_not_accepted_afterwards():
    refused = adjustment_request_admissible(AdjustmentRequestFacts(APPROVED, APPROVED + Decimal("0.01"), True))
    assert (refused.outcome, refused.citation.label) == (Outcome.BLOCK, "第二十八条")
    assert refused.message.startswith("省发展改革委不受理该事后调整申请")
    assert "导致超概算（超出 0.01 元）" in refused.message
    no_overrun = adjustment_request_admissible(AdjustmentRequestFacts(APPROVED, APPROVED, True))
    assert no_overrun.outcome == Outcome.WARN and "第四十八条" in no_overrun.message
    beforehand = adjustment_request_admissible(AdjustmentRequestFacts(APPROVED, APPROVED + Decimal("1"), False))
    assert beforehand.outcome == Outcome.PASS


# --- 第三十条 ---------------------------------------------------------------------------------

def test_serious_delay_must_be_reported():
    assert trouble_reported(TroubleFacts()).outcome == Outcome.PASS
    unreported = trouble_reported(TroubleFacts(serious_delay=True, major_loss=True))
    assert (unreported.outcome, unreported.citation.label) == (Outcome.BLOCK, "第三十条第一款")
    assert "出现工程严重逾期、投资重大损失，项目单位尚未向省发展改革委报告" in unreported.message
    assert trouble_reported(TroubleFacts(serious_delay=True, reported_on=date(2026, 1, 5))).outcome == Outcome.PASS


def test_termination_conditions():
    facts = TerminationFacts(True, TerminationCause.FORCE_MAJEURE, True)
    ok = termination_request_admissible(facts)
    assert (ok.outcome, ok.citation.label) == (Outcome.PASS, "第三十条第二款")
    bad = termination_request_admissible(TerminationFacts(False, TerminationCause.OTHER, True))
    assert bad.outcome == Outcome.BLOCK
    assert "项目尚未实施或没有实质性进展；难以继续实施的原因不是外部环境变化或不可抗因素" in bad.message
    assert termination_may_take_effect(facts).message == "不能终止项目建设：须先由省发展改革委核报领导小组。"
    assert termination_may_take_effect(replace(facts, drc_reported=True)).message == "不能终止项目建设：领导小组尚未同意。"
    assert termination_may_take_effect(replace(facts, drc_reported=True, leading_group_approved=True)).outcome \
        == Outcome.PASS


# --- 第三十一条 试运行 ---------------------------------------------------------------------------

@pytest.mark.parametrize(("started", "last_day", "first_ready"), [
    (date(2025, 11, 30), date(2026, 2, 28), date(2026, 3, 1)),
    (date(2025, 1, 31), date(2025, 4, 30), date(2025, 5, 1)),
    (date(2025, 1, 30), date(2025, 4, 30), date(2025, 5, 1)),
    (date(2024, 1, 31), date(2024, 4, 30), date(2024, 5, 1)),
    (date(2023, 11, 29), date(2024, 2, 29), date(2024, 3, 1)),
    (date(2024, 11, 30), date(2025, 2, 28), date(2025, 3, 1)),
])
def test_trial_run_last_day_versus_next_day(started, last_day, first_ready):
    profile = province_profile()
    blocked = trial_run_complete(TrialRunFacts(started, last_day), profile)
    assert (blocked.outcome, blocked.citation.label) == (Outcome.BLOCK, "第三十一条第一款")
    assert blocked.message == f"不能申请验收：试运行未满 3 个月，{last_day} 期满，{first_ready} 起可以申请。"
    ready = trial_run_complete(TrialRunFacts(started, first_ready), profile)
    assert ready.outcome == Outcome.PASS


def test_one_month_trial_run_from_31_january_ends_on_leap_day():
    profile = city_profile({"trial_run.months": 1})
    assert trial_run_complete(TrialRunFacts(date(2024, 1, 31), date(2024, 2, 29)), profile).outcome == Outcome.BLOCK
    assert trial_run_complete(TrialRunFacts(date(2024, 1, 31), date(2024, 3, 1)), profile).outcome == Outcome.PASS


# --- 第三十一条 验收材料 -------------------------------------------------------------------------

def test_materials_for_a_self_built_non_classified_project():
    required = required_acceptance_materials(DeliveryMode.SELF_BUILT, classified=False)
    assert AcceptanceMaterial.MLPS_TEST_REPORT in required
    assert AcceptanceMaterial.DATA_SECURITY_RISK_ASSESSMENT in required
    assert AcceptanceMaterial.SECRECY_TEST_REPORT not in required
    assert {AcceptanceMaterial.CONSTRUCTION_SUMMARY, AcceptanceMaterial.FINANCIAL_REPORT,
            AcceptanceMaterial.THIRD_PARTY_AUDIT, AcceptanceMaterial.RESOURCE_SHARING_REPORT,
            AcceptanceMaterial.FUNCTION_TEST_REPORT, AcceptanceMaterial.PERFORMANCE_TEST_REPORT,
            AcceptanceMaterial.CRYPTOGRAPHY_ASSESSMENT} <= set(required)
    assert len(required) == 9


def test_materials_for_a_classified_project_take_the_secrecy_test_report():
    required = required_acceptance_materials(DeliveryMode.SELF_BUILT, classified=True)
    assert AcceptanceMaterial.SECRECY_TEST_REPORT in required
    assert AcceptanceMaterial.MLPS_TEST_REPORT not in required
    assert AcceptanceMaterial.DATA_SECURITY_RISK_ASSESSMENT not in required
    assert len(required) == 8


def test_purchased_service_acceptance_is_organised_by_the_unit():
    assert required_acceptance_materials(DeliveryMode.PURCHASED_SERVICE, False) == (AcceptanceMaterial.ACCEPTANCE_RESULT,)
    missing = acceptance_materials_complete(DeliveryMode.PURCHASED_SERVICE, False, frozenset())
    assert (missing.outcome, missing.citation.label) == (Outcome.BLOCK, "第三十一条第三款")
    assert missing.message == "验收材料不全：请补充项目单位组织验收的验收结果。"


def test_missing_materials_are_named():
    provided = frozenset(required_acceptance_materials(DeliveryMode.SELF_BUILT, False)) - {
        AcceptanceMaterial.MLPS_TEST_REPORT, AcceptanceMaterial.CRYPTOGRAPHY_ASSESSMENT}
    finding = acceptance_materials_complete(DeliveryMode.SELF_BUILT, False, provided)
    assert (finding.outcome, finding.citation.label) == (Outcome.BLOCK, "第三十一条第二款")
    assert finding.message == "验收材料不全：请补充非涉密信息系统网络安全等级保护测评报告、密码应用安全性评估报告。"
    complete = acceptance_materials_complete(DeliveryMode.SELF_BUILT, False, provided | {
        AcceptanceMaterial.MLPS_TEST_REPORT, AcceptanceMaterial.CRYPTOGRAPHY_ASSESSMENT})
    assert complete.outcome == Outcome.PASS


def test_acceptance_application_checks_every_condition():
    facts = AcceptanceApplicationFacts(
        DeliveryMode.SELF_BUILT, False, construction_complete=True, trial_run_started_on=date(2025, 11, 30),
        trial_run_normal=True, materials=frozenset(required_acceptance_materials(DeliveryMode.SELF_BUILT, False)),
        today=date(2026, 3, 1))
    findings = acceptance_application(facts, province_profile())
    assert [f.rule for f in findings] == ["construction_complete", "trial_run_complete", "trial_run_normal",
                                          "acceptance_materials_complete"]
    assert all(f.outcome == Outcome.PASS for f in findings)
    early = acceptance_application(replace(facts, today=date(2026, 2, 28), trial_run_normal=False), province_profile())
    assert [f.rule for f in early if f.blocks] == ["trial_run_complete", "trial_run_normal"]
    not_started = acceptance_application(replace(facts, trial_run_started_on=None, construction_complete=False),
                                         province_profile())
    assert [f.message for f in not_started if f.blocks] == ["不能申请验收：尚未完成所有建设内容。",
                                                            "不能申请验收：尚未开始试运行。"]


# --- 验收期限、延期 -------------------------------------------------------------------------------

def test_acceptance_due_is_construction_period_plus_trial_run_from_approval():
    schedule = AcceptanceSchedule(date(2025, 3, 31), construction_period_months=12)
    assert acceptance_due_date(schedule, province_profile()) == date(2026, 6, 30)
    assert acceptance_due_date(schedule, city_profile({"trial_run.months": 6})) == date(2026, 9, 30)
    assert acceptance_due_date(schedule, province_profile(), {date(2026, 6, 30)}) == date(2026, 7, 1)
    deferred = replace(schedule, deferred_to=date(2026, 12, 31))
    assert acceptance_due_date(deferred, province_profile()) == date(2026, 12, 31)


def test_acceptance_due_counts_one_period_at_month_end():
    # 2024-11-30 + (9 + 3) months: one period, ends 2025-11-30 (not 28 via February).
    schedule = AcceptanceSchedule(date(2024, 11, 30), construction_period_months=9)
    assert acceptance_due_date(schedule, province_profile()) == date(2025, 11, 30)


def test_deferral_request():
    due = date(2026, 6, 30)
    ok = acceptance_deferral(DeferralRequest(due, date(2026, 9, 30), "第三方测评排期推迟"), due)
    assert (ok.outcome, ok.citation.label) == (Outcome.PASS, "第三十一条第二款")
    assert ok.message == "已书面提出延期验收申请，验收期限延至 2026-09-30。"
    late = acceptance_deferral(DeferralRequest(date(2026, 7, 1), date(2026, 9, 30), "测评推迟"), due)
    assert late.outcome == Outcome.WARN and "第三十二条的后果照常计算" in late.message
    no_reason = acceptance_deferral(DeferralRequest(due, date(2026, 9, 30), " "), due)
    assert no_reason.outcome == Outcome.BLOCK and no_reason.message == "延期验收申请须写明不能按期申请验收的理由。"
    not_later = acceptance_deferral(DeferralRequest(due, due, "测评推迟"), due)
    assert not_later.outcome == Outcome.BLOCK


# --- 第三十二条 ---------------------------------------------------------------------------------

RECORD = AcceptanceRecord("SC2025-001 政务服务平台", due_on=date(2026, 6, 30))


def test_standing_on_the_due_date_and_the_day_after():
    assert acceptance_standing(RECORD, date(2026, 6, 30)) == AcceptanceStanding.NOT_DUE
    assert acceptance_standing(RECORD, date(2026, 7, 1)) == AcceptanceStanding.OVERDUE
    assert acceptance_standing(replace(RECORD, applied_on=date(2026, 7, 5)), date(2026, 7, 6)) \
        == AcceptanceStanding.APPLIED
    assert acceptance_standing(replace(RECORD, result=AcceptanceResult.FAILED), date(2026, 1, 1)) \
        == AcceptanceStanding.FAILED
    assert acceptance_standing(replace(RECORD, result=AcceptanceResult.PASSED), date(2027, 1, 1)) \
        == AcceptanceStanding.ACCEPTED


def test_overdue_acceptance_stops_om_funding_cloud_and_new_projects():
    assert acceptance_sanctions(RECORD, date(2026, 6, 30)) == []
    findings = acceptance_sanctions(RECORD, date(2026, 7, 1))
    assert [f.rule for f in findings] == [ACCEPTANCE_NO_OM_FUNDING, ACCEPTANCE_NO_CLOUD_RESOURCES,
                                          ACCEPTANCE_NO_NEW_PROJECTS]
    assert {(f.outcome, f.citation.label) for f in findings} == {(Outcome.BLOCK, "第三十二条")}
    assert findings[2].message == ("项目“SC2025-001 政务服务平台”逾期未申请验收（验收期限 2026-06-30）："
                                   "不批准项目单位新增项目；完成验收并合格后解除。")
    assert findings[0].evidence["原因"] == "逾期未申请验收（验收期限 2026-06-30）"


def test_failed_acceptance_sanctions_until_passed():
    failed = acceptance_sanctions(replace(RECORD, applied_on=date(2026, 5, 1), result=AcceptanceResult.FAILED),
                                  date(2026, 5, 20))
    assert len(failed) == 3 and "验收不合格：不安排该项目运行维护经费" in failed[0].message
    assert acceptance_sanctions(replace(RECORD, result=AcceptanceResult.PASSED), date(2027, 1, 1)) == []
    assert acceptance_sanctions(replace(RECORD, applied_on=date(2026, 7, 3)), date(2026, 7, 4)) == []


# --- 第三十三条 ---------------------------------------------------------------------------------

def test_sharing_violation_sanctions_the_next_year_only():
    violation = SharingViolation("SC2024-007 社保系统", 2025, failed_to_share=True)
    assert sharing_sanctions(violation, 2025) == []
    assert sharing_sanctions(violation, 2027) == []
    findings = sharing_sanctions(violation, 2026)
    assert [f.rule for f in findings] == [SHARING_NO_NEW_SYSTEMS, SHARING_NO_OM_FUNDING, SHARING_NO_NEW_CLOUD]
    assert {f.citation.label for f in findings} == {"第三十三条"}
    assert findings[0].message == ("项目“SC2024-007 社保系统”2025 年未按要求共享数据资源："
                                   "2026 年度不予审批该项目单位其他新建、改建、扩建政务信息系统。")
    both = sharing_sanctions(replace(violation, duplicate_collection=True), 2026)
    assert "未按要求共享数据资源、重复采集数据" in both[1].message
    assert sharing_sanctions(SharingViolation("x", 2025), 2026) == []


# --- 第三十四条 ---------------------------------------------------------------------------------

def test_unit_without_om_capability_should_not_run_it_itself():
    warn = om_arrangement(False, OmArrangement.SELF)
    assert (warn.outcome, warn.citation.label) == (Outcome.WARN, "第三十四条")
    assert om_arrangement(False, OmArrangement.PURCHASED_SERVICE).outcome == Outcome.PASS
    assert om_arrangement(True, OmArrangement.SELF).outcome == Outcome.PASS
