"""第七章 绩效和监督管理 (rules/ch07_performance.py)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from policy.parameters import ESCALATION_STEPS
from rules.ch07_performance import (
    ESCALATION_STEP_LABELS,
    MisconductFacts,
    MonitoringFacts,
    MonitoringFigures,
    MonitoringReport,
    RectificationFacts,
    RiskFacts,
    SelfEvaluationFacts,
    misconduct_measures,
    monitoring_report_content,
    monitoring_report_due_date,
    monitoring_reports,
    monitoring_years,
    month_after,
    next_escalation_step,
    rectification_due_date,
    risk_rating,
    self_evaluation,
    self_evaluation_window,
    variance,
)
from rules.findings import Outcome
from rules.testing import city_profile, province_profile

# --- 第四十五条 绩效监控报告 ---------------------------------------------------------------------

MONITORING = MonitoringFacts(implementation_started_on=date(2025, 3, 1), today=date(2027, 1, 5),
                             trial_run_started_on=date(2026, 10, 1),
                             reports=(MonitoringReport(2025, date(2025, 12, 20)),))


def test_year_end_run_finds_the_missing_report():
    findings = monitoring_reports(MONITORING, province_profile())
    assert [(f.evidence["年度"], f.outcome) for f in findings] == [
        (2025, Outcome.PASS), (2026, Outcome.BLOCK), (2027, Outcome.PASS)]
    missing = findings[1]
    assert missing.citation.label == "第四十五条第一款"
    assert missing.message == "2026 年度绩效监控报告逾期未提交（期限 2026-12-31）：请立即提交省发展改革委和财政厅。"
    assert findings[2].message == "2027 年度绩效监控报告应于 2027-12-31 前提交省发展改革委和财政厅。"


def test_report_due_on_the_last_day_versus_the_next_day():
    on_time = replace(MONITORING, reports=MONITORING.reports + (MonitoringReport(2026, date(2026, 12, 31)),))
    assert monitoring_reports(on_time, province_profile())[1].outcome == Outcome.PASS
    late = replace(MONITORING, reports=MONITORING.reports + (MonitoringReport(2026, date(2027, 1, 1)),))
    finding = monitoring_reports(late, province_profile())[1]
    assert finding.outcome == Outcome.WARN
    assert finding.message == "2026 年度绩效监控报告逾期提交：期限 2026-12-31，实际 2027-01-01。"
    not_yet = monitoring_reports(replace(MONITORING, today=date(2026, 12, 31)), province_profile())
    assert [f.outcome for f in not_yet] == [Outcome.PASS, Outcome.PASS]


def test_only_years_within_implementation_are_owed():
    accepted = replace(MONITORING, implementation_ended_on=date(2026, 6, 30))
    assert monitoring_years(accepted, province_profile()) == [2025]
    # Approved on the due date itself: that year's report is owed.
    assert monitoring_years(replace(MONITORING, implementation_started_on=date(2025, 12, 31)),
                            province_profile()) == [2025, 2026, 2027]


def test_report_due_date_from_profile_and_holidays():
    assert monitoring_report_due_date(2026, province_profile()) == date(2026, 12, 31)
    assert monitoring_report_due_date(2026, city_profile({"monitoring.report_due": "11-30"})) == date(2026, 11, 30)
    assert monitoring_report_due_date(2026, province_profile(), {date(2026, 12, 31), date(2027, 1, 1)}) \
        == date(2027, 1, 2)


def test_report_content_requires_trial_run_section_once_in_trial():
    report = MonitoringReport(2026, date(2026, 12, 20))
    opinions, content = monitoring_report_content(report, trial_run_started_on=date(2026, 10, 1))
    assert opinions.outcome == Outcome.PASS
    assert (content.outcome, content.citation.label) == (Outcome.BLOCK, "第四十五条第二款")
    assert content.message == "绩效监控报告缺少：试运行效果及遇到的问题。请补充后提交。"
    assert monitoring_report_content(report, None)[1].outcome == Outcome.PASS
    assert monitoring_report_content(report, date(2026, 12, 21))[1].outcome == Outcome.PASS
    full = replace(report, covers_trial_run=True)
    assert monitoring_report_content(full, date(2026, 10, 1))[1].outcome == Outcome.PASS


def test_report_content_requires_the_opinions():
    opinions, _ = monitoring_report_content(MonitoringReport(2026, date(2026, 12, 20), supervision_opinion=False), None)
    assert (opinions.outcome, opinions.citation.label) == (Outcome.BLOCK, "第四十五条第一款")
    assert opinions.message == "绩效监控报告未征求监理单位意见：请征求后补充。"


# --- 第四十六条 自评价 ---------------------------------------------------------------------------

GO_LIVE = date(2025, 1, 15)  # month 11 = 2025-11-16…2025-12-15; month 12 starts 2025-12-16; month 24 ends 2027-01-15


def test_month_after_counts_months_from_the_day_after_start():
    assert month_after(GO_LIVE, GO_LIVE) == 0
    assert month_after(GO_LIVE, date(2025, 1, 16)) == 1
    assert month_after(GO_LIVE, date(2025, 2, 15)) == 1
    assert month_after(GO_LIVE, date(2025, 2, 16)) == 2
    assert month_after(GO_LIVE, date(2025, 12, 15)) == 11
    assert month_after(GO_LIVE, date(2025, 12, 16)) == 12
    assert month_after(date(2025, 1, 31), date(2025, 2, 28)) == 1
    assert month_after(date(2025, 1, 31), date(2025, 3, 1)) == 2


def test_self_evaluation_window():
    assert self_evaluation_window(GO_LIVE, province_profile()) == (date(2025, 12, 16), date(2027, 1, 15))
    assert self_evaluation_window(date(2024, 11, 30), province_profile()) == (date(2025, 10, 31), date(2026, 11, 30))


def test_self_evaluation_filed_in_month_11_does_not_satisfy():
    finding = self_evaluation(SelfEvaluationFacts(GO_LIVE, date(2026, 1, 10), (date(2025, 12, 15),)), province_profile())
    assert (finding.outcome, finding.citation.label) == (Outcome.WARN, "第四十六条")
    assert finding.message == ("2025-12-15 提交的自评价在投入运行后第 11 个月，不满足第四十六条“投入运行后 12 至 24 个月内”"
                               "的要求：请在 2025-12-16 至 2027-01-15 期间重新开展自评价。")


def test_self_evaluation_filed_in_month_12_satisfies():
    finding = self_evaluation(SelfEvaluationFacts(GO_LIVE, date(2026, 1, 10), (date(2025, 12, 16),)), province_profile())
    assert finding.outcome == Outcome.PASS
    assert finding.message == "已于 2025-12-16（投入运行后第 12 个月）开展自评价。"
    both = self_evaluation(SelfEvaluationFacts(GO_LIVE, date(2026, 1, 10), (date(2025, 12, 15), date(2026, 1, 9))),
                           province_profile())
    assert both.outcome == Outcome.PASS


def test_self_evaluation_last_day_of_month_24_and_overdue_after():
    last = self_evaluation(SelfEvaluationFacts(GO_LIVE, date(2027, 1, 15), (date(2027, 1, 15),)), province_profile())
    assert last.outcome == Outcome.PASS and "第 24 个月" in last.message
    pending = self_evaluation(SelfEvaluationFacts(GO_LIVE, date(2027, 1, 15)), province_profile())
    assert pending.outcome == Outcome.PASS
    assert pending.message == "自评价应在 2025-12-16 至 2027-01-15 期间开展。"
    overdue = self_evaluation(SelfEvaluationFacts(GO_LIVE, date(2027, 1, 16)), province_profile())
    assert overdue.outcome == Outcome.BLOCK
    assert overdue.message == ("自评价逾期未开展：应在投入运行后 12 至 24 个月内（2025-12-16 至 2027-01-15）开展，"
                               "请立即开展并提交。")
    early_only = self_evaluation(SelfEvaluationFacts(GO_LIVE, date(2027, 1, 16), (date(2025, 12, 15),)),
                                 province_profile())
    assert early_only.outcome == Outcome.BLOCK
    late = self_evaluation(SelfEvaluationFacts(GO_LIVE, date(2027, 2, 1), (date(2027, 1, 16),)), province_profile())
    assert late.outcome == Outcome.WARN and "第 25 个月" in late.message


def test_self_evaluation_window_from_a_city_profile_and_holidays():
    profile = city_profile({"self_evaluation.window_start_months": 6, "self_evaluation.window_end_months": 18})
    assert self_evaluation_window(GO_LIVE, profile) == (date(2025, 6, 16), date(2026, 7, 15))
    assert self_evaluation_window(GO_LIVE, province_profile(), {date(2027, 1, 15)})[1] == date(2027, 1, 16)


# --- 偏差和风险评级 -------------------------------------------------------------------------------

def figures(actual_spend="4400000.00", planned_progress="40", actual_progress="40") -> MonitoringFigures:
    return MonitoringFigures(D("10000000.00"), D("4000000.00"), D(actual_spend), D(planned_progress),
                             D(actual_progress))


def test_variance_figures():
    v = variance(figures())
    assert (v.planned_value, v.earned_value, v.actual_cost) == (D("4000000.00"), D("4000000"), D("4400000.00"))
    assert v.cost_variance == D("-400000")
    assert v.schedule_variance == D("0")
    assert v.cost_overrun_percent == D("10")
    assert (v.cpi, v.spi) == (D("0.91"), D("1.00"))
    assert v.spend_gap == D("400000.00")
    assert variance(figures(actual_progress="0")).cost_overrun_percent is None


@pytest.mark.parametrize(("kwargs", "level"), [
    ({}, 1),                                          # cost overrun exactly 10.00 %
    ({"actual_spend": "4400400.00"}, 2),              # 10.01 %
    ({"actual_spend": "4800000.00"}, 2),              # exactly 20.00 %
    ({"actual_spend": "4800400.00"}, 3),              # 20.01 %
    ({"planned_progress": "50", "actual_spend": "4000000.00"}, 1),       # slippage exactly 10 points
    ({"planned_progress": "50", "actual_progress": "39.99", "actual_spend": "3999000.00"}, 2),  # 10.01 points
    ({"planned_progress": "60", "actual_progress": "39.99", "actual_spend": "3999000.00"}, 3),  # 20.01 points
])
def test_risk_rating_thresholds_at_and_past(kwargs, level):
    assert risk_rating(RiskFacts(figures(**kwargs)), province_profile()).level == level


def test_risk_rating_reasons_and_cap():
    rating = risk_rating(RiskFacts(figures("4800400.00", "60", "39.99"), overdue_monitoring_reports=1,
                                   overdue_rectifications=2), province_profile())
    assert rating.level == 5
    assert rating.reasons[0].startswith("成本超支 ")
    assert rating.reasons[1] == "进度滞后 20.01 个百分点，超过严重线 20.00"
    assert rating.reasons[2:] == ("1 份绩效监控报告逾期未提交", "2 项整改逾期")
    assert (rating.finding.outcome, rating.finding.citation.label) == (Outcome.WARN, "第四十五条第二款")
    calm = risk_rating(RiskFacts(figures()), province_profile())
    assert calm.finding.outcome == Outcome.PASS
    assert calm.finding.message == "风险等级 1（1 低 – 5 高）：成本和进度偏差均未超过预警线，无逾期事项。"


def test_spending_without_progress_is_serious():
    rating = risk_rating(RiskFacts(figures(actual_progress="0")), province_profile())
    assert rating.level == 5  # 1 + 2 (cost) + 2 (slippage of 40 points)
    assert rating.reasons[0] == "已支出 4,400,000.00 元，但尚无完成进度"


def test_risk_lines_come_from_the_profile():
    profile = city_profile({"performance.variance_warning_percent": "5.00"})
    assert risk_rating(RiskFacts(figures()), profile).level == 2


# --- 第四十七条 整改和处理措施 ---------------------------------------------------------------------

ORDERED = date(2026, 3, 2)


def test_rectification_due_date_default_and_given():
    assert rectification_due_date(ORDERED, province_profile()) == date(2026, 4, 1)
    assert rectification_due_date(ORDERED, province_profile(), days=15) == date(2026, 3, 17)
    assert rectification_due_date(ORDERED, city_profile({"rectification.default_days": 60})) == date(2026, 5, 1)
    assert rectification_due_date(ORDERED, province_profile(), holidays={date(2026, 4, 1)}) == date(2026, 4, 2)


RECT = RectificationFacts(ORDERED, date(2026, 4, 1), date(2026, 4, 1))


def test_within_the_deadline_no_escalation():
    escalation = next_escalation_step(RECT, province_profile())
    assert escalation.step is None and escalation.finding.outcome == Outcome.PASS
    assert escalation.finding.message == "整改期限内：请项目单位于 2026-04-01 前完成整改并报送。"


def test_overdue_rectification_escalates_step_by_step():
    profile = province_profile()
    overdue = replace(RECT, today=date(2026, 4, 2))
    first = next_escalation_step(overdue, profile)
    assert (first.step, first.label) == ("notice_of_criticism", "通报批评")
    assert (first.finding.outcome, first.finding.citation.label) == (Outcome.WARN, "第四十七条第一款")
    assert first.finding.message == "逾期不整改（期限 2026-04-01）：下一步处理措施为“通报批评”，请作出决定并记录。"
    steps = [first.step]
    for expected in ("defer_investment_plan", "suspend_construction", "terminate_project"):
        escalation = next_escalation_step(replace(overdue, steps_taken=tuple(steps)), profile)
        assert escalation.step == expected
        steps.append(escalation.step)
    done = next_escalation_step(replace(overdue, steps_taken=tuple(steps)), profile)
    assert done.step is None and done.finding.outcome == Outcome.BLOCK
    assert "已采取全部处理措施（通报批评、暂缓安排投资计划、暂停项目建设、终止项目）" in done.finding.message


def test_failed_recheck_escalates_and_passed_recheck_closes():
    failed = replace(RECT, today=date(2026, 3, 20), rectified_on=date(2026, 3, 15), recheck_passed=False)
    escalation = next_escalation_step(failed, province_profile())
    assert escalation.step == "notice_of_criticism"
    assert escalation.finding.message.startswith("整改后仍不符合要求：")
    pending = next_escalation_step(replace(failed, recheck_passed=None, today=date(2026, 5, 1)), province_profile())
    assert pending.step is None and "待复查" in pending.finding.message
    passed = next_escalation_step(replace(failed, recheck_passed=True), province_profile())
    assert passed.step is None and passed.finding.message == "已整改并经复查符合要求。"


def test_escalation_follows_the_profile_ladder():
    profile = city_profile({"rectification.escalation_steps": ["notice_of_criticism", "terminate_project"]})
    overdue = replace(RECT, today=date(2026, 4, 2), steps_taken=("notice_of_criticism",))
    assert next_escalation_step(overdue, profile).step == "terminate_project"
    with pytest.raises(ValueError, match="未知的处理措施"):
        next_escalation_step(replace(overdue, steps_taken=("fine",)), profile)


def test_escalation_labels_match_the_parameters():
    assert ESCALATION_STEP_LABELS == ESCALATION_STEPS


# --- 第四十八条 -------------------------------------------------------------------------------

def test_misconduct_measures():
    assert misconduct_measures(MisconductFacts()) == []
    first, second = misconduct_measures(MisconductFacts(skipped_filing_or_approval=True, funds_diverted=True))
    assert (first.citation.label, second.citation.label) == ("第四十八条第一款", "第四十八条第二款")
    assert "应予以通报批评，并对负有直接责任的主管人员和其他责任人员依法给予处分" in first.message
    assert "《财政违法行为处罚处分条例》" in second.message
