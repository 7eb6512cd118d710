"""第二章 系统整合和信息共享 (第六条–第十三条).

Rules over a project's declared facts (``rules.precheck.DeclarationFacts``).

Formalised here:
- 第六条 and 第八条第四项, 第二十一条: possible duplicate construction (text similarity);
- 第八条: the eight categories of projects not approved in principle, one rule each,
  with the exception “法律法规有明确规定的除外”;
- 第九条: catalogue coverage, funding eligibility of a system, the 项目代码 format;
- 第十条: province–city collaborative projects link the cities' projects;
- 第十二条: data aggregation, with the leading group's approval as the exception;
- 第十一条, 第十三条 (and 第三十三条's public data catalogue) over one entry of a project's information
  resource catalogue (``resource_sharing``): what the oversight page shows against it.

Not formalised as rules, and why:
- 第七条 lists the kinds of projects built with priority: it guides the centralized
  review (第十七条), it does not allow or refuse a project.
- 第八条's first sentence (systems that can be merged or replaced by a common system
  shall stop running) concerns running systems in the catalogue, not a declaration.
- 第十一条 in a declaration: connection to the sharing exchange platform and sharing itself are
  the facts of 第八条第五项、第六项; the ban on opening shared data only to particular companies
  is checked on the resource catalogue (``resource_sharing``) and supervised (第四十七条).
- 第十三条 refers to the laws on state secrets; reviewers apply them (``resource_sharing`` only
  reminds of them and says who may see the entry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .findings import Citation, Finding, Outcome
from .profile import Profile
from .similarity import Match, SimilarityIndex

if TYPE_CHECKING:
    from .precheck import DeclarationFacts


# --- Shared helpers: named exceptions, money -------------------------------------------------

@dataclass(frozen=True)
class NamedException:
    """An exception or alternative the measures name (“……的除外”, “符合下列情形之一的”), with its own citation.

    A rule lists its exceptions in the order of the article and takes the first
    that applies (``first_applicable``); it never nests them in if/elif.
    """

    key: str
    text: str  # the measures' words
    citation: Citation


def first_applicable(exceptions: Iterable[tuple[NamedException, bool]]) -> NamedException | None:
    """The first exception, in the article's order, whose condition holds; None when none does."""
    for exception, applies in exceptions:
        if applies:
            return exception
    return None


def require_money(**amounts: Any) -> None:
    """Money is Decimal yuan, never float (GLOSSARY); None stands for “not entered”."""
    for name, amount in amounts.items():
        if amount is not None and not isinstance(amount, Decimal):
            raise TypeError(f"{name} 必须是 Decimal（元），收到 {type(amount).__name__}")


def yuan(amount: Decimal) -> str:
    """20000000 → “20,000,000.00 元”."""
    return f"{amount:,.2f} 元"


# --- The facts' vocabulary (第八条) -----------------------------------------------------------

class ConstructionKind(StrEnum):
    NEW = "new"  # 新建
    UPGRADE = "upgrade"  # 升级改造（含改建、扩建）


CONSTRUCTION_KIND_LABELS = {ConstructionKind.NEW: "新建", ConstructionKind.UPGRADE: "升级改造"}


class CommonSystemKind(StrEnum):
    """第八条第四项 的共性系统及模块."""

    DIGITAL_CERTIFICATE = "digital_certificate"
    E_LICENSE = "e_license"
    E_SEAL = "e_seal"
    PUBLIC_PAYMENT = "public_payment"
    LOGISTICS = "logistics"
    NOTIFICATION = "notification"
    CONSULTATION_COMPLAINT = "consultation_complaint"
    OTHER_COMMON_SYSTEM = "other_common_system"
    GOVERNMENT_WEBSITE_PLATFORM = "government_website_platform"
    STANDALONE_MOBILE_APP = "standalone_mobile_app"
    BIG_DATA_PLATFORM = "big_data_platform"
    LAW_ENFORCEMENT_INSPECTION = "law_enforcement_inspection"


COMMON_SYSTEM_LABELS = {
    CommonSystemKind.DIGITAL_CERTIFICATE: "数字证书",
    CommonSystemKind.E_LICENSE: "电子证照",
    CommonSystemKind.E_SEAL: "电子签章",
    CommonSystemKind.PUBLIC_PAYMENT: "公共支付",
    CommonSystemKind.LOGISTICS: "物流配套",
    CommonSystemKind.NOTIFICATION: "通知消息",
    CommonSystemKind.CONSULTATION_COMPLAINT: "咨询投诉",
    CommonSystemKind.OTHER_COMMON_SYSTEM: "其他共性系统",
    CommonSystemKind.GOVERNMENT_WEBSITE_PLATFORM: "政府网站支撑平台",
    CommonSystemKind.STANDALONE_MOBILE_APP: "独立封装的移动客户端",
    CommonSystemKind.BIG_DATA_PLATFORM: "大数据处理分析平台",
    CommonSystemKind.LAW_ENFORCEMENT_INSPECTION: "执法检查类系统",
}


class ProjectCategory(StrEnum):
    """第八条第五项 的项目类别; a project may belong to several."""

    GOVERNMENT_SERVICE = "government_service"
    PUBLIC_SERVICE = "public_service"
    OFFICE = "office"
    DECISION_SUPPORT = "decision_support"


PROJECT_CATEGORY_LABELS = {
    ProjectCategory.GOVERNMENT_SERVICE: "政务服务类",
    ProjectCategory.PUBLIC_SERVICE: "公共服务类",
    ProjectCategory.OFFICE: "办公类",
    ProjectCategory.DECISION_SUPPORT: "决策辅助类",
}

SERVICE_CATEGORIES = frozenset({ProjectCategory.GOVERNMENT_SERVICE, ProjectCategory.PUBLIC_SERVICE})
OFFICE_CATEGORIES = frozenset({ProjectCategory.OFFICE, ProjectCategory.DECISION_SUPPORT})


# --- 第八条 -----------------------------------------------------------------------------------

LEGAL_BASIS_EXCEPTION = NamedException("legal_basis", "法律法规有明确规定的除外", Citation(8))


@dataclass(frozen=True)
class _Article8Item:
    item: int
    category: str  # the category in the measures' words, for PASS messages and evidence
    fix: str  # what the unit must change


def _article8_finding(rule: str, spec: _Article8Item, violations: list[str], facts: DeclarationFacts,
                      evidence: dict[str, Any]) -> Finding:
    """One 第八条 item: PASS with no violation; else the named exception, else BLOCK."""
    citation = Citation(8, item=spec.item)
    basis = (facts.legal_basis.get(spec.item) or "").strip()
    evidence = {**evidence, "不予立项情形": spec.category, "发现的情形": violations, "法律法规依据": basis}
    if not violations:
        return Finding(rule, Outcome.PASS, f"未发现{spec.category}的情形。", citation, evidence)
    found = "；".join(violations)
    exception = first_applicable([(LEGAL_BASIS_EXCEPTION, bool(basis))])
    if exception is LEGAL_BASIS_EXCEPTION:
        evidence["适用例外"] = exception.text
        return Finding(rule, Outcome.NEEDS_JUSTIFICATION,
                       f"项目{found}，原则上不予立项；单位已附法律法规依据，须经省发展改革委审核认可后方可立项。",
                       citation, evidence)
    return Finding(rule, Outcome.BLOCK,
                   f"原则上不予立项：项目{found}。{spec.fix}如法律法规对此有明确规定，请在本项的“法律法规依据”中写明具体条文。",
                   citation, evidence)


_ITEM_1 = _Article8Item(1, "新建或扩建非涉密机房、数据中心、私有云平台，新增非涉密服务器、存储设备、服务端网络设备等硬件设施采购",
                        "请删除上述建设和采购内容，改为使用省级政务云等共建共享的基础设施。")
_ITEM_2 = _Article8Item(2, "互联网出口线路租赁、未整合到电子政务内网或外网的专网租赁、未纳入电子政务外网统一监管的终端安全防护",
                        "请删除上述内容，改为使用电子政务内网或外网，终端安全防护纳入电子政务外网统一监管。")
_ITEM_3 = _Article8Item(3, "非涉密新建项目未部署到省级政务云、非涉密升级改造项目未迁移到省级政务云",
                        "请将项目部署到省级政务云（升级改造项目须迁移到省级政务云），并在政务云需求方案中写明所需资源。")
_ITEM_4 = _Article8Item(4, "新建或扩建共性系统、政府网站支撑平台、独立封装的移动客户端、大数据处理分析平台、执法检查类系统及相关模块",
                        "请删除这些建设内容，改为使用省级统建的共性支撑平台和通用系统。")
_ITEM_5 = _Article8Item(5, "政务服务、公共服务类项目未接入数据共享交换平台、一体化政务服务平台，非涉密办公类、决策辅助类项目未接入统一协同办公平台",
                        "请完成上述平台的接入，并在应用系统实施方案中写明接入方式。")
_ITEM_6 = _Article8Item(6, "需求或绩效目标不明确、内部系统整合不到位、数据目录普查不到位、数据共享要求落实不到位、信息安全保障不到位",
                        "请完成上述工作并在申报材料中写明后再申报。")
_ITEM_7 = _Article8Item(7, "非共建共享共用的信息基础设施、应用支撑平台、数据资源",
                        "请改为依托共建共享共用的信息基础设施、应用支撑平台和数据资源建设，或将这些内容纳入共建共享。")
_ITEM_8 = _Article8Item(8, "原项目尚未验收的升级改造",
                        "请在原项目验收合格后再申报升级改造项目。")


def non_classified_infrastructure(facts: DeclarationFacts) -> Finding:
    """第八条第一项：“新建或扩建非涉密机房、数据中心、私有云平台，新增非涉密服务器、存储设备、
    服务端网络设备等硬件设施采购的项目”原则上不予立项（法律法规有明确规定的除外）。"""
    checks = [
        (facts.builds_non_classified_machine_room, "新建或扩建非涉密机房、数据中心或私有云平台"),
        (facts.buys_non_classified_server_hardware, "新增采购非涉密服务器、存储设备或服务端网络设备"),
    ]
    evidence = {"新建或扩建非涉密机房、数据中心、私有云平台": facts.builds_non_classified_machine_room,
                "新增非涉密服务器、存储设备、服务端网络设备": facts.buys_non_classified_server_hardware}
    return _article8_finding("non_classified_infrastructure", _ITEM_1, [text for hit, text in checks if hit],
                             facts, evidence)


def network_leases(facts: DeclarationFacts) -> Finding:
    """第八条第二项：“互联网出口的线路租赁项目和未整合到电子政务内网或外网的专网租赁项目，
    未纳入电子政务外网统一监管的终端安全防护项目”原则上不予立项（法律法规有明确规定的除外）。"""
    checks = [
        (facts.leases_internet_line, "租赁互联网出口线路"),
        (facts.leases_private_network_outside_egov, "租赁未整合到电子政务内网或外网的专网"),
        (facts.terminal_security_outside_egov_supervision, "建设未纳入电子政务外网统一监管的终端安全防护"),
    ]
    evidence = {"互联网出口线路租赁": facts.leases_internet_line,
                "未整合到电子政务内网或外网的专网租赁": facts.leases_private_network_outside_egov,
                "未纳入电子政务外网统一监管的终端安全防护": facts.terminal_security_outside_egov_supervision}
    return _article8_finding("network_leases", _ITEM_2, [text for hit, text in checks if hit], facts, evidence)


def provincial_cloud_deployment(facts: DeclarationFacts) -> Finding:
    """第八条第三项：“未部署到省级政务云的非涉密新建项目，未迁移到省级政务云的非涉密升级改造项目”
    原则上不予立项（法律法规有明确规定的除外）。"""
    violations = []
    if not facts.is_classified and not facts.deployed_on_provincial_cloud:
        violations.append("属于非涉密新建项目，但未部署到省级政务云" if facts.construction_kind == ConstructionKind.NEW
                          else "属于非涉密升级改造项目，但未迁移到省级政务云")
    evidence = {"涉密": facts.is_classified, "建设性质": CONSTRUCTION_KIND_LABELS[facts.construction_kind],
                "部署（迁移）到省级政务云": facts.deployed_on_provincial_cloud}
    return _article8_finding("provincial_cloud_deployment", _ITEM_3, violations, facts, evidence)


def common_systems(facts: DeclarationFacts) -> Finding:
    """第八条第四项：“新建或扩建数字证书、电子证照、电子签章、公共支付、物流配套、通知消息、咨询投诉等
    共性系统，政府网站支撑平台、独立封装的移动客户端、大数据处理分析平台、执法检查类系统及相关模块的项目”
    原则上不予立项（法律法规有明确规定的除外）。"""
    kinds = [COMMON_SYSTEM_LABELS[k] for k in CommonSystemKind if k in facts.builds_common_system_kinds]
    violations = [f"新建或扩建{'、'.join(kinds)}"] if kinds else []
    return _article8_finding("common_systems", _ITEM_4, violations, facts, {"拟建共性系统或模块": kinds})


def platform_connections(facts: DeclarationFacts) -> Finding:
    """第八条第五项：“未接入数据共享交换平台、一体化政务服务平台的政务服务、公共服务类项目，
    未接入统一协同办公平台的非涉密办公类、决策辅助类项目”原则上不予立项（法律法规有明确规定的除外）。"""
    is_service = bool(facts.categories & SERVICE_CATEGORIES)
    is_office = not facts.is_classified and bool(facts.categories & OFFICE_CATEGORIES)
    checks = [
        (is_service and not facts.connected_to_sharing_platform, "属于政务服务、公共服务类项目但未接入数据共享交换平台"),
        (is_service and not facts.connected_to_service_platform, "属于政务服务、公共服务类项目但未接入一体化政务服务平台"),
        (is_office and not facts.connected_to_unified_office_platform, "属于非涉密办公类、决策辅助类项目但未接入统一协同办公平台"),
    ]
    evidence = {"项目类别": [PROJECT_CATEGORY_LABELS[c] for c in ProjectCategory if c in facts.categories],
                "涉密": facts.is_classified,
                "接入数据共享交换平台": facts.connected_to_sharing_platform,
                "接入一体化政务服务平台": facts.connected_to_service_platform,
                "接入统一协同办公平台": facts.connected_to_unified_office_platform}
    return _article8_finding("platform_connections", _ITEM_5, [text for hit, text in checks if hit], facts, evidence)


def preparation_complete(facts: DeclarationFacts) -> Finding:
    """第八条第六项：“需求或绩效目标不明确、内部系统整合不到位、数据目录普查不到位、数据共享要求落实不到位、
    信息安全保障不到位的项目”原则上不予立项（法律法规有明确规定的除外）。"""
    checks = [
        (facts.needs_clear, "需求不明确"),
        (facts.performance_goals_clear, "绩效目标不明确"),
        (facts.integration_done, "内部系统整合不到位"),
        (facts.catalogue_census_done, "数据目录普查不到位"),
        (facts.sharing_done, "数据共享要求落实不到位"),
        (facts.security_done, "信息安全保障不到位"),
    ]
    evidence = {"需求明确": facts.needs_clear, "绩效目标明确": facts.performance_goals_clear,
                "内部系统整合到位": facts.integration_done, "数据目录普查到位": facts.catalogue_census_done,
                "数据共享要求落实到位": facts.sharing_done, "信息安全保障到位": facts.security_done}
    return _article8_finding("preparation_complete", _ITEM_6, [text for done, text in checks if not done],
                             facts, evidence)


def shared_infrastructure(facts: DeclarationFacts) -> Finding:
    """第八条第七项：“非共建共享共用的信息基础设施、应用支撑平台、数据资源等项目”原则上不予立项
    （法律法规有明确规定的除外）。"""
    violations = (["建设非共建共享共用的信息基础设施、应用支撑平台或数据资源"]
                  if facts.builds_non_shared_infrastructure else [])
    return _article8_finding("shared_infrastructure", _ITEM_7, violations, facts,
                             {"非共建共享共用的基础设施、平台或数据资源": facts.builds_non_shared_infrastructure})


def upgrade_of_accepted_project(facts: DeclarationFacts) -> Finding:
    """第八条第八项：“原项目尚未验收的升级改造类项目”原则上不予立项（法律法规有明确规定的除外）。"""
    is_upgrade = facts.construction_kind == ConstructionKind.UPGRADE
    violations = (["属于升级改造，但原项目尚未验收"]
                  if is_upgrade and facts.upgrades_project_accepted is not True else [])
    evidence = {"建设性质": CONSTRUCTION_KIND_LABELS[facts.construction_kind],
                "原项目已验收": facts.upgrades_project_accepted}
    return _article8_finding("upgrade_of_accepted_project", _ITEM_8, violations, facts, evidence)


# The eight items of 第八条, in the order of the measures.
ARTICLE_8_RULES: tuple[Callable[[DeclarationFacts], Finding], ...] = (
    non_classified_infrastructure,
    network_leases,
    provincial_cloud_deployment,
    common_systems,
    platform_connections,
    preparation_complete,
    shared_infrastructure,
    upgrade_of_accepted_project,
)


def article8_findings(facts: DeclarationFacts) -> list[Finding]:
    return [rule(facts) for rule in ARTICLE_8_RULES]


# --- 第九条 -----------------------------------------------------------------------------------

class FundingPurpose(StrEnum):
    SELF_BUILT = "self_built"
    PURCHASED_SERVICE = "purchased_service"
    OPERATION_MAINTENANCE = "operation_maintenance"


FUNDING_PURPOSE_LABELS = {
    FundingPurpose.SELF_BUILT: "自行建设",
    FundingPurpose.PURCHASED_SERVICE: "购买服务",
    FundingPurpose.OPERATION_MAINTENANCE: "运维",
}


def catalogue_coverage(facts: DeclarationFacts) -> Finding:
    """第九条：“项目单位应加强已有信息系统整合，完善本部门（单位）政务信息系统目录并及时更新。
    未纳入系统目录管理的项目，不安排自行建设、购买服务和运维经费。”

    Every catalogue entry the project names must be in the unit's catalogue, and a
    project that names none asks for money outside the catalogue.
    """
    named = list(dict.fromkeys(facts.named_system_ids))
    missing = [system for system in named if system not in facts.catalogue_system_ids]
    evidence = {"项目关联的信息系统": named, "不在目录中的信息系统": missing,
                "本单位目录条目数": len(facts.catalogue_system_ids)}
    if not named:
        return Finding("catalogue_coverage", Outcome.BLOCK,
                       "项目未关联本单位政务信息系统目录中的任何信息系统，未纳入系统目录管理的项目不安排自行建设、"
                       "购买服务和运维经费。请先在系统目录中登记项目建设、升级或整合的信息系统（新建系统登记为“规划中”），"
                       "再在项目中选择这些系统。",
                       Citation(9), evidence)
    if missing:
        return Finding("catalogue_coverage", Outcome.BLOCK,
                       f"项目关联的信息系统不在本单位政务信息系统目录中：{'、'.join(missing)}。"
                       "请先在系统目录中登记这些信息系统，或从项目中移除。",
                       Citation(9), evidence)
    return Finding("catalogue_coverage", Outcome.PASS,
                   f"项目关联的 {len(named)} 个信息系统均已纳入本单位政务信息系统目录。", Citation(9), evidence)


def catalogue_funding_eligibility(system_in_catalogue: bool, purpose: FundingPurpose) -> Finding:
    """第九条：“未纳入系统目录管理的项目，不安排自行建设、购买服务和运维经费。”

    For every screen where construction, service or O&M money is asked for a system.
    """
    label = FUNDING_PURPOSE_LABELS[FundingPurpose(purpose)]
    evidence = {"已纳入系统目录": system_in_catalogue, "经费用途": label}
    if system_in_catalogue:
        return Finding("catalogue_funding_eligibility", Outcome.PASS,
                       f"该信息系统已纳入系统目录管理，可以安排{label}经费。", Citation(9), evidence)
    return Finding("catalogue_funding_eligibility", Outcome.BLOCK,
                   f"该信息系统未纳入系统目录管理，不安排{label}经费。请先在本单位政务信息系统目录中登记该系统。",
                   Citation(9), evidence)


# 全国投资项目在线审批监管平台的项目代码：年份-行政区划代码-行业代码-项目类型代码-流水号.
INVESTMENT_CODE_SEGMENTS: tuple[tuple[str, int], ...] = (
    ("年份", 4), ("行政区划代码", 6), ("行业代码", 2), ("项目类型代码", 2), ("流水号", 6),
)
INVESTMENT_CODE_EXAMPLE = "2021-510000-65-01-000001"
_CODE_FORMAT = "年份4位-行政区划代码6位-行业代码2位-项目类型代码2位-流水号6位"


def _investment_code_problem(code: str) -> str:
    """Why ``code`` is malformed, in Chinese; empty when it is well formed."""
    segments = code.split("-")
    if len(segments) != len(INVESTMENT_CODE_SEGMENTS):
        return f"应由 {len(INVESTMENT_CODE_SEGMENTS)} 段组成、以半角“-”分隔，实际为 {len(segments)} 段"
    for segment, (name, length) in zip(segments, INVESTMENT_CODE_SEGMENTS, strict=True):
        if len(segment) != length or not (segment.isascii() and segment.isdigit()):
            return f"{name}应为 {length} 位半角数字，实际为“{segment}”"
    return ""


def investment_code_valid(code: str, *, required: bool = False) -> Finding:
    """第九条：“新增项目应按规定在四川省投资项目在线审批监管平台报批。”

    The platform records the 项目代码 that the online approval platform gives the
    project (YYYY-AAAAAA-II-TT-NNNNNN). Before approval it may still be blank;
    ``required`` says it may not (e.g. at approval).
    """
    code = (code or "").strip()
    evidence = {"项目代码": code, "格式": _CODE_FORMAT, "必须填写": required}
    if not code:
        if required:
            return Finding("investment_code_valid", Outcome.BLOCK,
                           f"缺少项目代码：请填写四川省投资项目在线审批监管平台赋予的项目代码（格式为{_CODE_FORMAT}，"
                           f"例如 {INVESTMENT_CODE_EXAMPLE}）。", Citation(9), evidence)
        return Finding("investment_code_valid", Outcome.PASS,
                       "尚未填写项目代码：在四川省投资项目在线审批监管平台报批取得项目代码后填写。", Citation(9), evidence)
    problem = _investment_code_problem(code)
    if problem:
        return Finding("investment_code_valid", Outcome.BLOCK,
                       f"项目代码“{code}”格式不正确：{problem}。正确格式为{_CODE_FORMAT}，例如 {INVESTMENT_CODE_EXAMPLE}，"
                       "请核对后重新填写。", Citation(9), evidence)
    return Finding("investment_code_valid", Outcome.PASS, "项目代码格式正确。", Citation(9), evidence)


# --- 第十条 -----------------------------------------------------------------------------------

def province_city_linkage(facts: DeclarationFacts) -> Finding:
    """第十条：“省级部门（单位）需市（州）共享协同的政务信息化项目，应当按照统筹规划、分级审批、分级建设、
    共享协同的原则建设……市（州）项目单位……做好与省级项目单位的衔接配合。”"""
    linked = list(facts.linked_city_projects)
    evidence = {"需市（州）共享协同": facts.needs_city_collaboration, "关联的市（州）项目": linked}
    if not facts.needs_city_collaboration:
        return Finding("province_city_linkage", Outcome.PASS, "项目不需要市（州）共享协同。", Citation(10), evidence)
    if not linked:
        return Finding("province_city_linkage", Outcome.WARN,
                       "项目需要市（州）共享协同，但尚未关联任何市（州）项目。请关联各市（州）的对应项目，"
                       "并在申报材料中明确信息共享、业务协同的总体要求和标准规范。", Citation(10), evidence)
    return Finding("province_city_linkage", Outcome.PASS,
                   f"已关联 {len(linked)} 个市（州）项目：{'、'.join(linked)}。", Citation(10), evidence)


# --- 第十二条 ---------------------------------------------------------------------------------

LEADING_GROUP_APPROVAL = NamedException(
    "leading_group_approval", "依据有关要求不能进行信息共享，但确有必要建设或保留的政务信息化项目，须报领导小组审核批准",
    Citation(12),
)


def data_aggregation(facts: DeclarationFacts) -> Finding:
    """第十二条：“项目单位未落实相关技术要求完成数据归集的，原则上不得申报新增项目。依据有关要求不能进行
    信息共享，但确有必要建设或保留的政务信息化项目，须报领导小组审核批准。”"""
    evidence = {"已完成数据归集": facts.data_aggregation_done,
                "领导小组已审核批准": facts.leading_group_exception_approved,
                "领导小组批准文件": facts.leading_group_approval_ref}
    if facts.data_aggregation_done:
        return Finding("data_aggregation", Outcome.PASS, "项目单位已按技术要求完成数据归集。", Citation(12), evidence)
    exception = first_applicable([(LEADING_GROUP_APPROVAL, facts.leading_group_exception_approved)])
    if exception is LEADING_GROUP_APPROVAL:
        evidence["适用例外"] = exception.text
        reference = f"（{facts.leading_group_approval_ref}）" if facts.leading_group_approval_ref else ""
        return Finding("data_aggregation", Outcome.PASS,
                       f"项目单位尚未完成数据归集，但项目已经领导小组审核批准{reference}，可以申报。",
                       exception.citation, evidence)
    return Finding("data_aggregation", Outcome.BLOCK,
                   "项目单位未按技术要求完成数据归集，原则上不得申报新增项目。请先完成数据归集；"
                   "确因不能进行信息共享而有必要建设的，须报领导小组审核批准后再申报。", Citation(12), evidence)


# --- 第十一条、第十三条、第三十三条: one information resource's sharing --------------------------------

class SharingKind(StrEnum):
    """共享类型 (第十一条); the values are ``oversight.models.SharingType``'s."""

    UNCONDITIONAL = "unconditional"  # 无条件共享
    CONDITIONAL = "conditional"  # 有条件共享
    NOT_SHARED = "not_shared"  # 不予共享


@dataclass(frozen=True)
class ResourceFacts:
    """One entry of a project's information resource catalogue (第二十条), as recorded by the unit."""

    name: str
    sharing: str  # a SharingKind value
    sharing_label: str  # the 共享类型 as shown
    on_exchange_platform: bool
    in_public_catalogue: bool
    specific_companies_only: bool
    state_secret: bool


def resource_sharing(facts: ResourceFacts) -> list[Finding]:
    """What the measures say about one catalogue entry; facts only, no threshold.

    - 第十一条: shared data may not be opened only to particular companies or social organisations (a block when
      the entry is meant for unconditional sharing, a warning to check otherwise); shared data goes through the
      provincial sharing exchange platform — unless it is a state secret, which 第十三条 leaves to the laws.
    - 第十三条: a state secret: a reminder of the laws, and who may see the entry.
    - 第三十三条: unconditionally shared public data belongs in the province's public data resource catalogue.
    """
    evidence = {"信息资源": facts.name, "共享类型": facts.sharing_label,
                "接入共享交换平台": facts.on_exchange_platform, "纳入公共数据资源目录": facts.in_public_catalogue,
                "仅向特定企业开放": facts.specific_companies_only, "涉及国家秘密": facts.state_secret}
    findings = []
    shared = facts.sharing != SharingKind.NOT_SHARED
    unconditional = facts.sharing == SharingKind.UNCONDITIONAL
    if facts.specific_companies_only and unconditional:
        findings.append(Finding("sharing_specific_companies", Outcome.BLOCK,
                                f"“{facts.name}”应普遍共享，却仅向特定企业、社会组织开放：不得如此（请整改）。",
                                Citation(11), evidence))
    elif facts.specific_companies_only:
        findings.append(Finding("sharing_specific_companies", Outcome.WARN,
                                f"“{facts.name}”仅向特定企业、社会组织开放：请确认不属于应普遍共享的数据。",
                                Citation(11), evidence))
    if shared and not facts.state_secret and not facts.on_exchange_platform:
        findings.append(Finding("sharing_exchange_platform", Outcome.WARN,
                                f"“{facts.name}”尚未接入省级政务信息资源共享交换平台。", Citation(11), evidence))
    if facts.state_secret:
        findings.append(Finding("sharing_state_secret", Outcome.WARN,
                                f"“{facts.name}”涉及国家秘密：提供和使用部门应当遵守有关法律法规规定，"
                                "仅项目单位、保密部门和审计人员可见。", Citation(13), evidence))
    elif not facts.in_public_catalogue and unconditional:
        findings.append(Finding("public_data_catalogue", Outcome.WARN,
                                f"“{facts.name}”尚未纳入全省公共数据资源目录。", Citation(33), evidence))
    if not findings:
        findings.append(Finding("sharing_resource", Outcome.PASS, f"“{facts.name}”的共享情况符合要求。",
                                Citation(11), evidence))
    return findings


# --- 第六条、第八条第四项、第二十一条: possible duplicate construction ----------------------------

class DuplicateSource(StrEnum):
    """What a project's text is compared with; the value is ``Candidate.group``."""

    CATALOGUE_SYSTEM = "catalogue_system"
    SHARED_PLATFORM = "shared_platform"
    DECLARATION = "declaration"


DUPLICATE_SOURCE_LABELS = {
    DuplicateSource.CATALOGUE_SYSTEM: "系统目录中的已有信息系统",
    DuplicateSource.SHARED_PLATFORM: "共建共享平台和统建通用系统",
    DuplicateSource.DECLARATION: "其他单位的申报项目",
}

# Each source has the article it risks: an isolated system beside an existing one (第六条), a
# common system rebuilt (第八条第四项), or another unit's project with overlapping content (第二十一条).
DUPLICATE_SOURCE_CITATIONS = {
    DuplicateSource.CATALOGUE_SYSTEM: Citation(6),
    DuplicateSource.SHARED_PLATFORM: Citation(8, item=4),
    DuplicateSource.DECLARATION: Citation(21),
}

DUPLICATE_SOURCE_FIXES = {
    DuplicateSource.CATALOGUE_SYSTEM: "请说明与这些系统的区别，或改为整合、升级已有系统。",
    DuplicateSource.SHARED_PLATFORM: "请说明与这些平台的区别，或改为使用共建共享平台和统建通用系统。",
    DuplicateSource.DECLARATION: "请与相关单位核实，重复的内容改为跨部门共建共享（第二十一条）或从本项目中删除。",
}


def duplicate_findings(matches: Sequence[Match], profile: Profile) -> list[Finding]:
    """第六条：“……原则上不再批准建设孤立信息系统。”

    One WARN per source whose closest matches reach ``duplicate.similarity_warn_threshold``
    (at most ``duplicate.max_matches`` each, best first); a PASS when none does.
    """
    threshold: Decimal = profile.value("duplicate.similarity_warn_threshold")
    limit: int = profile.value("duplicate.max_matches")
    parameters = profile.evidence("duplicate.similarity_warn_threshold", "duplicate.max_matches")
    findings = []
    for source in DuplicateSource:
        close = sorted((m for m in matches if m.candidate.group == source and m.score >= threshold),
                       key=lambda m: (-m.score, m.candidate.key))[:limit]
        if not close:
            continue
        listed = "；".join(
            f"“{m.candidate.title or m.candidate.key}”{'（' + m.candidate.owner + '）' if m.candidate.owner else ''}"
            f"相似度 {m.score}%" for m in close)
        findings.append(Finding(
            f"possible_duplicate_{source}", Outcome.WARN,
            f"拟建内容与{DUPLICATE_SOURCE_LABELS[source]}相似，可能重复建设：{listed}。{DUPLICATE_SOURCE_FIXES[source]}",
            DUPLICATE_SOURCE_CITATIONS[source],
            {"比较对象": DUPLICATE_SOURCE_LABELS[source], "相似条目": [m.as_evidence() for m in close],
             "相关条款": ["第六条", "第八条第四项", "第八条第七项", "第二十一条"], **parameters},
        ))
    if not findings:
        findings.append(Finding(
            "possible_duplicate", Outcome.PASS,
            f"未发现与系统目录、共建共享平台或其他单位申报项目相似度达到 {threshold}% 的内容。",
            Citation(6), {"比较条目数": len(matches), **parameters}))
    return findings


def possible_duplicate_construction(facts: DeclarationFacts, profile: Profile,
                                    index: SimilarityIndex | None = None) -> list[Finding]:
    """第六条、第八条第四项和第七项、第二十一条: compare the project's functions and contents with the
    catalogue's systems, the shared platforms and other units' declarations.

    The project itself and the catalogue systems it names (which it upgrades or
    integrates) are not compared with it.
    """
    if index is None:
        index = SimilarityIndex(facts.duplicate_candidates)
    limit: int = profile.value("duplicate.max_matches")
    exclude = {facts.project_number, *facts.named_system_ids}
    matches: list[Match] = []
    for source in DuplicateSource:
        matches.extend(index.top_matches(facts.similarity_text, limit, exclude=exclude, group=source))
    return duplicate_findings(matches, profile)
