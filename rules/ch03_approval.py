"""第三章 规划和审批管理 (第十四条–第二十五条).

Formalised here:
- 第十五条: a declaration is submitted within its round's dates;
- 第十六条: the declaration materials, one finding per missing item; 第二十条: the
  information resource catalogue is a precondition of approval;
- 第十七条: every body of the centralized review has recorded its conclusion;
- 第十八条: the integration and sharing chapter; eligibility for a merged implementation plan;
- 第十九条: the service requirements plan, the four conditions of a purchased service
  and the lifetime cost comparison;
- 第二十一条: the parts of a cross-department project, and overlapping content between them;
- 第二十二条, 第二十四条: every opinion and the evaluation before approval;
- 第二十三条: the extra reviews (energy, site, land, environment) only for civil works or high energy use;
- 第二十五条: a preliminary design beyond its feasibility approval, and major changes.

Not formalised as rules, and why:
- 第十四条 asks plans and projects to fit the national and provincial plans: a judgement
  of the reviewers in the centralized review (第十七条), recorded as their conclusion.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from itertools import combinations
from typing import TYPE_CHECKING, Any, Protocol

from policy.parameters import BODY_KINDS

from .ch02_integration import NamedException, first_applicable, require_money, yuan
from .findings import Citation, Finding, Outcome
from .profile import Profile
from .similarity import similarity

if TYPE_CHECKING:
    from .precheck import DeclarationFacts

_CENT = Decimal("0.01")


def _bodies(kinds: Sequence[str]) -> str:
    return "、".join(BODY_KINDS[kind] for kind in kinds)


# --- 第十五条 ---------------------------------------------------------------------------------

def declaration_round_open(opens_on: date, closes_on: date, today: date) -> Finding:
    """第十五条：“项目单位……提出本部门（单位）次年度政务信息化项目需求，通过政务信息化项目备案登记平台填报，
    同时提交项目申报材料。”

    A declaration is submitted within the round the office opened; both dates are included.
    """
    evidence = {"申报开始日期": opens_on, "申报截止日期": closes_on, "今天": today}
    if today < opens_on:
        return Finding("declaration_round_open", Outcome.BLOCK,
                       f"本轮申报尚未开始：申报期为 {opens_on} 至 {closes_on}，请在申报期内提交。", Citation(15), evidence)
    if today > closes_on:
        return Finding("declaration_round_open", Outcome.BLOCK,
                       f"本轮申报已于 {closes_on} 截止，不能再提交。请等待下一轮申报，或联系领导小组办公室。",
                       Citation(15), evidence)
    return Finding("declaration_round_open", Outcome.PASS,
                   f"申报期为 {opens_on} 至 {closes_on}，可以提交。", Citation(15), evidence)


# --- 第十六条、第二十条 -----------------------------------------------------------------------

class DeliveryMode(StrEnum):
    SELF_BUILT = "self_built"
    PURCHASED_SERVICE = "purchased_service"


DELIVERY_MODE_LABELS = {DeliveryMode.SELF_BUILT: "自行建设", DeliveryMode.PURCHASED_SERVICE: "购买服务"}

MATERIAL_GROUPS = {1: "基本情况", 2: "技术方案", 3: "资金来源"}


def _always(facts: DeclarationFacts) -> bool:
    return True


@dataclass(frozen=True)
class Material:
    """One item of the declaration materials of 第十六条."""

    item: int  # 第十六条第 item 项
    field: str  # the attribute of DeclarationFacts
    label: str
    action: str  # what the unit does to supply it: 填写 / 选择 / 上传
    applies: Callable[[DeclarationFacts], bool] = _always


MATERIALS: tuple[Material, ...] = (
    Material(1, "name", "项目名称", "填写"),
    Material(1, "unit", "项目单位", "填写"),
    Material(1, "main_tasks", "主要任务", "填写"),
    Material(1, "basis_and_necessity", "项目建设依据和必要性", "填写"),
    Material(1, "performance_goals", "项目绩效目标", "填写"),
    Material(1, "delivery_mode", "拟采用实施方式（自行建设或购买服务）", "选择"),
    Material(1, "delivery_mode_reason", "采用该实施方式的主要原因", "填写"),
    Material(2, "has_application_plan", "应用系统实施方案", "上传"),
    Material(2, "has_information_resource_catalogue", "信息资源目录", "编制并上传"),
    Material(2, "has_government_cloud_plan", "政务云需求方案", "上传"),
    Material(2, "has_mlps_plan", "等级保护方案（非涉密项目）", "上传", lambda facts: not facts.is_classified),
    Material(2, "has_classified_protection_plan", "分级保护方案（涉密项目）", "上传", lambda facts: facts.is_classified),
    Material(2, "has_cryptography_plan", "密码应用方案", "上传"),
    Material(3, "total_investment", "投资额度", "填写"),
    Material(3, "om_funding", "运行维护经费", "填写"),
    Material(3, "funding_channels", "经费渠道（预算内基本建设资金、中央专项资金等）", "选择"),
)


def _present(value: Any) -> bool:
    """A material is present when entered: text not blank, a document attached, an amount entered (0 counts)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Decimal):
        return True
    return bool(value)


def materials_complete(facts: DeclarationFacts) -> list[Finding]:
    """第十六条：“项目申报材料应包括以下内容：（一）基本情况。包括项目名称、项目单位、主要任务、项目建设依据和
    必要性、项目绩效目标，拟采用实施方式（自行建设或购买服务）及主要原因等；（二）技术方案。包括应用系统实施方案、
    信息资源目录、政务云需求方案、等级保护或分级保护方案、密码应用方案等；（三）资金来源。包括投资额度和运行维护经费、
    经费渠道（预算内基本建设资金、中央专项资金等）等。”

    One BLOCK per missing item, citing its 项; a single PASS when nothing is missing.
    等级保护方案 is asked of a non-classified project, 分级保护方案 of a classified one.
    """
    findings = []
    for material in MATERIALS:
        if not material.applies(facts) or _present(getattr(facts, material.field)):
            continue
        group = MATERIAL_GROUPS[material.item]
        findings.append(Finding(
            f"materials_complete.{material.field}", Outcome.BLOCK,
            f"申报材料“{group}”缺少{material.label}：请{material.action}{material.label}。",
            Citation(16, item=material.item), {"缺少的材料": material.label, "所属部分": group, "涉密": facts.is_classified},
        ))
    if not findings:
        findings.append(Finding("materials_complete", Outcome.PASS, "申报材料的基本情况、技术方案和资金来源齐全。",
                                Citation(16), {"检查的材料": [m.label for m in MATERIALS if m.applies(facts)]}))
    return findings


class CatalogueFact(Protocol):
    """What 第二十条 reads: ``DeclarationFacts`` (the pre-check) or a smaller fact when only this rule runs."""

    has_information_resource_catalogue: bool


def information_resource_catalogue_present(facts: CatalogueFact) -> Finding:
    """第二十条：“项目单位应编制信息资源目录。信息资源目录是审批政务信息化项目的必备条件……”"""
    evidence = {"已编制信息资源目录": facts.has_information_resource_catalogue}
    if facts.has_information_resource_catalogue:
        return Finding("information_resource_catalogue_present", Outcome.PASS, "已编制信息资源目录。", Citation(20), evidence)
    return Finding("information_resource_catalogue_present", Outcome.BLOCK,
                   "未编制信息资源目录：信息资源目录是审批政务信息化项目的必备条件。请在“技术方案”中编制并上传信息资源目录。",
                   Citation(20), evidence)


# --- 第十七条 ---------------------------------------------------------------------------------

def centralized_review_complete(reviewed_bodies: Collection[str], profile: Profile) -> Finding:
    """第十七条：“领导小组组织省发展改革委、财政厅、省大数据中心等相关部门（单位）对申报项目进行集中审查，
    确定年度政务信息化项目清单并按程序报审。”

    The list can be fixed only when every body in ``centralized_review.bodies`` has recorded its conclusion.
    """
    bodies = profile.value("centralized_review.bodies")
    missing = [kind for kind in bodies if kind not in reviewed_bodies]
    evidence = {"尚未记录审查结论": [BODY_KINDS[k] for k in missing], **profile.evidence("centralized_review.bodies")}
    if missing:
        return Finding("centralized_review_complete", Outcome.BLOCK,
                       f"尚不能确定年度政务信息化项目清单：{_bodies(missing)}尚未记录集中审查结论。请待其记录审查结论后再确定。",
                       Citation(17), evidence)
    return Finding("centralized_review_complete", Outcome.PASS, "参加集中审查的部门均已记录审查结论。",
                   Citation(17), evidence)


# --- 第十八条 ---------------------------------------------------------------------------------

class ApprovalDocumentKind(StrEnum):
    FEASIBILITY_STUDY = "feasibility_study"
    PRELIMINARY_DESIGN = "preliminary_design"
    IMPLEMENTATION_PLAN = "implementation_plan"


APPROVAL_DOCUMENT_LABELS = {
    ApprovalDocumentKind.FEASIBILITY_STUDY: "项目可行性研究报告",
    ApprovalDocumentKind.PRELIMINARY_DESIGN: "初步设计方案",
    ApprovalDocumentKind.IMPLEMENTATION_PLAN: "项目实施方案",
}


def integration_sharing_chapter(document: ApprovalDocumentKind, has_chapter: bool) -> Finding:
    """第十八条第一款：“项目可行性研究报告、初步设计方案应包括系统整合、集约化建设和信息资源共享分析专篇（章）。”

    A merged implementation plan replaces both documents, so it carries the chapter too.
    """
    label = APPROVAL_DOCUMENT_LABELS[ApprovalDocumentKind(document)]
    evidence = {"文件": label, "含系统整合、集约化建设和信息资源共享分析专篇（章）": has_chapter}
    if has_chapter:
        return Finding("integration_sharing_chapter", Outcome.PASS,
                       f"{label}包括系统整合、集约化建设和信息资源共享分析专篇（章）。", Citation(18, paragraph=1), evidence)
    return Finding("integration_sharing_chapter", Outcome.BLOCK,
                   f"{label}缺少系统整合、集约化建设和信息资源共享分析专篇（章）。请在{label}中补充该专篇（章）后再报送。",
                   Citation(18, paragraph=1), evidence)


@dataclass(frozen=True, kw_only=True)
class MergedPlanFacts:
    depth_requirements_met: bool  # 前期工作深度达到规定要求
    central_or_provincial_mandate: bool  # 党中央、国务院和省委、省政府有明确要求
    national_security_urgent: bool  # 涉及国家安全等特殊原因，情况紧急
    total_investment: Decimal

    def __post_init__(self) -> None:
        require_money(total_investment=self.total_investment)


MANDATE = NamedException("central_or_provincial_mandate", "党中央、国务院和省委、省政府有明确要求",
                         Citation(18, item=1, paragraph=2))
NATIONAL_SECURITY_URGENCY = NamedException("national_security_urgency", "涉及国家安全等特殊原因，情况紧急",
                                           Citation(18, item=2, paragraph=2))
SMALL_INVESTMENT = NamedException("small_investment", "总投资不超过规定限额（merged_plan.max_total_investment）",
                                  Citation(18, item=3, paragraph=2))


def merged_plan_eligible(facts: MergedPlanFacts, profile: Profile) -> Finding:
    """第十八条第二款：“前期工作深度达到规定要求，并符合下列情形之一的建设项目，可以合并项目可行性研究报告、
    初步设计方案，编报项目实施方案：（一）党中央、国务院和省委、省政府有明确要求的；（二）涉及国家安全等特殊原因，
    情况紧急的；（三）总投资不超过 2000 万元的。”

    The grounds are tried in the article's order; the first that holds is cited and
    shown in the evidence. The limit of (三) is the profile's ``merged_plan.max_total_investment``.
    """
    limit: Decimal = profile.value("merged_plan.max_total_investment")
    grounds = [
        (MANDATE, facts.central_or_provincial_mandate),
        (NATIONAL_SECURITY_URGENCY, facts.national_security_urgent),
        (SMALL_INVESTMENT, facts.total_investment <= limit),
    ]
    ground = first_applicable(grounds)
    evidence = {
        "前期工作深度达到规定要求": facts.depth_requirements_met,
        "总投资": facts.total_investment,
        "各情形": {g.citation.label: applies for g, applies in grounds},
        "适用情形": ground.citation.label if ground else None,
        **profile.evidence("merged_plan.max_total_investment"),
    }
    separate = "请分别编报项目可行性研究报告和初步设计方案"
    if not facts.depth_requirements_met:
        return Finding("merged_plan_eligible", Outcome.BLOCK,
                       f"不能合并编报项目实施方案：前期工作深度未达到规定要求。{separate}，或补充前期工作后再申请合并编报。",
                       Citation(18, paragraph=2), evidence)
    if ground is None:
        return Finding("merged_plan_eligible", Outcome.BLOCK,
                       f"不能合并编报项目实施方案：没有党中央、国务院和省委、省政府的明确要求，不属于涉及国家安全等特殊原因的"
                       f"紧急情况，且总投资 {yuan(facts.total_investment)}超过 {yuan(limit)}。{separate}。",
                       Citation(18, paragraph=2), evidence)
    reason = (f"总投资 {yuan(facts.total_investment)}不超过 {yuan(limit)}" if ground is SMALL_INVESTMENT
              else ground.text)
    return Finding("merged_plan_eligible", Outcome.PASS,
                   f"可以合并编报项目实施方案：前期工作深度达到规定要求，且{reason}。", ground.citation, evidence)


# --- 第十九条 ---------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class ServiceRequirementsPlan:
    """项目服务需求方案 (第十九条第一款): each part as entered text."""

    necessity_analysis: str
    technical_analysis: str
    economic_analysis: str
    sharing_analysis: str
    security_requirements: str
    build_vs_buy_comparison: str
    funding_needs: str
    procurement_plan: str
    main_objectives: str
    service_requirements: str


SERVICE_PLAN_CONTENTS = {
    "necessity_analysis": "项目必要性分析",
    "technical_analysis": "技术性分析",
    "economic_analysis": "经济性分析",
    "sharing_analysis": "信息资源共享分析",
    "security_requirements": "信息安全要求",
    "build_vs_buy_comparison": "采用自建和购买服务方式经济性比较分析",
    "funding_needs": "经费需求",
    "procurement_plan": "招标和采购方案",
    "main_objectives": "主要目标",
    "service_requirements": "服务需求",
}


def service_requirements_plan_complete(plan: ServiceRequirementsPlan) -> list[Finding]:
    """第十九条：“政府购买服务项目应编报项目服务需求方案，包括项目必要性、技术性和经济性分析，信息资源共享分析，
    信息安全要求，采用自建和购买服务方式经济性比较分析，经费需求，招标和采购方案等内容，明确主要目标、服务需求。”"""
    findings = [
        Finding(f"service_requirements_plan_complete.{name}", Outcome.BLOCK,
                f"项目服务需求方案缺少“{label}”：请补充{label}后再报送。", Citation(19), {"缺少的内容": label})
        for name, label in SERVICE_PLAN_CONTENTS.items()
        if not _present(getattr(plan, name))
    ]
    return findings or [Finding("service_requirements_plan_complete", Outcome.PASS, "项目服务需求方案内容齐全。",
                                Citation(19), {"检查的内容": list(SERVICE_PLAN_CONTENTS.values())})]


@dataclass(frozen=True, kw_only=True)
class LifetimeCosts:
    """Figures for the comparison of 第十九条第二项, over the information system's service life, in yuan."""

    service_life_years: int
    annual_service_fees: tuple[Decimal, ...]  # 购买服务：逐年服务费
    construction_cost: Decimal  # 自行建设：建设经费
    annual_om_costs: tuple[Decimal, ...]  # 自行建设：逐年运维经费

    def __post_init__(self) -> None:
        require_money(construction_cost=self.construction_cost,
                      **{f"annual_service_fees[{i}]": v for i, v in enumerate(self.annual_service_fees)},
                      **{f"annual_om_costs[{i}]": v for i, v in enumerate(self.annual_om_costs)})


def lifetime_cost_comparison(costs: LifetimeCosts, profile: Profile) -> Finding:
    """第十九条第二项：“在信息系统使用期限内，通过购买服务方式支付的服务费预算总额，明显小于通过自行建设所需的
    建设、运维经费总额，具有较好经济性的”。

    “明显小于” is read through the profile: service total ≤ (1 − min_saving_percent / 100) × self-build total,
    compared exactly (no rounding).
    """
    citation = Citation(19, item=2)
    years = costs.service_life_years
    evidence: dict[str, Any] = {"使用期限（年）": years, "逐年服务费": list(costs.annual_service_fees),
                                "建设经费": costs.construction_cost, "逐年运维经费": list(costs.annual_om_costs),
                                **profile.evidence("purchased_service.min_saving_percent")}
    if years <= 0 or len(costs.annual_service_fees) != years or len(costs.annual_om_costs) != years:
        return Finding("lifetime_cost_comparison", Outcome.BLOCK,
                       f"请按信息系统使用期限逐年填写服务费和运维经费：使用期限 {years} 年，已填服务费 "
                       f"{len(costs.annual_service_fees)} 年、运维经费 {len(costs.annual_om_costs)} 年。",
                       citation, evidence)
    saving: Decimal = profile.value("purchased_service.min_saving_percent")
    service_total = sum(costs.annual_service_fees, Decimal("0"))
    self_built_total = costs.construction_cost + sum(costs.annual_om_costs, Decimal("0"))
    ceiling = self_built_total * (Decimal(100) - saving) / Decimal(100)
    shown_ceiling = ceiling.quantize(_CENT, rounding=ROUND_FLOOR)  # amounts are in fen: ≤ ceiling ⇔ ≤ this
    evidence.update({"服务费总额": service_total, "自行建设经费总额": self_built_total, "服务费上限": ceiling})
    if service_total <= ceiling:
        return Finding("lifetime_cost_comparison", Outcome.PASS,
                       f"购买服务的服务费总额 {yuan(service_total)}明显小于自行建设所需的建设、运维经费总额 "
                       f"{yuan(self_built_total)}（不高于 {yuan(shown_ceiling)}，即至少节省 {saving}%），具有较好经济性。",
                       citation, evidence)
    return Finding("lifetime_cost_comparison", Outcome.BLOCK,
                   f"购买服务的服务费总额 {yuan(service_total)}未明显小于自行建设所需的建设、运维经费总额 "
                   f"{yuan(self_built_total)}：须不高于 {yuan(shown_ceiling)}（至少节省 {saving}%），还差 "
                   f"{yuan(service_total - shown_ceiling)}。请重新测算服务费，或改为自行建设。",
                   citation, evidence)


@dataclass(frozen=True, kw_only=True)
class PurchasedServiceFacts:
    is_goods_or_works: bool  # 属于政府采购法律、行政法规规定的货物或工程
    bundles_works_and_services: bool  # 将工程和服务打包
    costs: LifetimeCosts
    potential_providers: int  # 可供选择的潜在服务提供商家数
    meets_security_secrecy_requirements: bool  # 符合国家政务信息系统与信息资源安全保密要求


def purchased_service_conditions(facts: PurchasedServiceFacts, profile: Profile) -> list[Finding]:
    """第十九条：“同时，应满足以下条件：（一）不属于政府采购有关法律、行政法规规定的货物和工程，以及将工程和服务
    打包的；（二）……服务费预算总额，明显小于……建设、运维经费总额，具有较好经济性的；（三）存在多家潜在服务提供商
    可供选择的；（四）不违反国家关于政务信息系统与信息资源安全保密有关要求。”

    One finding per condition, in the article's order.
    """
    findings = []
    evidence1 = {"属于货物或工程": facts.is_goods_or_works, "将工程和服务打包": facts.bundles_works_and_services}
    if facts.is_goods_or_works or facts.bundles_works_and_services:
        findings.append(Finding("purchased_service_not_goods_or_works", Outcome.BLOCK,
                                "属于政府采购有关法律、行政法规规定的货物或工程，或将工程和服务打包，不能采用购买服务方式。"
                                "请将工程与服务分开，货物、工程按规定采购，或改为自行建设。",
                                Citation(19, item=1), evidence1))
    else:
        findings.append(Finding("purchased_service_not_goods_or_works", Outcome.PASS,
                                "不属于货物或工程，也未将工程和服务打包。", Citation(19, item=1), evidence1))

    findings.append(lifetime_cost_comparison(facts.costs, profile))

    minimum: int = profile.value("purchased_service.min_potential_providers")
    evidence3 = {"潜在服务提供商家数": facts.potential_providers,
                 **profile.evidence("purchased_service.min_potential_providers")}
    if facts.potential_providers >= minimum:
        findings.append(Finding("purchased_service_providers", Outcome.PASS,
                                f"存在 {facts.potential_providers} 家潜在服务提供商可供选择。", Citation(19, item=3), evidence3))
    else:
        findings.append(Finding("purchased_service_providers", Outcome.BLOCK,
                                f"潜在服务提供商只有 {facts.potential_providers} 家，不满足“存在多家潜在服务提供商可供选择”"
                                f"（至少 {minimum} 家）。请补充市场调研并列明可供选择的服务提供商，或改为自行建设。",
                                Citation(19, item=3), evidence3))

    evidence4 = {"符合安全保密要求": facts.meets_security_secrecy_requirements}
    if facts.meets_security_secrecy_requirements:
        findings.append(Finding("purchased_service_security", Outcome.PASS,
                                "不违反国家关于政务信息系统与信息资源安全保密的有关要求。", Citation(19, item=4), evidence4))
    else:
        findings.append(Finding("purchased_service_security", Outcome.BLOCK,
                                "购买服务方式违反国家关于政务信息系统与信息资源安全保密的有关要求。"
                                "请调整服务方案使其符合安全保密要求，或改为自行建设。", Citation(19, item=4), evidence4))
    return findings


# --- 第二十一条 -------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class DepartmentPart:
    """One department's part of a cross-department project (第二十一条、第二十七条)."""

    department: str
    is_lead: bool  # 牵头部门 (else 参建部门)
    scope: str  # 建设范围和主体内容
    business_flows: str  # 与总体工程的业务流
    data_flows: str  # 数据流
    interfaces: str  # 系统接口


PART_CONTENTS = {"scope": "建设范围和主体内容", "business_flows": "业务流", "data_flows": "数据流", "interfaces": "系统接口"}


def cross_department_structure(parts: Sequence[DepartmentPart]) -> list[Finding]:
    """第二十一条：“省级跨部门共建共享的政务信息化项目，由牵头部门会同参建部门共同编制项目可行性研究报告、
    初步设计方案，确定工程的参建部门、建设目标、主体内容，明确各部门项目与总体工程的业务流、数据流及系统接口……”"""
    citation = Citation(21)
    leads = [p.department for p in parts if p.is_lead]
    evidence = {"牵头部门": leads, "参建部门": [p.department for p in parts if not p.is_lead]}
    findings = []
    if len(leads) != 1:
        findings.append(Finding("cross_department_structure.lead", Outcome.BLOCK,
                                f"跨部门共建共享项目须有且只有一个牵头部门，当前有 {len(leads)} 个。请指定一个牵头部门。",
                                citation, evidence))
    if len(parts) - len(leads) < 1:
        findings.append(Finding("cross_department_structure.participants", Outcome.BLOCK,
                                "跨部门共建共享项目须至少有一个参建部门。请添加参建部门及其建设内容。", citation, evidence))
    for part in parts:
        missing = [label for name, label in PART_CONTENTS.items() if not _present(getattr(part, name))]
        if missing:
            findings.append(Finding("cross_department_structure.part", Outcome.BLOCK,
                                    f"{part.department}的部分缺少{'、'.join(missing)}。请补充后再报送。",
                                    citation, {"部门": part.department, "缺少的内容": missing}))
    return findings or [Finding("cross_department_structure", Outcome.PASS,
                                "已明确牵头部门、参建部门及各部门的建设范围、业务流、数据流和系统接口。", citation, evidence)]


def cross_department_overlaps(parts: Sequence[DepartmentPart], profile: Profile) -> list[Finding]:
    """第二十一条：“……形成数据目录，确保各部门建设内容无重复交叉，实现共建共享要求。”

    Every pair of parts whose scopes reach ``cross_department.overlap_warn_threshold`` is flagged.
    """
    threshold: Decimal = profile.value("cross_department.overlap_warn_threshold")
    parameters = profile.evidence("cross_department.overlap_warn_threshold")
    findings = []
    for first, second in combinations(parts, 2):
        score = similarity(first.scope, second.scope)
        if score >= threshold:
            findings.append(Finding(
                "cross_department_overlap", Outcome.WARN,
                f"{first.department}与{second.department}的建设内容可能重复交叉（相似度 {score}%）。"
                "请划清两部门的建设范围，重复的内容只由一个部门建设、其他部门共享使用。",
                Citation(21), {"部门": [first.department, second.department], "相似度": f"{score}%", **parameters}))
    return findings or [Finding("cross_department_overlap", Outcome.PASS,
                                f"各部门建设内容未发现重复交叉（两两相似度均低于 {threshold}%）。", Citation(21), parameters)]


# --- 第二十二条、第二十四条 -------------------------------------------------------------------

def opinions_complete(requested_bodies: Collection[str], answered_bodies: Collection[str], evaluation_recorded: bool,
                      profile: Profile, *, provincial_government_required: bool = False,
                      provincial_government_agreed: bool = False) -> Finding:
    """第二十二条：“省发展改革委审批项目前，书面征求省委网信办、省国家保密局、省密码管理局、经济和信息化厅、公安厅、
    财政厅、省大数据中心意见。”第二十四条：“省发展改革委……对……进行评估论证后审核批复。按规定需报省政府审定的项目，
    由省发展改革委核报省政府同意后按程序批复。”

    Approval is blocked until every body of ``opinion.bodies`` has answered, the evaluation
    is recorded and, where required, the provincial government has agreed.
    """
    bodies = profile.value("opinion.bodies")
    not_requested = [k for k in bodies if k not in requested_bodies and k not in answered_bodies]
    awaiting = [k for k in bodies if k in requested_bodies and k not in answered_bodies]
    problems = []
    if not_requested:
        problems.append(f"尚未书面征求{_bodies(not_requested)}的意见")
    if awaiting:
        problems.append(f"{_bodies(awaiting)}尚未出具书面意见")
    if not evaluation_recorded:
        problems.append("尚未记录评估论证结论")
    if provincial_government_required and not provincial_government_agreed:
        problems.append("项目须报省政府审定，尚未取得省政府同意")
    evidence = {"尚未征求意见": [BODY_KINDS[k] for k in not_requested], "尚未出具意见": [BODY_KINDS[k] for k in awaiting],
                "评估论证已记录": evaluation_recorded, "须报省政府审定": provincial_government_required,
                "省政府已同意": provincial_government_agreed, **profile.evidence("opinion.bodies")}
    if not problems:
        return Finding("opinions_complete", Outcome.PASS, "各部门书面意见和评估论证均已齐备，可以批复。", Citation(22), evidence)
    citation = Citation(22) if not_requested or awaiting else Citation(24)
    return Finding("opinions_complete", Outcome.BLOCK,
                   f"尚不能批复：{'；'.join(problems)}。请在上述意见和评估论证齐备后再批复。", citation, evidence)


# --- 第二十三条 -------------------------------------------------------------------------------

EXTRA_REVIEWS = ("节能评估", "规划选址", "用地预审", "环境影响评价")
NEW_CIVIL_WORKS = NamedException("new_civil_works", "涉及新建土建工程", Citation(23))
HIGH_ENERGY_USE = NamedException("high_energy_use", "属于高能耗项目", Citation(23))


def required_extra_reviews(has_new_civil_works: bool, is_high_energy_use: bool) -> tuple[str, ...]:
    """The reviews of 第二十三条 a project needs: none, unless one of its exceptions applies."""
    exception = first_applicable([(NEW_CIVIL_WORKS, has_new_civil_works), (HIGH_ENERGY_USE, is_high_energy_use)])
    return EXTRA_REVIEWS if exception else ()


def extra_reviews_required(has_new_civil_works: bool, is_high_energy_use: bool) -> Finding:
    """第二十三条：“政务信息化项目原则上不再进行节能评估、规划选址、用地预审、环境影响评价等审批。
    涉及新建土建工程、高能耗项目的除外。”

    The evidence's “须办理的审批” is the list of reviews to ask for (empty normally).
    """
    applied = [e.text for e, applies in ((NEW_CIVIL_WORKS, has_new_civil_works), (HIGH_ENERGY_USE, is_high_energy_use))
               if applies]
    reviews = list(required_extra_reviews(has_new_civil_works, is_high_energy_use))
    evidence = {"涉及新建土建工程": has_new_civil_works, "高能耗项目": is_high_energy_use,
                "适用例外": applied, "须办理的审批": reviews}
    if not reviews:
        return Finding("extra_reviews_required", Outcome.PASS,
                       f"项目不涉及新建土建工程，也不属于高能耗项目，无需进行{'、'.join(EXTRA_REVIEWS)}等审批。",
                       Citation(23), evidence)
    return Finding("extra_reviews_required", Outcome.WARN,
                   f"项目{'且'.join(applied)}，须按有关规定办理{'、'.join(reviews)}等审批，并在申报材料中附上审批文件。",
                   Citation(23), evidence)


# --- 第二十五条 -------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class PreliminaryDesignFacts:
    feasibility_approved_investment: Decimal  # 可行性研究报告批复的总投资
    budget_estimate: Decimal  # 初步设计方案的投资概算
    content_exceeds_feasibility_approval: bool  # 建设内容超出可研批复
    has_adjustment_chapter: bool  # 以独立章节说明调整内容及理由
    is_major_change: bool  # 存在重大变更

    def __post_init__(self) -> None:
        require_money(feasibility_approved_investment=self.feasibility_approved_investment,
                      budget_estimate=self.budget_estimate)


def adjustment_chapter_present(facts: PreliminaryDesignFacts) -> Finding:
    """第二十五条：“项目初步设计方案内容调整超出可行性研究报告批复的，项目单位应在提交项目初步设计方案时以独立章节
    对调整内容及理由等进行说明。”"""
    reasons = []
    if facts.budget_estimate > facts.feasibility_approved_investment:
        reasons.append(f"投资概算 {yuan(facts.budget_estimate)}超过可行性研究报告批复总投资 "
                       f"{yuan(facts.feasibility_approved_investment)}")
    if facts.content_exceeds_feasibility_approval:
        reasons.append("建设内容超出可行性研究报告批复")
    evidence = {"投资概算": facts.budget_estimate, "可研批复总投资": facts.feasibility_approved_investment,
                "建设内容超出批复": facts.content_exceeds_feasibility_approval,
                "有调整说明独立章节": facts.has_adjustment_chapter}
    if not reasons:
        return Finding("adjustment_chapter_present", Outcome.PASS, "初步设计方案未超出可行性研究报告批复。",
                       Citation(25), evidence)
    if facts.has_adjustment_chapter:
        return Finding("adjustment_chapter_present", Outcome.PASS,
                       f"初步设计方案超出可行性研究报告批复（{'；'.join(reasons)}），已以独立章节说明调整内容及理由。",
                       Citation(25), evidence)
    return Finding("adjustment_chapter_present", Outcome.BLOCK,
                   f"初步设计方案超出可行性研究报告批复（{'；'.join(reasons)}），须以独立章节说明调整内容及理由。"
                   "请在初步设计方案中补充该独立章节后再提交。", Citation(25), evidence)


def major_change_requires_new_feasibility(facts: PreliminaryDesignFacts) -> Finding:
    """第二十五条：“存在重大变更的，原则上应重新审批项目可行性研究报告。”"""
    evidence = {"存在重大变更": facts.is_major_change}
    if facts.is_major_change:
        return Finding("major_change_requires_new_feasibility", Outcome.BLOCK,
                       "初步设计方案存在重大变更，原则上应重新审批项目可行性研究报告。"
                       "请先重新编报可行性研究报告并取得批复，再提交初步设计方案。", Citation(25), evidence)
    return Finding("major_change_requires_new_feasibility", Outcome.PASS, "初步设计方案不存在重大变更。",
                   Citation(25), evidence)


def preliminary_design_findings(facts: PreliminaryDesignFacts) -> list[Finding]:
    return [adjustment_chapter_present(facts), major_change_requires_new_feasibility(facts)]
