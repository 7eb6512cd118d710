"""第五章 资金保障和管理 (第三十五条–第三十八条), with the O&M funding bars of 第九条, 第三十二条,
第三十三条 and 第五十一条.

Not formalised:
- 第三十六条第一款 "国库集中支付……专款专用、专账管理": treasury payment and separate accounts are
  kept in the finance systems; the platform checks only that spending stays within the approved budget.
- 第三十八条 finance's review of O&M budgets is a decision recorded by finance, not computed.
"""

from __future__ import annotations

import calendar
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from .ch04_construction import (
    SHARING_NO_OM_FUNDING,
    AcceptanceRecord,
    AcceptanceStanding,
    SharingViolation,
    acceptance_standing,
    sharing_sanctions,
)
from .ch08_security import SECURITY_NO_OM_FUNDING, SecurityFacts, security_sanctions
from .findings import Citation, Finding, Outcome
from .periods import deadline_after_days, shift_past_holidays
from .profile import Profile

ZERO = Decimal("0")


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


# ---------------------------------------------------------------------------
# 第三十五条 资金来源
# ---------------------------------------------------------------------------


class FundingPurpose(StrEnum):
    CONSTRUCTION = "construction"  # 自行建设
    PURCHASED_SERVICE = "purchased_service"  # 政府购买服务
    OM = "om"  # 运行维护


class FundingSource(StrEnum):
    CAPITAL_CONSTRUCTION = "capital_construction"  # 预算内基本建设资金
    CENTRAL_SPECIAL = "central_special"  # 中央专项资金
    FINANCE_BUDGET = "finance_budget"  # 财政厅统筹保障的预算资金
    OTHER = "other"  # 其他


FUNDING_SOURCE_LABELS = {
    FundingSource.CAPITAL_CONSTRUCTION: "预算内基本建设资金", FundingSource.CENTRAL_SPECIAL: "中央专项资金",
    FundingSource.FINANCE_BUDGET: "财政厅统筹保障的预算资金", FundingSource.OTHER: "其他资金",
}


def funding_source_matches(purpose: FundingPurpose, source: FundingSource) -> Finding:
    """第三十五条：“经省发展改革委批复的自行建设项目资金来源包括预算内基本建设资金、中央专项资金等，政府购买
    服务和运行维护资金由财政厅统筹保障。”

    "等" leaves construction open to other sources; purchased services and O&M are funded by finance.
    """
    evidence = {"用途": str(purpose), "资金来源": FUNDING_SOURCE_LABELS[source]}
    if purpose != FundingPurpose.CONSTRUCTION and source != FundingSource.FINANCE_BUDGET:
        what = "政府购买服务" if purpose == FundingPurpose.PURCHASED_SERVICE else "运行维护"
        return Finding("funding_source_matches", Outcome.WARN,
                       f"{what}资金应由财政厅统筹保障，登记的来源为{FUNDING_SOURCE_LABELS[source]}：请核实资金渠道。",
                       Citation(35), evidence)
    return Finding("funding_source_matches", Outcome.PASS,
                   f"资金来源（{FUNDING_SOURCE_LABELS[source]}）符合规定的渠道。", Citation(35), evidence)


# ---------------------------------------------------------------------------
# 支出不超过批复（第二十八条、第三十六条）
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DisbursementFacts:
    approved_total_investment: Decimal
    amount: Decimal  # 本次支付
    earlier_disbursements: tuple[Decimal, ...] = ()
    approved_change_increases: tuple[Decimal, ...] = ()  # 经省发展改革委批准的重大调整增加的投资


def disbursement_within_budget(facts: DisbursementFacts) -> Finding:
    """第二十八条：“项目单位应严格按照批复开展项目建设。” with 第三十六条第一款 (“严格按照财政管理的有关规定
    使用财政资金”): the disbursements of a project never exceed its approved total investment plus the
    increases of recorded, approved major changes."""
    if facts.amount < 0 or any(a < 0 for a in facts.earlier_disbursements + facts.approved_change_increases):
        raise ValueError("支付金额和调整增加额不能为负数")
    budget = facts.approved_total_investment + sum(facts.approved_change_increases, ZERO)
    before = sum(facts.earlier_disbursements, ZERO)
    after = before + facts.amount
    evidence = {"批复总投资": facts.approved_total_investment, "批准调整增加": sum(facts.approved_change_increases, ZERO),
                "可支出上限": budget, "此前累计支出": before, "本次支付": facts.amount, "支付后累计": after}
    if after <= budget:
        return Finding("disbursement_within_budget", Outcome.PASS,
                       f"本次支付后累计支出 {_yuan(after)}，未超过批复投资 {_yuan(budget)}。", Citation(28), evidence)
    return Finding("disbursement_within_budget", Outcome.BLOCK,
                   f"不能支付：本次支付后累计支出 {_yuan(after)}，超过批复投资 {_yuan(budget)}（超出 {_yuan(after - budget)}）。"
                   f"超出批复须先向省发展改革委提交调整申请并经批准。", Citation(28), evidence)


# ---------------------------------------------------------------------------
# 第三十六条第二款 结余资金
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SurplusFacts:
    approved_total_investment: Decimal
    actual_total_spent: Decimal
    goals_and_content_unchanged: bool
    determined_on: date  # 结余资金确定之日（竣工财务决算批复或验收之日）
    today: date
    returned: tuple[Decimal, ...] = ()


def surplus_amount(facts: SurplusFacts) -> Decimal:
    return max(facts.approved_total_investment - facts.actual_total_spent, ZERO)


def surplus_outstanding(facts: SurplusFacts) -> Decimal:
    return max(surplus_amount(facts) - sum(facts.returned, ZERO), ZERO)


def surplus_return_due_date(facts: SurplusFacts, profile: Profile, holidays: Container[date] = frozenset()) -> date:
    return deadline_after_days(facts.determined_on, profile.value("surplus.return_days"), holidays)


def surplus_return(facts: SurplusFacts, profile: Profile, holidays: Container[date] = frozenset()) -> Finding:
    """第三十六条第二款：“项目建设目标和内容不变，项目总投资有结余的，应按照相关规定将结余资金退回。”

    The article sets no period; the profile's ``surplus.return_days`` (a platform default) does.
    """
    surplus = surplus_amount(facts)
    outstanding = surplus_outstanding(facts)
    due = surplus_return_due_date(facts, profile, holidays)
    evidence = {"批复总投资": facts.approved_total_investment, "实际支出": facts.actual_total_spent,
                "结余资金": surplus, "已退回": sum(facts.returned, ZERO), "未退回": outstanding,
                "退回期限": due, "今天": facts.today, **profile.evidence("surplus.return_days")}
    citation = Citation(36, paragraph=2)
    if not facts.goals_and_content_unchanged:
        return Finding("surplus_return", Outcome.WARN,
                       "项目建设目标或内容已调整，结余资金的处理以调整批复为准。", citation, evidence)
    if outstanding == 0:
        text = "项目总投资没有结余。" if surplus == 0 else f"结余资金 {_yuan(surplus)}已全部退回。"
        return Finding("surplus_return", Outcome.PASS, text, citation, evidence)
    if facts.today > due:
        return Finding("surplus_return", Outcome.BLOCK,
                       f"结余资金逾期未退回：尚有 {_yuan(outstanding)}未退回，退回期限为 {due}，请立即退回。",
                       citation, evidence)
    return Finding("surplus_return", Outcome.WARN,
                   f"有结余资金 {_yuan(outstanding)}待退回：请于 {due} 前按规定退回。", citation, evidence)


# ---------------------------------------------------------------------------
# 第三十七条 运维经费预算申报
# ---------------------------------------------------------------------------


class OmRound(StrEnum):
    NEW = "new"  # 第一项：新建项目维保结束
    CONTINUING = "continuing"  # 第二项：续运维


@dataclass(frozen=True)
class OmBudgetFacts:
    round: OmRound
    service_ends_on: date  # 维保结束日（新建）或本轮运维期满日（续运维）
    today: date
    declared_on: date | None = None
    reassessed: bool = False  # 第二项：对新一轮运维需求重新论证评估


def om_budget_declaration_year(facts: OmBudgetFacts) -> int:
    """O&M money is needed from the day after the service ends; it is declared in the year before."""
    return (facts.service_ends_on + timedelta(days=1)).year - 1


def om_budget_declaration_window(facts: OmBudgetFacts, profile: Profile,
                                 holidays: Container[date] = frozenset()) -> tuple[date, date]:
    """(opens, due): the declaration year from 1 January to the profile's ``om_budget.declaration_due``."""
    year = om_budget_declaration_year(facts)
    month, day = (int(x) for x in profile.value("om_budget.declaration_due").split("-"))
    day = min(day, calendar.monthrange(year, month)[1])
    return date(year, 1, 1), shift_past_holidays(date(year, month, day), holidays)


def om_budget_declaration(facts: OmBudgetFacts, profile: Profile,
                          holidays: Container[date] = frozenset()) -> list[Finding]:
    """第三十七条：“运维项目需按照预算管理有关规定申报预算：
    （一）经批准新建的政务信息化项目运维服务，在维保结束需安排运维经费的，上一年度要及时按照预算管理有关
    规定申报预算；
    （二）续运维的政务信息化项目，在需安排新一轮运维经费的上一年度要及时按照预算管理有关规定申报预算，各部门
    （单位）应根据市场价格、技术发展趋势等因素，对新一轮运维需求重新进行论证评估”。"""
    item = 1 if facts.round == OmRound.NEW else 2
    citation = Citation(37, item=item)
    opens, due = om_budget_declaration_window(facts, profile, holidays)
    need_year = om_budget_declaration_year(facts) + 1
    what = "维保结束" if facts.round == OmRound.NEW else "本轮运维期满"
    evidence = {what + "日": facts.service_ends_on, "需安排经费年度": need_year, "申报期开始": opens,
                "申报截止": due, "申报日期": facts.declared_on, "今天": facts.today,
                **profile.evidence("om_budget.declaration_due")}
    findings = []
    if facts.declared_on is not None and opens <= facts.declared_on <= due:
        findings.append(Finding("om_budget_declared", Outcome.PASS,
                                f"已于 {facts.declared_on} 申报 {need_year} 年度运维经费预算。", citation, evidence))
    elif facts.declared_on is not None and facts.declared_on < opens:
        findings.append(Finding("om_budget_declared", Outcome.WARN,
                                f"{facts.declared_on} 的申报早于 {need_year - 1} 年度：{need_year} 年度运维经费应在"
                                f" {opens} 至 {due} 期间申报，请在该期间确认或重新申报。", citation, evidence))
    elif facts.declared_on is not None:
        findings.append(Finding("om_budget_declared", Outcome.BLOCK,
                                f"{need_year} 年度运维经费预算应在 {due} 前申报，实际于 {facts.declared_on} 申报，"
                                f"已逾期：不能纳入年初部门预算的，请按预算调整程序办理。", citation, evidence))
    elif facts.today > due:
        findings.append(Finding("om_budget_declared", Outcome.BLOCK,
                                f"{what}（{facts.service_ends_on}）后需安排运维经费，{need_year} 年度运维经费预算"
                                f"应在 {due} 前申报，已逾期未申报。", citation, evidence))
    else:
        findings.append(Finding("om_budget_declared", Outcome.PASS,
                                f"{need_year} 年度运维经费预算应在 {opens} 至 {due} 期间申报。", citation, evidence))
    if facts.round == OmRound.CONTINUING:
        if facts.reassessed:
            findings.append(Finding("om_needs_reassessed", Outcome.PASS, "已对新一轮运维需求重新论证评估。",
                                    citation, evidence))
        else:
            findings.append(Finding("om_needs_reassessed", Outcome.BLOCK,
                                    "续运维申报前须根据市场价格、技术发展趋势等因素，对新一轮运维需求重新进行论证评估："
                                    "请上传论证评估材料。", citation, evidence))
    return findings


# ---------------------------------------------------------------------------
# 运维经费安排的条件（第九条、第三十二条、第三十三条、第五十一条）
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OmFundingFacts:
    project: str
    year: int  # 拟安排运维经费的年度
    today: date
    in_catalogue: bool  # 已纳入系统目录
    acceptance: AcceptanceRecord
    sharing_violations: tuple[SharingViolation, ...] = ()
    security: SecurityFacts | None = None


def om_funding_eligibility(facts: OmFundingFacts) -> list[Finding]:
    """May O&M money be arranged for this project in ``facts.year``? One finding per bar, in the
    order of the measures:

    - 第九条：“未纳入系统目录管理的项目，不安排自行建设、购买服务和运维经费。”
    - 第三十二条：“未进行验收或验收不合格的项目，不安排该项目运行维护经费”: only a passed acceptance.
    - 第三十三条：未按要求共享数据资源或重复采集数据 → “财政厅不安排该项目次年度信息化运行维护经费”。
    - 第五十一条：不符合密码应用和网络安全要求或存在重大安全隐患 → “不安排运行维护经费”。
    """
    findings = []
    evidence = {"项目": facts.project, "年度": facts.year}
    if facts.in_catalogue:
        findings.append(Finding("om_in_catalogue", Outcome.PASS, "项目已纳入系统目录管理。", Citation(9), evidence))
    else:
        findings.append(Finding("om_in_catalogue", Outcome.BLOCK,
                                f"项目“{facts.project}”未纳入系统目录管理，不安排运维经费：请先将系统纳入政务信息系统目录。",
                                Citation(9), evidence))
    standing = acceptance_standing(facts.acceptance, facts.today)
    if standing == AcceptanceStanding.ACCEPTED:
        findings.append(Finding("om_accepted", Outcome.PASS, "项目已验收合格。", Citation(32), evidence))
    else:
        why = {AcceptanceStanding.FAILED: "验收不合格", AcceptanceStanding.OVERDUE: "逾期未申请验收",
               AcceptanceStanding.APPLIED: "已申请验收但尚无合格结论",
               AcceptanceStanding.NOT_DUE: "尚未进行验收"}[standing]
        findings.append(Finding("om_accepted", Outcome.BLOCK,
                                f"项目“{facts.project}”{why}，不安排该项目运行维护经费：验收合格后方可安排。",
                                Citation(32), {**evidence, "验收状态": str(standing)}))
    sharing = [f for v in facts.sharing_violations for f in sharing_sanctions(v, facts.year)
               if f.rule == SHARING_NO_OM_FUNDING]
    if sharing:
        findings.extend(sharing)
    else:
        findings.append(Finding("om_sharing", Outcome.PASS,
                                f"项目 {facts.year - 1} 年没有未按要求共享数据资源或重复采集数据的情形。",
                                Citation(33), evidence))
    security = [f for f in security_sanctions(facts.security) if f.rule == SECURITY_NO_OM_FUNDING] \
        if facts.security is not None else []
    if security:
        findings.extend(security)
    else:
        findings.append(Finding("om_security", Outcome.PASS,
                                "项目没有不符合密码应用和网络安全要求或存在重大安全隐患的情形。", Citation(51), evidence))
    return findings
