"""第五章 资金保障和管理 (rules/ch05_funding.py)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from rules.ch04_construction import AcceptanceRecord, AcceptanceResult, SharingViolation
from rules.ch05_funding import (
    DisbursementFacts,
    FundingPurpose,
    FundingSource,
    OmBudgetFacts,
    OmFundingFacts,
    OmRound,
    SurplusFacts,
    disbursement_within_budget,
    funding_source_matches,
    om_budget_declaration,
    om_budget_declaration_window,
    om_budget_declaration_year,
    om_funding_eligibility,
    surplus_outstanding,
    surplus_return,
    surplus_return_due_date,
)
from rules.ch08_security import AssessmentResult, SecurityFacts
from rules.findings import Outcome
from rules.testing import city_profile, province_profile

APPROVED = Decimal("10000000.00")


# --- 第三十五条 ---------------------------------------------------------------------------------

def test_om_and_purchased_services_are_funded_by_finance():
    warn = funding_source_matches(FundingPurpose.OM, FundingSource.CAPITAL_CONSTRUCTION)
    assert (warn.outcome, warn.citation.label) == (Outcome.WARN, "第三十五条")
    assert warn.message == "运行维护资金应由财政厅统筹保障，登记的来源为预算内基本建设资金：请核实资金渠道。"
    assert funding_source_matches(FundingPurpose.PURCHASED_SERVICE, FundingSource.FINANCE_BUDGET).outcome == Outcome.PASS
    assert funding_source_matches(FundingPurpose.CONSTRUCTION, FundingSource.CENTRAL_SPECIAL).outcome == Outcome.PASS
    assert funding_source_matches(FundingPurpose.CONSTRUCTION, FundingSource.OTHER).outcome == Outcome.PASS


# --- 支出不超过批复 --------------------------------------------------------------------------------

def test_disbursements_up_to_the_approved_total_pass():
    facts = DisbursementFacts(APPROVED, Decimal("1000000.00"), (Decimal("6000000.00"), Decimal("3000000.00")))
    finding = disbursement_within_budget(facts)
    assert (finding.outcome, finding.citation.label) == (Outcome.PASS, "第二十八条")
    assert finding.evidence["支付后累计"] == APPROVED


def test_one_cent_over_the_approved_total_is_refused():
    facts = DisbursementFacts(APPROVED, Decimal("1000000.01"), (Decimal("6000000.00"), Decimal("3000000.00")))
    finding = disbursement_within_budget(facts)
    assert finding.outcome == Outcome.BLOCK
    assert finding.message == ("不能支付：本次支付后累计支出 10,000,000.01 元，超过批复投资 10,000,000.00 元（超出 0.01 元）。"
                               "超出批复须先向省发展改革委提交调整申请并经批准。")


def test_an_approved_change_raises_the_budget():
    facts = DisbursementFacts(APPROVED, Decimal("1000000.01"), (Decimal("9000000.00"),), (Decimal("500000.00"),))
    assert disbursement_within_budget(facts).outcome == Outcome.PASS


def test_negative_disbursements_are_an_error():
    with pytest.raises(ValueError, match="不能为负数"):
        disbursement_within_budget(DisbursementFacts(APPROVED, Decimal("-1")))


# --- 第三十六条第二款 结余资金 ----------------------------------------------------------------------

SURPLUS = SurplusFacts(APPROVED, Decimal("9200000.00"), True, determined_on=date(2026, 3, 2), today=date(2026, 4, 1))


def test_surplus_due_on_the_last_day_then_overdue():
    profile = province_profile()
    assert surplus_return_due_date(SURPLUS, profile) == date(2026, 4, 1)
    pending = surplus_return(SURPLUS, profile)
    assert (pending.outcome, pending.citation.label) == (Outcome.WARN, "第三十六条第二款")
    assert pending.message == "有结余资金 800,000.00 元待退回：请于 2026-04-01 前按规定退回。"
    overdue = surplus_return(replace(SURPLUS, today=date(2026, 4, 2)), profile)
    assert overdue.outcome == Outcome.BLOCK
    assert overdue.message == "结余资金逾期未退回：尚有 800,000.00 元未退回，退回期限为 2026-04-01，请立即退回。"
    assert overdue.evidence["surplus.return_days"]["value"] == 30


def test_partial_and_full_return():
    partial = replace(SURPLUS, returned=(Decimal("300000.00"),))
    assert surplus_outstanding(partial) == Decimal("500000.00")
    done = surplus_return(replace(SURPLUS, returned=(Decimal("300000.00"), Decimal("500000.00"))), province_profile())
    assert done.outcome == Outcome.PASS and done.message == "结余资金 800,000.00 元已全部退回。"
    none = surplus_return(replace(SURPLUS, actual_total_spent=APPROVED), province_profile())
    assert none.message == "项目总投资没有结余。"


def test_surplus_deadline_moves_past_a_holiday_and_goals_changed_is_warned():
    assert surplus_return_due_date(SURPLUS, province_profile(), {date(2026, 4, 1)}) == date(2026, 4, 2)
    changed = surplus_return(replace(SURPLUS, goals_and_content_unchanged=False), province_profile())
    assert changed.outcome == Outcome.WARN and "以调整批复为准" in changed.message


# --- 第三十七条 运维经费预算 --------------------------------------------------------------------------

NEW_OM = OmBudgetFacts(OmRound.NEW, service_ends_on=date(2027, 6, 30), today=date(2026, 5, 10))


def test_new_project_declares_in_the_year_before_warranty_ends():
    assert om_budget_declaration_year(NEW_OM) == 2026
    assert om_budget_declaration_window(NEW_OM, province_profile()) == (date(2026, 1, 1), date(2026, 12, 31))
    # Warranty ending on 31 December: money is needed from 1 January of the next year.
    assert om_budget_declaration_year(replace(NEW_OM, service_ends_on=date(2027, 12, 31))) == 2027


def test_declaration_within_the_year_before_passes():
    [finding] = om_budget_declaration(replace(NEW_OM, declared_on=date(2026, 12, 31)), province_profile())
    assert (finding.outcome, finding.citation.label) == (Outcome.PASS, "第三十七条第一项")
    assert finding.message == "已于 2026-12-31 申报 2027 年度运维经费预算。"


def test_declaration_due_last_day_versus_next_day():
    [pending] = om_budget_declaration(replace(NEW_OM, today=date(2026, 12, 31)), province_profile())
    assert pending.outcome == Outcome.PASS
    assert pending.message == "2027 年度运维经费预算应在 2026-01-01 至 2026-12-31 期间申报。"
    [overdue] = om_budget_declaration(replace(NEW_OM, today=date(2027, 1, 1)), province_profile())
    assert overdue.outcome == Outcome.BLOCK
    assert overdue.message == "维保结束（2027-06-30）后需安排运维经费，2027 年度运维经费预算应在 2026-12-31 前申报，已逾期未申报。"
    [late] = om_budget_declaration(replace(NEW_OM, declared_on=date(2027, 1, 1), today=date(2027, 1, 1)),
                                   province_profile())
    assert late.outcome == Outcome.BLOCK and "已逾期" in late.message


def test_a_city_may_set_an_earlier_declaration_date():
    profile = city_profile({"om_budget.declaration_due": "06-30"})
    [ok] = om_budget_declaration(replace(NEW_OM, declared_on=date(2026, 6, 30)), profile)
    assert ok.outcome == Outcome.PASS
    [late] = om_budget_declaration(replace(NEW_OM, declared_on=date(2026, 7, 1), today=date(2026, 7, 1)), profile)
    assert late.outcome == Outcome.BLOCK


def test_too_early_a_declaration_is_warned():
    [early] = om_budget_declaration(replace(NEW_OM, declared_on=date(2025, 11, 1)), province_profile())
    assert early.outcome == Outcome.WARN and "早于 2026 年度" in early.message


def test_continuing_om_needs_a_reassessment():
    facts = OmBudgetFacts(OmRound.CONTINUING, date(2026, 12, 31), today=date(2026, 6, 1), declared_on=date(2026, 6, 1))
    declared, reassessed = om_budget_declaration(facts, province_profile())
    assert (declared.outcome, declared.citation.label) == (Outcome.PASS, "第三十七条第二项")
    assert (reassessed.rule, reassessed.outcome) == ("om_needs_reassessed", Outcome.BLOCK)
    assert "对新一轮运维需求重新进行论证评估" in reassessed.message
    _, ok = om_budget_declaration(replace(facts, reassessed=True), province_profile())
    assert ok.outcome == Outcome.PASS


# --- 运维经费安排的条件 -----------------------------------------------------------------------------

ACCEPTED = AcceptanceRecord("SC2024-001 政务服务平台", date(2025, 6, 30), date(2025, 6, 1), AcceptanceResult.PASSED)
OM = OmFundingFacts("SC2024-001 政务服务平台", 2027, date(2026, 9, 1), True, ACCEPTED,
                    security=SecurityFacts("SC2024-001 政务服务平台", classified=False))


def test_eligible_project_passes_every_bar():
    findings = om_funding_eligibility(OM)
    assert [(f.outcome, f.citation.label) for f in findings] == [
        (Outcome.PASS, "第九条"), (Outcome.PASS, "第三十二条"), (Outcome.PASS, "第三十三条"), (Outcome.PASS, "第五十一条")]


def test_outside_the_catalogue_no_om_money():
    finding = om_funding_eligibility(replace(OM, in_catalogue=False))[0]
    assert (finding.outcome, finding.citation.label) == (Outcome.BLOCK, "第九条")
    assert "未纳入系统目录管理，不安排运维经费" in finding.message


def test_unaccepted_project_gets_no_om_money():
    pending = replace(ACCEPTED, applied_on=None, result=AcceptanceResult.NONE, due_on=date(2026, 12, 31))
    finding = om_funding_eligibility(replace(OM, acceptance=pending))[1]
    assert (finding.outcome, finding.citation.label) == (Outcome.BLOCK, "第三十二条")
    assert finding.message == "项目“SC2024-001 政务服务平台”尚未进行验收，不安排该项目运行维护经费：验收合格后方可安排。"
    failed = om_funding_eligibility(replace(OM, acceptance=replace(ACCEPTED, result=AcceptanceResult.FAILED)))[1]
    assert "验收不合格" in failed.message


def test_sharing_violation_of_the_previous_year_stops_om_money():
    violation = SharingViolation("SC2024-001 政务服务平台", 2026, duplicate_collection=True)
    finding = om_funding_eligibility(replace(OM, sharing_violations=(violation,)))[2]
    assert (finding.outcome, finding.citation.label) == (Outcome.BLOCK, "第三十三条")
    assert "2027 年度不安排该项目信息化运行维护经费" in finding.message
    older = replace(violation, year=2025)
    assert om_funding_eligibility(replace(OM, sharing_violations=(older,)))[2].outcome == Outcome.PASS


def test_security_failure_stops_om_money():
    security = replace(OM.security, cryptography_assessment=AssessmentResult.FAILED)
    finding = om_funding_eligibility(replace(OM, security=security))[3]
    assert (finding.outcome, finding.citation.label) == (Outcome.BLOCK, "第五十一条")
    assert finding.message == "项目“SC2024-001 政务服务平台”密码应用安全性评估未通过：不安排该项目运行维护经费。"
