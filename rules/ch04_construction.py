"""第四章 建设和运维管理 (第二十六条–第三十四条).

Each rule quotes the sentence it formalises. Not formalised here:
- 第二十六条第一款 "建立健全项目管理制度……严格执行招标投标、政府采购、工程监理、合同管理、档案管理等制度"
  beyond recording the responsible person and the supervision contractor: management systems are
  judged by people; the archive is a document store, not a rule.
- 第二十六条第二款 second sentence (涉密招标采购) is formalised in ``ch06_procurement`` (第四十一条).
- 第三十条第一款 "工程严重逾期、投资重大损失": the measures give no threshold, so whether a delay is
  "serious" or a loss "major" is a fact recorded by the unit or the DRC, not computed.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .findings import Citation, Finding, Outcome
from .periods import deadline_after_months, months_later, period_complete_on
from .profile import Profile


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


def _percent(value: Decimal) -> str:
    """A percentage for messages: two decimals, or four where two would hide the difference."""
    two = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if two == value:
        return f"{two}%"
    return f"约 {value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}%"


class DeliveryMode(StrEnum):
    """第三条：自行建设 / 购买服务 (same values as ``projects.models.DeliveryMode``)."""

    SELF_BUILT = "self_built"
    PURCHASED_SERVICE = "purchased_service"


# ---------------------------------------------------------------------------
# 第二十六条 项目责任人、工程监理
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponsibilityFacts:
    responsible_person: str
    unit_principal: str  # 项目单位主要负责人


def responsible_person_is_principal(facts: ResponsibilityFacts) -> Finding:
    """第二十六条第一款：“政务信息化项目责任人为项目单位主要负责人。”"""
    evidence = {"项目责任人": facts.responsible_person, "项目单位主要负责人": facts.unit_principal}
    if not facts.responsible_person.strip():
        return Finding("responsible_person_is_principal", Outcome.BLOCK,
                       f"未登记项目责任人：项目责任人应为项目单位主要负责人（{facts.unit_principal or '请先登记'}）。",
                       Citation(26, paragraph=1), evidence)
    if facts.responsible_person.strip() != facts.unit_principal.strip():
        return Finding("responsible_person_is_principal", Outcome.BLOCK,
                       f"项目责任人“{facts.responsible_person}”不是项目单位主要负责人“{facts.unit_principal}”："
                       f"请将项目责任人改为项目单位主要负责人。",
                       Citation(26, paragraph=1), evidence)
    return Finding("responsible_person_is_principal", Outcome.PASS,
                   f"项目责任人为项目单位主要负责人“{facts.unit_principal}”。", Citation(26, paragraph=1), evidence)


@dataclass(frozen=True)
class SupervisionFacts:
    supervision_contractor: str = ""  # 工程监理单位名称；未委托时为空
    supervision_contract_signed: bool = False


def supervision_contractor_engaged(facts: SupervisionFacts, profile: Profile) -> Finding:
    """第二十六条第二款：“项目单位应按照有关规定委托工程监理单位对项目建设进行工程监理”。

    Whether a supervision contractor is required is the profile's
    ``construction.supervision_required`` (true for the province).
    """
    required = profile.value("construction.supervision_required")
    evidence = {"工程监理单位": facts.supervision_contractor, "已签订监理合同": facts.supervision_contract_signed,
                **profile.evidence("construction.supervision_required")}
    citation = Citation(26, paragraph=2)
    if not required:
        return Finding("supervision_contractor_engaged", Outcome.PASS,
                       "本地区配置不强制委托工程监理单位。", citation, evidence)
    if not facts.supervision_contractor.strip():
        return Finding("supervision_contractor_engaged", Outcome.BLOCK,
                       "未委托工程监理单位：请登记工程监理单位并上传监理合同后再开工建设。", citation, evidence)
    if not facts.supervision_contract_signed:
        return Finding("supervision_contractor_engaged", Outcome.BLOCK,
                       f"已登记工程监理单位“{facts.supervision_contractor}”，但未登记监理合同：请上传已签订的监理合同。",
                       citation, evidence)
    return Finding("supervision_contractor_engaged", Outcome.PASS,
                   f"已委托工程监理单位“{facts.supervision_contractor}”。", citation, evidence)


# ---------------------------------------------------------------------------
# 第二十七条 跨部门共建共享项目
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipatingDepartment:
    department: str
    scope: str = ""  # 建设范围
    responsibilities: str = ""  # 责任义务


def participating_departments_defined(participants: tuple[ParticipatingDepartment, ...]) -> Finding:
    """第二十七条：“牵头部门应会同参建部门……落实参建部门的建设范围和责任义务。”"""
    missing = [p.department for p in participants if not p.scope.strip() or not p.responsibilities.strip()]
    evidence = {"参建部门": [p.department for p in participants], "未落实建设范围或责任义务": missing}
    if missing:
        return Finding("participating_departments_defined", Outcome.BLOCK,
                       f"参建部门{'、'.join(missing)}的建设范围或责任义务未落实：请牵头部门会同参建部门补填。",
                       Citation(27), evidence)
    return Finding("participating_departments_defined", Outcome.PASS,
                   "各参建部门的建设范围和责任义务已落实。", Citation(27), evidence)


# ---------------------------------------------------------------------------
# 第二十八条、第二十九条 调整
# ---------------------------------------------------------------------------


class ChangeReason(StrEnum):
    """第二十九条第一项至第三项。"""

    DEPLOYMENT = "deployment"  # （一）根据党中央、国务院和省委、省政府部署，确需改变建设内容的
    OPTIMISATION = "optimisation"  # （二）确需对原项目技术方案进行完善优化的
    BUSINESS_NEEDS = "business_needs"  # （三）根据业务发展需要，在已批复项目建设规划的框架下调整相关建设内容及进度的


CHANGE_REASON_ITEMS: dict[ChangeReason, int] = {
    ChangeReason.DEPLOYMENT: 1, ChangeReason.OPTIMISATION: 2, ChangeReason.BUSINESS_NEEDS: 3,
}
CHANGE_REASON_LABELS: dict[ChangeReason, str] = {
    ChangeReason.DEPLOYMENT: "根据党中央、国务院和省委、省政府部署，确需改变建设内容",
    ChangeReason.OPTIMISATION: "确需对原项目技术方案进行完善优化",
    ChangeReason.BUSINESS_NEEDS: "根据业务发展需要，在已批复项目建设规划的框架下调整相关建设内容及进度",
}


class ChangeKind(StrEnum):
    SELF_ADJUSTMENT = "self_adjustment"  # 项目单位调整，报备（第二十九条）
    MAJOR_CHANGE = "major_change"  # 重大调整，事先报省发展改革委审批（第二十八条）


@dataclass(frozen=True)
class ChangeFacts:
    """A change the unit files (第二十八条、第二十九条).

    ``earlier_amounts_moved`` are the 资金调整数额 of the project's earlier changes made by the unit
    itself (报备) since the approval or since the last approved major change (which fixes a new
    approved total).
    """

    approved_total_investment: Decimal
    total_investment_after: Decimal
    goals_unchanged: bool
    amount_moved: Decimal
    earlier_amounts_moved: tuple[Decimal, ...] = ()
    reasons: frozenset[ChangeReason] = frozenset()


@dataclass(frozen=True)
class ChangeClassification:
    kind: ChangeKind
    finding: Finding  # the decision: PASS = 报备 is enough; BLOCK = needs DRC approval first
    conditions: tuple[Finding, ...]  # each condition of 第二十九条, in the article's order
    this_change_percent: Decimal
    cumulative_percent: Decimal

    @property
    def needs_approval(self) -> bool:
        return self.kind == ChangeKind.MAJOR_CHANGE


def classify_change(facts: ChangeFacts, profile: Profile) -> ChangeClassification:
    """第二十九条：“项目投资规模未超出批复总投资、建设目标不变，项目主要建设内容确需调整且资金调整数额
    不超过批复总投资 15%，并符合下列情形之一的，可以由项目单位调整，形成书面材料向省发展改革委报备”。

    Otherwise the change is a major change (第二十八条)：“项目单位应事先向省发展改革委提交调整申请，
    履行调整审批手续”。

    The percentage is compared exactly: money moved × 100 ≤ limit × approved total, so 15.00 %
    qualifies and 15.01 % does not. The profile's ``change.adjustment_amount_reading`` says whether
    "资金调整数额" is this change's amount or the project's cumulative amount; both are shown.
    """
    approved = facts.approved_total_investment
    if approved <= 0:
        raise ValueError("批复总投资必须大于零")
    if facts.amount_moved < 0 or any(a < 0 for a in facts.earlier_amounts_moved):
        raise ValueError("资金调整数额不能为负数")
    limit = profile.value("change.self_adjustment_max_percent")
    reading = profile.value("change.adjustment_amount_reading")
    cumulative = facts.amount_moved + sum(facts.earlier_amounts_moved, Decimal("0"))
    this_percent = facts.amount_moved * 100 / approved
    cumulative_percent = cumulative * 100 / approved
    counted = cumulative if reading == "cumulative" else facts.amount_moved
    counted_percent = cumulative_percent if reading == "cumulative" else this_percent
    limit_amount = approved * limit / 100
    evidence = {
        "批复总投资": approved, "调整后总投资": facts.total_investment_after,
        "本次资金调整数额": facts.amount_moved, "本次占批复总投资比例": this_percent,
        "累计资金调整数额": cumulative, "累计占批复总投资比例": cumulative_percent,
        "按口径计算的调整数额": counted, "上限金额": limit_amount,
        "建设目标不变": facts.goals_unchanged, "调整情形": sorted(str(r) for r in facts.reasons),
        **profile.evidence("change.self_adjustment_max_percent", "change.adjustment_amount_reading"),
    }
    reading_label = "项目累计" if reading == "cumulative" else "单次"
    figures = (f"本次调整 {_yuan(facts.amount_moved)}（{_percent(this_percent)}），"
               f"累计调整 {_yuan(cumulative)}（{_percent(cumulative_percent)}）")

    conditions: list[Finding] = []
    if facts.total_investment_after <= approved:
        conditions.append(Finding("change_within_approved_total", Outcome.PASS,
                                  f"调整后总投资 {_yuan(facts.total_investment_after)}，未超出批复总投资 {_yuan(approved)}。",
                                  Citation(29), evidence))
    else:
        conditions.append(Finding("change_within_approved_total", Outcome.BLOCK,
                                  f"调整后总投资 {_yuan(facts.total_investment_after)}，超出批复总投资 {_yuan(approved)}"
                                  f"（超出 {_yuan(facts.total_investment_after - approved)}）。", Citation(29), evidence))
    if facts.goals_unchanged:
        conditions.append(Finding("change_goals_unchanged", Outcome.PASS, "建设目标不变。", Citation(29), evidence))
    else:
        conditions.append(Finding("change_goals_unchanged", Outcome.BLOCK, "建设目标发生变化。", Citation(29), evidence))
    if counted * 100 <= limit * approved:
        conditions.append(Finding("change_amount_within_limit", Outcome.PASS,
                                  f"资金调整数额（按{reading_label}计）{_percent(counted_percent)}，"
                                  f"未超过批复总投资的 {limit}%（{_yuan(limit_amount)}）；{figures}。",
                                  Citation(29), evidence))
    else:
        conditions.append(Finding("change_amount_within_limit", Outcome.BLOCK,
                                  f"资金调整数额（按{reading_label}计）{_percent(counted_percent)}，"
                                  f"超过批复总投资的 {limit}%（{_yuan(limit_amount)}）；{figures}。",
                                  Citation(29), evidence))
    if facts.reasons:
        first = min(facts.reasons, key=CHANGE_REASON_ITEMS.__getitem__)
        conditions.append(Finding("change_reason_listed", Outcome.PASS,
                                  f"符合{Citation(29, item=CHANGE_REASON_ITEMS[first]).label}情形："
                                  f"{CHANGE_REASON_LABELS[first]}。",
                                  Citation(29, item=CHANGE_REASON_ITEMS[first]), evidence))
    else:
        conditions.append(Finding("change_reason_listed", Outcome.BLOCK,
                                  "不符合第二十九条所列三种情形中的任何一种。", Citation(29), evidence))

    failed = [c for c in conditions if c.outcome == Outcome.BLOCK]
    if not failed:
        reason_citation = conditions[-1].citation
        finding = Finding("change_self_adjustment", Outcome.PASS,
                          f"可以由项目单位自行调整：请形成书面材料向省发展改革委报备。{figures}。",
                          reason_citation, evidence)
        kind = ChangeKind.SELF_ADJUSTMENT
    else:
        finding = Finding("change_self_adjustment", Outcome.BLOCK,
                          "属于重大调整，不能由项目单位自行调整后报备：" + "".join(c.message for c in failed)
                          + "请事先向省发展改革委提交调整申请，经批准后方可实施。",
                          Citation(28), evidence)
        kind = ChangeKind.MAJOR_CHANGE
    return ChangeClassification(kind, finding, tuple(conditions), this_percent, cumulative_percent)


@dataclass(frozen=True)
class AdjustmentRequestFacts:
    """A request to the DRC to approve a major change (第二十八条)."""

    approved_total_investment: Decimal
    total_investment_after: Decimal
    implemented_before_approval: bool  # 未经批准已擅自实施


def adjustment_request_admissible(facts: AdjustmentRequestFacts) -> Finding:
    """第二十八条：“对未经批准擅自进行重大设计变更而导致超概算的，省发展改革委不受理事后调整申请。”

    超概算 is computed: the total after the change exceeds the approved total investment.
    """
    overrun = facts.total_investment_after - facts.approved_total_investment
    evidence = {"批复总投资": facts.approved_total_investment, "调整后总投资": facts.total_investment_after,
                "超概算金额": max(overrun, Decimal("0")), "未经批准已实施": facts.implemented_before_approval}
    if facts.implemented_before_approval and overrun > 0:
        return Finding("adjustment_request_admissible", Outcome.BLOCK,
                       f"省发展改革委不受理该事后调整申请：重大设计变更未经批准擅自实施，并导致超概算（超出 {_yuan(overrun)}）。",
                       Citation(28), evidence)
    if facts.implemented_before_approval:
        return Finding("adjustment_request_admissible", Outcome.WARN,
                       "重大调整应事先申请：该变更未经批准已实施，未导致超概算，调整申请可以受理，"
                       "但未履行审批程序的情形应按第四十八条处理。", Citation(28), evidence)
    return Finding("adjustment_request_admissible", Outcome.PASS,
                   "调整申请在实施前提出，可以受理。", Citation(28), evidence)


# ---------------------------------------------------------------------------
# 第三十条 严重逾期、重大损失；暂停、终止
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TroubleFacts:
    serious_delay: bool = False  # 工程严重逾期
    major_loss: bool = False  # 投资重大损失
    reported_on: date | None = None  # 向省发展改革委报告的日期


def trouble_reported(facts: TroubleFacts) -> Finding:
    """第三十条第一款：“项目建设过程中出现工程严重逾期、投资重大损失等问题的，项目单位应及时向省发展改革委
    报告，省发展改革委按照有关规定要求项目单位进行整改或者暂停项目建设。”"""
    problems = [label for flag, label in ((facts.serious_delay, "工程严重逾期"), (facts.major_loss, "投资重大损失"))
                if flag]
    evidence = {"问题": problems, "报告日期": facts.reported_on}
    citation = Citation(30, paragraph=1)
    if not problems:
        return Finding("trouble_reported", Outcome.PASS, "未出现工程严重逾期、投资重大损失等问题。", citation, evidence)
    if facts.reported_on is None:
        return Finding("trouble_reported", Outcome.BLOCK,
                       f"出现{'、'.join(problems)}，项目单位尚未向省发展改革委报告：请立即报告，"
                       f"由省发展改革委决定整改或者暂停项目建设。", citation, evidence)
    return Finding("trouble_reported", Outcome.PASS,
                   f"已于 {facts.reported_on} 就{'、'.join(problems)}向省发展改革委报告，待其决定整改或者暂停项目建设。",
                   citation, evidence)


class TerminationCause(StrEnum):
    EXTERNAL_CHANGE = "external_change"  # 外部环境变化
    FORCE_MAJEURE = "force_majeure"  # 不可抗因素
    OTHER = "other"


@dataclass(frozen=True)
class TerminationFacts:
    substantive_progress: bool  # 项目已实施且有实质性进展
    cause: TerminationCause
    overall_goal_unattainable: bool  # 难以继续实施，无法完成总体目标
    drc_reported: bool = False  # 省发展改革委已核报领导小组
    leading_group_approved: bool = False


def termination_request_admissible(facts: TerminationFacts) -> Finding:
    """第三十条第二款：“项目已实施且有实质性进展，但由于外部环境变化和不可抗因素难以继续实施，无法完成
    总体目标的，项目单位可以提出申请”。"""
    missing = []
    if not facts.substantive_progress:
        missing.append("项目尚未实施或没有实质性进展")
    if facts.cause == TerminationCause.OTHER:
        missing.append("难以继续实施的原因不是外部环境变化或不可抗因素")
    if not facts.overall_goal_unattainable:
        missing.append("未说明无法完成总体目标")
    evidence = {"有实质性进展": facts.substantive_progress, "原因": str(facts.cause),
                "无法完成总体目标": facts.overall_goal_unattainable}
    citation = Citation(30, paragraph=2)
    if missing:
        return Finding("termination_request_admissible", Outcome.BLOCK,
                       f"不符合申请终止项目建设的条件：{'；'.join(missing)}。", citation, evidence)
    return Finding("termination_request_admissible", Outcome.PASS,
                   "符合申请终止的条件：由省发展改革委核报领导小组同意后终止项目建设。", citation, evidence)


def termination_may_take_effect(facts: TerminationFacts) -> Finding:
    """第三十条第二款：“由省发展改革委核报领导小组同意后终止项目建设。”"""
    admissible = termination_request_admissible(facts)
    if admissible.blocks:
        return admissible
    evidence = {**admissible.evidence, "省发展改革委已核报": facts.drc_reported, "领导小组已同意": facts.leading_group_approved}
    citation = Citation(30, paragraph=2)
    if not facts.drc_reported:
        return Finding("termination_may_take_effect", Outcome.BLOCK,
                       "不能终止项目建设：须先由省发展改革委核报领导小组。", citation, evidence)
    if not facts.leading_group_approved:
        return Finding("termination_may_take_effect", Outcome.BLOCK,
                       "不能终止项目建设：领导小组尚未同意。", citation, evidence)
    return Finding("termination_may_take_effect", Outcome.PASS,
                   "领导小组已同意，可以终止项目建设。", citation, evidence)


# ---------------------------------------------------------------------------
# 第三十一条 试运行和验收
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrialRunFacts:
    started_on: date
    today: date


def trial_run_complete(facts: TrialRunFacts, profile: Profile) -> Finding:
    """第三十一条第一款：“项目完成所有建设内容，并经 3 个月试运行正常后，组织项目验收工作。”

    The period does not count its start day and ends on the corresponding day of the
    final month, or that month's last day (GLOSSARY); acceptance may be applied for
    from the day after it ends.
    """
    months = profile.value("trial_run.months")
    ends_on = months_later(facts.started_on, months)
    ready_on = period_complete_on(facts.started_on, months)
    evidence = {"试运行开始日期": facts.started_on, "今天": facts.today, "试运行期满日": ends_on,
                "可申请验收日": ready_on, **profile.evidence("trial_run.months")}
    if facts.today >= ready_on:
        return Finding("trial_run_complete", Outcome.PASS, f"试运行已满 {months} 个月（{ends_on} 期满），可以申请验收。",
                       Citation(31, paragraph=1), evidence)
    return Finding("trial_run_complete", Outcome.BLOCK,
                   f"不能申请验收：试运行未满 {months} 个月，{ends_on} 期满，{ready_on} 起可以申请。",
                   Citation(31, paragraph=1), evidence)


class AcceptanceMaterial(StrEnum):
    CONSTRUCTION_SUMMARY = "construction_summary"
    FINANCIAL_REPORT = "financial_report"
    THIRD_PARTY_AUDIT = "third_party_audit"
    RESOURCE_SHARING_REPORT = "resource_sharing_report"
    FUNCTION_TEST_REPORT = "function_test_report"
    PERFORMANCE_TEST_REPORT = "performance_test_report"
    SECRECY_TEST_REPORT = "secrecy_test_report"
    MLPS_TEST_REPORT = "mlps_test_report"
    DATA_SECURITY_RISK_ASSESSMENT = "data_security_risk_assessment"
    CRYPTOGRAPHY_ASSESSMENT = "cryptography_assessment"
    ACCEPTANCE_RESULT = "acceptance_result"


MATERIAL_LABELS: dict[AcceptanceMaterial, str] = {
    AcceptanceMaterial.CONSTRUCTION_SUMMARY: "项目建设总结",
    AcceptanceMaterial.FINANCIAL_REPORT: "财务报告",
    AcceptanceMaterial.THIRD_PARTY_AUDIT: "第三方审计报告",
    AcceptanceMaterial.RESOURCE_SHARING_REPORT: "信息资源共享报告",
    AcceptanceMaterial.FUNCTION_TEST_REPORT: "第三方测评报告（功能测评报告）",
    AcceptanceMaterial.PERFORMANCE_TEST_REPORT: "第三方测评报告（性能测评报告）",
    AcceptanceMaterial.SECRECY_TEST_REPORT: "涉密信息系统安全保密测评报告",
    AcceptanceMaterial.MLPS_TEST_REPORT: "非涉密信息系统网络安全等级保护测评报告",
    AcceptanceMaterial.DATA_SECURITY_RISK_ASSESSMENT: "数据安全风险评估报告",
    AcceptanceMaterial.CRYPTOGRAPHY_ASSESSMENT: "密码应用安全性评估报告",
    AcceptanceMaterial.ACCEPTANCE_RESULT: "项目单位组织验收的验收结果",
}


def required_acceptance_materials(delivery_mode: DeliveryMode, classified: bool) -> tuple[AcceptanceMaterial, ...]:
    """第三十一条第二款（建设项目）：“验收资料包括项目建设总结、财务报告、第三方审计报告、信息资源共享报告、
    第三方测评报告（包括功能和性能测评报告）、安全风险评估报告（包括涉密信息系统安全保密测评报告或者非涉密
    信息系统网络安全等级保护测评报告、数据安全风险评估报告等）、密码应用安全性评估报告等材料。”

    第三十一条第三款（政府购买服务项目）：“由项目单位按要求组织验收，验收结果报省发展改革委审核”; the
    article lists no materials for it, so only the acceptance result is required here (the security
    content of 第五十条 is checked for every project by ``ch08_security.acceptance_security_review``).
    """
    if delivery_mode == DeliveryMode.PURCHASED_SERVICE:
        return (AcceptanceMaterial.ACCEPTANCE_RESULT,)
    security = ((AcceptanceMaterial.SECRECY_TEST_REPORT,) if classified else
                (AcceptanceMaterial.MLPS_TEST_REPORT, AcceptanceMaterial.DATA_SECURITY_RISK_ASSESSMENT))
    return (AcceptanceMaterial.CONSTRUCTION_SUMMARY, AcceptanceMaterial.FINANCIAL_REPORT,
            AcceptanceMaterial.THIRD_PARTY_AUDIT, AcceptanceMaterial.RESOURCE_SHARING_REPORT,
            AcceptanceMaterial.FUNCTION_TEST_REPORT, AcceptanceMaterial.PERFORMANCE_TEST_REPORT,
            *security, AcceptanceMaterial.CRYPTOGRAPHY_ASSESSMENT)


def acceptance_materials_complete(delivery_mode: DeliveryMode, classified: bool,
                                  provided: frozenset[AcceptanceMaterial]) -> Finding:
    """第三十一条第二款 / 第三款: every required material is provided (see ``required_acceptance_materials``)."""
    required = required_acceptance_materials(delivery_mode, classified)
    missing = [m for m in required if m not in provided]
    citation = Citation(31, paragraph=3 if delivery_mode == DeliveryMode.PURCHASED_SERVICE else 2)
    evidence = {"实施方式": str(delivery_mode), "涉密": classified,
                "应提交": [MATERIAL_LABELS[m] for m in required], "缺少": [MATERIAL_LABELS[m] for m in missing]}
    if missing:
        return Finding("acceptance_materials_complete", Outcome.BLOCK,
                       f"验收材料不全：请补充{'、'.join(MATERIAL_LABELS[m] for m in missing)}。", citation, evidence)
    return Finding("acceptance_materials_complete", Outcome.PASS, "验收材料齐全。", citation, evidence)


@dataclass(frozen=True)
class AcceptanceApplicationFacts:
    delivery_mode: DeliveryMode
    classified: bool
    construction_complete: bool  # 完成所有建设内容
    trial_run_started_on: date | None
    trial_run_normal: bool  # 试运行正常
    materials: frozenset[AcceptanceMaterial]
    today: date


def acceptance_application(facts: AcceptanceApplicationFacts, profile: Profile) -> list[Finding]:
    """第三十一条第一款、第二款/第三款: may the unit apply for acceptance? One finding per condition."""
    findings = []
    citation = Citation(31, paragraph=1)
    if facts.construction_complete:
        findings.append(Finding("construction_complete", Outcome.PASS, "已完成所有建设内容。", citation))
    else:
        findings.append(Finding("construction_complete", Outcome.BLOCK,
                                "不能申请验收：尚未完成所有建设内容。", citation))
    if facts.trial_run_started_on is None:
        findings.append(Finding("trial_run_complete", Outcome.BLOCK, "不能申请验收：尚未开始试运行。", citation))
    else:
        findings.append(trial_run_complete(TrialRunFacts(facts.trial_run_started_on, facts.today), profile))
        if facts.trial_run_normal:
            findings.append(Finding("trial_run_normal", Outcome.PASS, "试运行正常。", citation))
        else:
            findings.append(Finding("trial_run_normal", Outcome.BLOCK,
                                    "不能申请验收：试运行不正常，请解决试运行中的问题并说明。", citation))
    findings.append(acceptance_materials_complete(facts.delivery_mode, facts.classified, facts.materials))
    return findings


@dataclass(frozen=True)
class AcceptanceSchedule:
    approval_date: date
    construction_period_months: int  # 批复确定的建设周期
    deferred_to: date | None = None  # 书面延期验收申请中的新日期


def acceptance_due_date(schedule: AcceptanceSchedule, profile: Profile,
                        holidays: Container[date] = frozenset()) -> date:
    """The last day for applying for acceptance: the approved construction period plus the trial run
    (第三十一条第一款), counted from the approval date as one period of months (GLOSSARY), moved past
    statutory holidays; a deferral's new date replaces it (第三十一条第二款)."""
    if schedule.deferred_to is not None:
        return schedule.deferred_to
    months = schedule.construction_period_months + profile.value("trial_run.months")
    return deadline_after_months(schedule.approval_date, months, holidays)


@dataclass(frozen=True)
class DeferralRequest:
    requested_on: date
    new_date: date
    reason: str


def acceptance_deferral(request: DeferralRequest, current_due: date) -> Finding:
    """第三十一条第二款：“项目单位不能按期申请验收的，应书面提出延期验收申请。”"""
    evidence = {"原验收期限": current_due, "申请日期": request.requested_on, "申请延期至": request.new_date,
                "理由": request.reason}
    citation = Citation(31, paragraph=2)
    if not request.reason.strip():
        return Finding("acceptance_deferral", Outcome.BLOCK, "延期验收申请须写明不能按期申请验收的理由。",
                       citation, evidence)
    if request.new_date <= current_due:
        return Finding("acceptance_deferral", Outcome.BLOCK,
                       f"延期后的日期 {request.new_date} 应晚于原验收期限 {current_due}。", citation, evidence)
    if request.requested_on > current_due:
        return Finding("acceptance_deferral", Outcome.WARN,
                       f"延期验收申请在验收期限 {current_due} 之后提出：申请可以登记，"
                       f"但此前逾期期间第三十二条的后果照常计算。", citation, evidence)
    return Finding("acceptance_deferral", Outcome.PASS,
                   f"已书面提出延期验收申请，验收期限延至 {request.new_date}。", citation, evidence)


# ---------------------------------------------------------------------------
# 第三十二条 未验收或验收不合格的后果
# ---------------------------------------------------------------------------


class AcceptanceResult(StrEnum):
    NONE = "none"  # 尚无验收结论
    PASSED = "passed"  # 验收合格
    FAILED = "failed"  # 验收不合格


class AcceptanceStanding(StrEnum):
    NOT_DUE = "not_due"  # 未到验收期限
    APPLIED = "applied"  # 已申请验收，尚无结论
    ACCEPTED = "accepted"  # 验收合格
    OVERDUE = "overdue"  # 逾期未申请验收
    FAILED = "failed"  # 验收不合格


STANDING_LABELS: dict[AcceptanceStanding, str] = {
    AcceptanceStanding.NOT_DUE: "未到验收期限", AcceptanceStanding.APPLIED: "已申请验收",
    AcceptanceStanding.ACCEPTED: "验收合格", AcceptanceStanding.OVERDUE: "逾期未申请验收",
    AcceptanceStanding.FAILED: "验收不合格",
}


@dataclass(frozen=True)
class AcceptanceRecord:
    """A project's acceptance facts; ``due_on`` comes from ``acceptance_due_date``."""

    project: str  # 项目编号和名称，用于提示
    due_on: date
    applied_on: date | None = None
    result: AcceptanceResult = AcceptanceResult.NONE


def acceptance_standing(record: AcceptanceRecord, today: date) -> AcceptanceStanding:
    """A failed acceptance stands until a later acceptance is passed; an application (even a late one)
    ends "未进行验收" while the acceptance is carried out."""
    if record.result == AcceptanceResult.PASSED:
        return AcceptanceStanding.ACCEPTED
    if record.result == AcceptanceResult.FAILED:
        return AcceptanceStanding.FAILED
    if record.applied_on is not None:
        return AcceptanceStanding.APPLIED
    if today > record.due_on:
        return AcceptanceStanding.OVERDUE
    return AcceptanceStanding.NOT_DUE


ACCEPTANCE_NO_OM_FUNDING = "acceptance_no_om_funding"
ACCEPTANCE_NO_CLOUD_RESOURCES = "acceptance_no_cloud_resources"
ACCEPTANCE_NO_NEW_PROJECTS = "acceptance_no_new_projects"


def acceptance_sanctions(record: AcceptanceRecord, today: date) -> list[Finding]:
    """第三十二条：“未进行验收或验收不合格的项目，不安排该项目运行维护经费和政务云资源，不批准项目单位新增项目。”

    Computed from the facts: while the project is overdue for acceptance or has failed it, three
    BLOCK findings; otherwise none. (O&M funding additionally needs a passed acceptance, see
    ``ch05_funding.om_funding_eligibility``.)
    """
    standing = acceptance_standing(record, today)
    if standing not in (AcceptanceStanding.OVERDUE, AcceptanceStanding.FAILED):
        return []
    reason = (f"逾期未申请验收（验收期限 {record.due_on}）" if standing == AcceptanceStanding.OVERDUE
              else "验收不合格")
    why = f"项目“{record.project}”{reason}"
    evidence = {"项目": record.project, "原因": reason, "验收状态": STANDING_LABELS[standing],
                "验收期限": record.due_on, "申请验收日期": record.applied_on, "今天": today}
    return [
        Finding(ACCEPTANCE_NO_OM_FUNDING, Outcome.BLOCK, f"{why}：不安排该项目运行维护经费。", Citation(32), evidence),
        Finding(ACCEPTANCE_NO_CLOUD_RESOURCES, Outcome.BLOCK, f"{why}：不安排该项目政务云资源。", Citation(32), evidence),
        Finding(ACCEPTANCE_NO_NEW_PROJECTS, Outcome.BLOCK,
                f"{why}：不批准项目单位新增项目；完成验收并合格后解除。", Citation(32), evidence),
    ]


# ---------------------------------------------------------------------------
# 第三十三条 数据资源共享
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SharingViolation:
    """未按要求共享数据资源或重复采集数据, found for a project in ``year``."""

    project: str
    year: int
    failed_to_share: bool = False
    duplicate_collection: bool = False


SHARING_NO_NEW_SYSTEMS = "sharing_no_new_systems"
SHARING_NO_OM_FUNDING = "sharing_no_om_funding"
SHARING_NO_NEW_CLOUD = "sharing_no_new_cloud"


def sharing_sanctions(violation: SharingViolation, year: int) -> list[Finding]:
    """第三十三条：“未按要求共享数据资源或重复采集数据的，省发展改革委不予审批次年度该项目单位其他新建、改建、
    扩建政务信息系统，财政厅不安排该项目次年度信息化运行维护经费，省大数据中心不提供该项目次年度新增政务云资源。”

    ``year`` is the year asked about (of the approval, the O&M budget or the cloud resource); the
    sanctions apply when it is the year after the violation's year.
    """
    what = [label for flag, label in ((violation.failed_to_share, "未按要求共享数据资源"),
                                      (violation.duplicate_collection, "重复采集数据")) if flag]
    if not what or year != violation.year + 1:
        return []
    reason = f"{violation.year} 年{'、'.join(what)}"
    why = f"项目“{violation.project}”{reason}"
    evidence = {"项目": violation.project, "原因": reason, "违规年度": violation.year, "限制年度": year, "情形": what}
    return [
        Finding(SHARING_NO_NEW_SYSTEMS, Outcome.BLOCK,
                f"{why}：{year} 年度不予审批该项目单位其他新建、改建、扩建政务信息系统。", Citation(33), evidence),
        Finding(SHARING_NO_OM_FUNDING, Outcome.BLOCK,
                f"{why}：{year} 年度不安排该项目信息化运行维护经费。", Citation(33), evidence),
        Finding(SHARING_NO_NEW_CLOUD, Outcome.BLOCK,
                f"{why}：{year} 年度不提供该项目新增政务云资源。", Citation(33), evidence),
    ]


# ---------------------------------------------------------------------------
# 第三十四条 运行维护能力
# ---------------------------------------------------------------------------


class OmArrangement(StrEnum):
    SELF = "self"  # 自管自用自维
    FUNCTIONAL_DEPARTMENT = "functional_department"  # 相关职能部门
    PURCHASED_SERVICE = "purchased_service"  # 购买服务


def om_arrangement(unit_has_om_capability: bool, arrangement: OmArrangement) -> Finding:
    """第三十四条：“对于项目单位不具备运行维护能力的项目，应充分发挥相关职能部门作用或者采取购买服务方式，
    减少自管自用自维。”"""
    evidence = {"具备运行维护能力": unit_has_om_capability, "运维方式": str(arrangement)}
    if not unit_has_om_capability and arrangement == OmArrangement.SELF:
        return Finding("om_arrangement", Outcome.WARN,
                       "项目单位不具备运行维护能力却拟自行运维：请改由相关职能部门运维或采取购买服务方式。",
                       Citation(34), evidence)
    return Finding("om_arrangement", Outcome.PASS, "运行维护方式与项目单位的运维能力相适应。", Citation(34), evidence)
