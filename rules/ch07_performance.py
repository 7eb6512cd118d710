"""第七章 绩效和监督管理 (第四十四条–第四十八条).

Not formalised:
- 第四十四条 (the unit is responsible for performance and must not refuse, hide or misreport): a duty
  judged by the supervising bodies; its breach is recorded as a 第四十八条 misconduct finding.
- 第四十六条 evaluations by the competent departments and post-evaluation by the DRC and finance:
  they are done "适时" (when they see fit), so no deadline is computed; their results are recorded.
- 第四十七条第二款 audits by the audit office: recorded as findings, nothing to compute.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .findings import Citation, Finding, Outcome
from .periods import (
    deadline_after_days,
    deadline_after_months,
    months_later,
    period_complete_on,
    shift_past_holidays,
)
from .profile import Profile

HUNDRED = Decimal("100")
ZERO = Decimal("0")


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


# ---------------------------------------------------------------------------
# 第四十五条 绩效监控报告
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitoringReport:
    year: int
    submitted_on: date
    covers_progress: bool = True  # 项目实施进度
    covers_budget_execution: bool = True  # 资金计划执行情况
    covers_trial_run: bool = False  # 试运行效果及遇到的问题
    using_unit_opinion: bool = True  # 征求项目使用单位意见
    supervision_opinion: bool = True  # 征求监理单位意见


@dataclass(frozen=True)
class MonitoringFacts:
    implementation_started_on: date  # 实施期开始（批复）
    today: date
    implementation_ended_on: date | None = None  # 实施期结束（验收合格或终止）
    trial_run_started_on: date | None = None
    reports: tuple[MonitoringReport, ...] = ()


def monitoring_report_due_date(year: int, profile: Profile, holidays: Container[date] = frozenset()) -> date:
    """第四十五条第一款 “每年年底前”: the profile's ``monitoring.report_due`` of ``year``."""
    month, day = (int(x) for x in profile.value("monitoring.report_due").split("-"))
    return shift_past_holidays(date(year, month, day), holidays)


def monitoring_years(facts: MonitoringFacts, profile: Profile, holidays: Container[date] = frozenset()) -> list[int]:
    """The years whose report is owed: those whose due date falls within the implementation period
    (from its start, and before it ends), up to the current year (whose report may not be due yet)."""
    last = facts.today.year if facts.implementation_ended_on is None else min(facts.today.year,
                                                                             facts.implementation_ended_on.year)
    years = []
    for year in range(facts.implementation_started_on.year, last + 1):
        due = monitoring_report_due_date(year, profile, holidays)
        if facts.implementation_started_on <= due and (facts.implementation_ended_on is None
                                                       or facts.implementation_ended_on > due):
            years.append(year)
    return years


def monitoring_reports(facts: MonitoringFacts, profile: Profile,
                       holidays: Container[date] = frozenset()) -> list[Finding]:
    """第四十五条第一款：“项目单位在项目实施期内应对项目绩效目标执行情况进行绩效监控……形成项目绩效监控报告，
    每年年底前提交省发展改革委和财政厅。” One finding per year owed (the year-end run uses it)."""
    citation = Citation(45, paragraph=1)
    by_year = {r.year: r for r in sorted(facts.reports, key=lambda r: r.submitted_on)}
    findings = []
    for year in monitoring_years(facts, profile, holidays):
        due = monitoring_report_due_date(year, profile, holidays)
        report = by_year.get(year)
        evidence = {"年度": year, "提交期限": due, "提交日期": report.submitted_on if report else None,
                    "今天": facts.today, **profile.evidence("monitoring.report_due")}
        if report is not None and report.submitted_on <= due:
            findings.append(Finding("monitoring_report", Outcome.PASS,
                                    f"{year} 年度绩效监控报告已于 {report.submitted_on} 提交。", citation, evidence))
        elif report is not None:
            findings.append(Finding("monitoring_report", Outcome.WARN,
                                    f"{year} 年度绩效监控报告逾期提交：期限 {due}，实际 {report.submitted_on}。",
                                    citation, evidence))
        elif facts.today > due:
            findings.append(Finding("monitoring_report", Outcome.BLOCK,
                                    f"{year} 年度绩效监控报告逾期未提交（期限 {due}）：请立即提交省发展改革委和财政厅。",
                                    citation, evidence))
        else:
            findings.append(Finding("monitoring_report", Outcome.PASS,
                                    f"{year} 年度绩效监控报告应于 {due} 前提交省发展改革委和财政厅。", citation, evidence))
    return findings


def monitoring_report_content(report: MonitoringReport, trial_run_started_on: date | None) -> list[Finding]:
    """第四十五条：“并征求项目使用单位和监理单位意见”（第一款）；“项目绩效监控报告主要包括项目实施进度和资金计划
    执行情况。对于已投入试运行的系统，还应说明试运行效果及遇到的问题等。”（第二款）"""
    missing_opinions = [label for ok, label in ((report.using_unit_opinion, "项目使用单位"),
                                                (report.supervision_opinion, "监理单位")) if not ok]
    in_trial = trial_run_started_on is not None and trial_run_started_on <= report.submitted_on
    missing = [label for ok, label in ((report.covers_progress, "项目实施进度"),
                                       (report.covers_budget_execution, "资金计划执行情况"),
                                       (report.covers_trial_run or not in_trial, "试运行效果及遇到的问题")) if not ok]
    evidence = {"年度": report.year, "已投入试运行": in_trial, "缺少内容": missing, "缺少意见": missing_opinions}
    findings = []
    if missing_opinions:
        findings.append(Finding("monitoring_report_opinions", Outcome.BLOCK,
                                f"绩效监控报告未征求{'、'.join(missing_opinions)}意见：请征求后补充。",
                                Citation(45, paragraph=1), evidence))
    else:
        findings.append(Finding("monitoring_report_opinions", Outcome.PASS, "已征求项目使用单位和监理单位意见。",
                                Citation(45, paragraph=1), evidence))
    if missing:
        findings.append(Finding("monitoring_report_content", Outcome.BLOCK,
                                f"绩效监控报告缺少：{'、'.join(missing)}。请补充后提交。", Citation(45, paragraph=2), evidence))
    else:
        findings.append(Finding("monitoring_report_content", Outcome.PASS, "绩效监控报告内容完整。",
                                Citation(45, paragraph=2), evidence))
    return findings


# ---------------------------------------------------------------------------
# 第四十六条 自评价
# ---------------------------------------------------------------------------


def month_after(start: date, day: date) -> int:
    """Which month after ``start`` ``day`` falls in (month 1 ends on ``months_later(start, 1)``); 0 if not after."""
    if day <= start:
        return 0
    k = max(1, (day.year - start.year) * 12 + day.month - start.month)
    while day > months_later(start, k):
        k += 1
    while k > 1 and day <= months_later(start, k - 1):
        k -= 1
    return k


def self_evaluation_window(went_live_on: date, profile: Profile,
                           holidays: Container[date] = frozenset()) -> tuple[date, date]:
    """第四十六条 “项目投入运行后 12 至 24 个月内”: (first day of month ``window_start_months``,
    last day of month ``window_end_months``, moved past holidays)."""
    start = profile.value("self_evaluation.window_start_months")
    end = profile.value("self_evaluation.window_end_months")
    opens = period_complete_on(went_live_on, max(start - 1, 0))
    return opens, deadline_after_months(went_live_on, end, holidays)


@dataclass(frozen=True)
class SelfEvaluationFacts:
    went_live_on: date  # 投入运行日期
    today: date
    filed_on: tuple[date, ...] = ()  # 自评价报告提交日期


def self_evaluation(facts: SelfEvaluationFacts, profile: Profile, holidays: Container[date] = frozenset()) -> Finding:
    """第四十六条：“项目投入运行后 12 至 24 个月内，项目单位应开展自评价。”

    Ordered: one filed in the window satisfies it; one filed after the window satisfies it late;
    none by the end of the window is overdue; one filed before the window does not satisfy it.
    """
    opens, due = self_evaluation_window(facts.went_live_on, profile, holidays)
    start = profile.value("self_evaluation.window_start_months")
    end = profile.value("self_evaluation.window_end_months")
    citation = Citation(46)
    evidence = {"投入运行日期": facts.went_live_on, "窗口开始": opens, "窗口截止": due,
                "提交日期": list(facts.filed_on), "提交月份": [month_after(facts.went_live_on, d) for d in facts.filed_on],
                "今天": facts.today,
                **profile.evidence("self_evaluation.window_start_months", "self_evaluation.window_end_months")}
    in_window = [d for d in facts.filed_on if opens <= d <= due]
    late = [d for d in facts.filed_on if d > due]
    early = [d for d in facts.filed_on if d < opens]
    if in_window:
        d = min(in_window)
        return Finding("self_evaluation", Outcome.PASS,
                       f"已于 {d}（投入运行后第 {month_after(facts.went_live_on, d)} 个月）开展自评价。", citation, evidence)
    if late:
        d = min(late)
        return Finding("self_evaluation", Outcome.WARN,
                       f"自评价逾期：应在 {opens} 至 {due} 期间开展，实际于 {d}（投入运行后第 "
                       f"{month_after(facts.went_live_on, d)} 个月）提交。", citation, evidence)
    if facts.today > due:
        return Finding("self_evaluation", Outcome.BLOCK,
                       f"自评价逾期未开展：应在投入运行后 {start} 至 {end} 个月内（{opens} 至 {due}）开展，请立即开展并提交。",
                       citation, evidence)
    if early:
        d = max(early)
        return Finding("self_evaluation", Outcome.WARN,
                       f"{d} 提交的自评价在投入运行后第 {month_after(facts.went_live_on, d)} 个月，不满足第四十六条"
                       f"“投入运行后 {start} 至 {end} 个月内”的要求：请在 {opens} 至 {due} 期间重新开展自评价。",
                       citation, evidence)
    return Finding("self_evaluation", Outcome.PASS,
                   f"自评价应在 {opens} 至 {due} 期间开展。", citation, evidence)


# ---------------------------------------------------------------------------
# 偏差和风险评级（第四十五条第二款：实施进度和资金计划执行情况）
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitoringFigures:
    approved_total_investment: Decimal
    planned_spend: Decimal  # 截至报告期的计划累计支出
    actual_spend: Decimal  # 实际累计支出
    planned_progress_percent: Decimal  # 计划完成进度（%）
    actual_progress_percent: Decimal  # 实际完成进度（%）


@dataclass(frozen=True)
class Variance:
    """Earned-value figures: PV = planned spend, EV = approved total × actual progress, AC = actual spend."""

    planned_value: Decimal
    earned_value: Decimal
    actual_cost: Decimal
    cost_variance: Decimal  # EV − AC；负数为超支
    schedule_variance: Decimal  # EV − PV；负数为滞后
    cost_overrun_percent: Decimal | None  # (AC − EV) ÷ EV × 100；EV 为零时无
    schedule_slippage_points: Decimal  # 计划进度 − 实际进度（百分点）
    spend_gap: Decimal  # 实际支出 − 计划支出
    cpi: Decimal | None  # EV ÷ AC，两位小数
    spi: Decimal | None  # EV ÷ PV，两位小数


def variance(figures: MonitoringFigures) -> Variance:
    ev = figures.approved_total_investment * figures.actual_progress_percent / HUNDRED
    pv, ac = figures.planned_spend, figures.actual_spend
    return Variance(
        planned_value=pv, earned_value=ev, actual_cost=ac,
        cost_variance=ev - ac, schedule_variance=ev - pv,
        cost_overrun_percent=(ac - ev) * HUNDRED / ev if ev else None,
        schedule_slippage_points=figures.planned_progress_percent - figures.actual_progress_percent,
        spend_gap=ac - pv,
        cpi=_round(ev / ac) if ac else None,
        spi=_round(ev / pv) if pv else None,
    )


@dataclass(frozen=True)
class RiskFacts:
    figures: MonitoringFigures
    overdue_monitoring_reports: int = 0
    overdue_rectifications: int = 0


@dataclass(frozen=True)
class RiskRating:
    level: int  # 1（低）至 5（高）
    reasons: tuple[str, ...]
    variance: Variance
    finding: Finding


def risk_rating(facts: RiskFacts, profile: Profile) -> RiskRating:
    """A risk rating 1–5 from the monitoring figures (第四十五条第二款 “项目实施进度和资金计划执行情况”).

    Level = 1 + points, at most 5. Cost overrun and schedule slippage each add 1 point above the
    profile's ``performance.variance_warning_percent`` and 2 above ``variance_serious_percent``
    (strictly above: a variance exactly at a line adds nothing); an overdue monitoring report and an
    overdue rectification add 1 each.
    """
    warning = profile.value("performance.variance_warning_percent")
    serious = profile.value("performance.variance_serious_percent")
    v = variance(facts.figures)
    points = 0
    reasons = []
    if v.cost_overrun_percent is None:
        if v.actual_cost > 0:
            points += 2
            reasons.append(f"已支出 {_yuan(v.actual_cost)}，但尚无完成进度")
    elif v.cost_overrun_percent > serious:
        points += 2
        reasons.append(f"成本超支 {_round(v.cost_overrun_percent)}%，超过严重线 {serious}%")
    elif v.cost_overrun_percent > warning:
        points += 1
        reasons.append(f"成本超支 {_round(v.cost_overrun_percent)}%，超过预警线 {warning}%")
    slip = v.schedule_slippage_points
    if slip > serious:
        points += 2
        reasons.append(f"进度滞后 {_round(slip)} 个百分点，超过严重线 {serious}")
    elif slip > warning:
        points += 1
        reasons.append(f"进度滞后 {_round(slip)} 个百分点，超过预警线 {warning}")
    if facts.overdue_monitoring_reports:
        points += 1
        reasons.append(f"{facts.overdue_monitoring_reports} 份绩效监控报告逾期未提交")
    if facts.overdue_rectifications:
        points += 1
        reasons.append(f"{facts.overdue_rectifications} 项整改逾期")
    level = min(5, 1 + points)
    if not reasons:
        reasons.append("成本和进度偏差均未超过预警线，无逾期事项")
    evidence = {"计划价值": v.planned_value, "挣值": v.earned_value, "实际成本": v.actual_cost,
                "成本偏差": v.cost_variance, "进度偏差": v.schedule_variance,
                "成本超支比例": v.cost_overrun_percent, "进度滞后百分点": slip, "CPI": v.cpi, "SPI": v.spi,
                "风险等级": level, "理由": reasons,
                **profile.evidence("performance.variance_warning_percent", "performance.variance_serious_percent")}
    outcome = Outcome.PASS if level <= 2 else Outcome.WARN
    finding = Finding("risk_rating", outcome, f"风险等级 {level}（1 低 – 5 高）：{'；'.join(reasons)}。",
                      Citation(45, paragraph=2), evidence)
    return RiskRating(level, tuple(reasons), v, finding)


# ---------------------------------------------------------------------------
# 第四十七条 监督、限期整改和处理措施
# ---------------------------------------------------------------------------


class SupervisionArea(StrEnum):
    """第四十七条第一款所列监督事项。"""

    PROCUREMENT = "procurement"
    QUALITY = "quality"
    SCHEDULE = "schedule"
    SPENDING = "spending"
    BUDGET_CONTROL = "budget_control"
    SHARING = "sharing"
    CRYPTOGRAPHY = "cryptography"
    NETWORK_SECURITY = "network_security"


SUPERVISION_AREA_LABELS = {
    SupervisionArea.PROCUREMENT: "招标采购", SupervisionArea.QUALITY: "建设质量", SupervisionArea.SCHEDULE: "实施进度",
    SupervisionArea.SPENDING: "资金使用", SupervisionArea.BUDGET_CONTROL: "概算控制", SupervisionArea.SHARING: "信息共享",
    SupervisionArea.CRYPTOGRAPHY: "密码应用", SupervisionArea.NETWORK_SECURITY: "网络安全",
}

# Labels of the escalation steps (identifiers are policy.parameters.ESCALATION_STEPS').
ESCALATION_STEP_LABELS = {
    "notice_of_criticism": "通报批评", "defer_investment_plan": "暂缓安排投资计划",
    "suspend_construction": "暂停项目建设", "terminate_project": "终止项目",
}


def rectification_due_date(ordered_on: date, profile: Profile, days: int | None = None,
                           holidays: Container[date] = frozenset()) -> date:
    """第四十七条 “限期整改”: the deadline the body sets, or the profile's ``rectification.default_days``."""
    return deadline_after_days(ordered_on, profile.value("rectification.default_days") if days is None else days,
                               holidays)


@dataclass(frozen=True)
class RectificationFacts:
    ordered_on: date
    due_on: date  # 当前整改期限（处理后另定期限的，为新期限）
    today: date
    rectified_on: date | None = None  # 项目单位报送整改情况的日期
    recheck_passed: bool | None = None  # 复查结论；None 为尚未复查
    steps_taken: tuple[str, ...] = ()  # 已采取的处理措施（标识）


@dataclass(frozen=True)
class Escalation:
    step: str | None  # 下一步处理措施的标识；None 为无需处理或已无更重措施
    finding: Finding

    @property
    def label(self) -> str:
        return ESCALATION_STEP_LABELS[self.step] if self.step else ""


def next_escalation_step(facts: RectificationFacts, profile: Profile) -> Escalation:
    """第四十七条第一款：“发现违反国家和省有关规定或者批复要求的，应当要求项目单位限期整改。逾期不整改或者整改后
    仍不符合要求的，领导小组及有关部门（单位）采取通报批评、暂缓安排投资计划、暂停项目建设直至终止项目等方式予以处理。”

    The ladder is the profile's ``rectification.escalation_steps``. The next step due is the one after
    the furthest step already taken; after each step the body may set a new deadline (``due_on``).
    """
    ladder = profile.value("rectification.escalation_steps")
    unknown = [s for s in facts.steps_taken if s not in ESCALATION_STEP_LABELS]
    if unknown:
        raise ValueError(f"未知的处理措施：{'、'.join(unknown)}")
    citation = Citation(47, paragraph=1)
    evidence = {"整改期限": facts.due_on, "今天": facts.today, "整改报送日期": facts.rectified_on,
                "复查合格": facts.recheck_passed, "已采取措施": [ESCALATION_STEP_LABELS[s] for s in facts.steps_taken],
                **profile.evidence("rectification.escalation_steps")}
    if facts.rectified_on is not None and facts.recheck_passed:
        return Escalation(None, Finding("rectification", Outcome.PASS, "已整改并经复查符合要求。", citation, evidence))
    failed = facts.rectified_on is not None and facts.recheck_passed is False
    if facts.rectified_on is not None and not failed:
        return Escalation(None, Finding("rectification", Outcome.PASS,
                                        f"项目单位已于 {facts.rectified_on} 报送整改情况，待复查。", citation, evidence))
    if not failed and facts.today <= facts.due_on:
        return Escalation(None, Finding("rectification", Outcome.PASS,
                                        f"整改期限内：请项目单位于 {facts.due_on} 前完成整改并报送。", citation, evidence))
    why = "整改后仍不符合要求" if failed else f"逾期不整改（期限 {facts.due_on}）"
    taken = [ladder.index(s) for s in facts.steps_taken if s in ladder]
    position = max(taken) + 1 if taken else 0
    if position >= len(ladder):
        return Escalation(None, Finding("rectification", Outcome.BLOCK,
                                        f"{why}：已采取全部处理措施（{'、'.join(ESCALATION_STEP_LABELS[s] for s in ladder)}）。",
                                        citation, evidence))
    step = ladder[position]
    evidence["下一步措施"] = ESCALATION_STEP_LABELS[step]
    return Escalation(step, Finding("rectification", Outcome.WARN,
                                    f"{why}：下一步处理措施为“{ESCALATION_STEP_LABELS[step]}”，请作出决定并记录。",
                                    citation, evidence))


# ---------------------------------------------------------------------------
# 第四十八条 责任追究
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MisconductFacts:
    skipped_filing_or_approval: bool = False  # 未履行备案、审批程序
    serious_consequence: bool = False  # 因管理不善、弄虚作假造成严重超概算、质量低劣、损失浪费、安全事故或其他责任事故
    funds_diverted: bool = False  # 截留、挪用项目资金
    om_funds_misallocated: bool = False  # 违规安排运行维护经费


def misconduct_measures(facts: MisconductFacts) -> list[Finding]:
    """第四十八条第一款：“……有关部门（单位）应予以通报批评，并对负有直接责任的主管人员和其他责任人员依法给予处分。”
    第二款：“……由有关部门（单位）按照《财政违法行为处罚处分条例》等相关规定予以查处。”"""
    findings = []
    first = [label for flag, label in ((facts.skipped_filing_or_approval, "未履行备案、审批程序"),
                                       (facts.serious_consequence, "因管理不善、弄虚作假造成严重后果")) if flag]
    if first:
        findings.append(Finding("misconduct_criticism", Outcome.WARN,
                                f"{'、'.join(first)}：应予以通报批评，并对负有直接责任的主管人员和其他责任人员依法给予处分。",
                                Citation(48, paragraph=1), {"情形": first}))
    second = [label for flag, label in ((facts.funds_diverted, "截留、挪用政务信息化项目资金"),
                                        (facts.om_funds_misallocated, "违规安排运行维护经费")) if flag]
    if second:
        findings.append(Finding("misconduct_fiscal", Outcome.WARN,
                                f"{'、'.join(second)}：由有关部门（单位）按照《财政违法行为处罚处分条例》等相关规定予以查处。",
                                Citation(48, paragraph=2), {"情形": second}))
    return findings
