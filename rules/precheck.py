"""The pre-check (体检) of a declaration: every pre-check rule of the measures, in their order.

A unit may run it at any moment; ``submission_allowed`` refuses a submission while
any finding blocks. The facts are what the unit declared (``DeclarationFacts``);
the rules live in the chapter modules, this module only composes them, plus the
sanctions from later chapters that stop a unit from declaring new projects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from .ch02_integration import (
    CommonSystemKind,
    ConstructionKind,
    ProjectCategory,
    article8_findings,
    catalogue_coverage,
    data_aggregation,
    investment_code_valid,
    possible_duplicate_construction,
    province_city_linkage,
    require_money,
)
from .ch03_approval import (
    DeliveryMode,
    DepartmentPart,
    cross_department_overlaps,
    cross_department_structure,
    information_resource_catalogue_present,
    materials_complete,
)
from .findings import Citation, Finding, Outcome
from .profile import Profile
from .similarity import Candidate, SimilarityIndex

# Articles whose sanctions stop a unit from having new projects approved.
SANCTION_ARTICLES = {
    32: "未进行验收或验收不合格的项目，不批准项目单位新增项目",
    33: "未按要求共享数据资源或重复采集数据的，不予审批次年度该项目单位其他新建、改建、扩建政务信息系统",
    51: "项目不符合密码应用和网络安全要求，或者存在重大安全隐患的，项目单位不得新建、改建、扩建政务信息系统",
}

SANCTION_FIXES = {
    32: "请先完成该项目验收并验收合格",
    33: "请先按要求共享数据资源、停止重复采集数据，并经有关部门确认",
    51: "请先完成密码应用和网络安全整改、消除重大安全隐患，并经有关部门确认",
}


@dataclass(frozen=True)
class Sanction:
    """An active sanction against the unit, recorded by the chapter that imposes it."""

    article: int  # 32, 33 or 51
    reason: str
    project_number: str  # the project that caused it

    def __post_init__(self) -> None:
        if self.article not in SANCTION_ARTICLES:
            where = Citation(self.article).label if 1 <= self.article <= 54 else f"第{self.article}条"
            raise ValueError(f"{where}不是限制新增项目的条款；只能是第三十二条、第三十三条或第五十一条")

    @classmethod
    def from_finding(cls, finding: Finding) -> Sanction:
        """From a BLOCK finding of ``rules.sanctions.unit_sanctions`` (evidence “项目” and “原因”)."""
        return cls(finding.citation.article, str(finding.evidence["原因"]), str(finding.evidence["项目"]))


@dataclass(frozen=True, kw_only=True)
class DeclarationFacts:
    """What a unit declared for one project, as the pre-check reads it.

    The 第八条 facts and the materials have no defaults: whoever builds the facts
    must state each of them, so a forgotten field fails loudly instead of passing.
    """

    project_number: str  # the platform's own number
    investment_code: str = ""  # 项目代码 of the online investment-approval platform, once it has one

    # 第十六条第一项 基本情况
    name: str
    unit: str
    main_tasks: str
    basis_and_necessity: str
    performance_goals: str
    delivery_mode: DeliveryMode | None
    delivery_mode_reason: str
    proposed_functions: str = ""  # 拟建功能和内容, compared for duplicate construction
    # 第十六条第二项 技术方案 (True when provided)
    has_application_plan: bool
    has_information_resource_catalogue: bool
    has_government_cloud_plan: bool
    has_mlps_plan: bool
    has_classified_protection_plan: bool
    has_cryptography_plan: bool
    # 第十六条第三项 资金来源 (None: not entered)
    total_investment: Decimal | None
    om_funding: Decimal | None
    funding_channels: tuple[str, ...]

    # 第八条
    is_classified: bool
    construction_kind: ConstructionKind
    builds_non_classified_machine_room: bool  # (一) 新建或扩建非涉密机房、数据中心、私有云平台
    buys_non_classified_server_hardware: bool  # (一) 新增非涉密服务器、存储设备、服务端网络设备
    leases_internet_line: bool  # (二)
    leases_private_network_outside_egov: bool  # (二)
    terminal_security_outside_egov_supervision: bool  # (二)
    deployed_on_provincial_cloud: bool  # (三) 新建：部署；升级改造：迁移
    builds_common_system_kinds: frozenset[str]  # (四) CommonSystemKind values
    categories: frozenset[str]  # (五) ProjectCategory values
    connected_to_sharing_platform: bool  # (五) 数据共享交换平台
    connected_to_service_platform: bool  # (五) 一体化政务服务平台
    connected_to_unified_office_platform: bool  # (五) 统一协同办公平台
    needs_clear: bool  # (六)
    performance_goals_clear: bool
    integration_done: bool
    catalogue_census_done: bool
    sharing_done: bool
    security_done: bool
    builds_non_shared_infrastructure: bool  # (七)
    upgrades_project_accepted: bool | None = None  # (八) for upgrades: is the original project accepted
    legal_basis: Mapping[int, str] = field(default_factory=dict)  # 第八条 item → 法律法规依据

    # 第九条
    catalogue_system_ids: frozenset[str]  # the unit's catalogue
    named_system_ids: tuple[str, ...]  # the entries the project builds, upgrades or integrates
    # 第十条
    needs_city_collaboration: bool = False
    linked_city_projects: tuple[str, ...] = ()
    # 第十二条
    data_aggregation_done: bool
    leading_group_exception_approved: bool = False
    leading_group_approval_ref: str = ""
    # 第二十一条
    cross_department_parts: tuple[DepartmentPart, ...] = ()
    # 第六条 etc.: what the project is compared with
    duplicate_candidates: tuple[Candidate, ...] = ()
    # 第三十二条、第三十三条、第五十一条
    sanctions: tuple[Sanction, ...] = ()

    def __post_init__(self) -> None:
        require_money(total_investment=self.total_investment, om_funding=self.om_funding)
        for values, known, what in ((self.builds_common_system_kinds, CommonSystemKind, "共性系统类别"),
                                    (self.categories, ProjectCategory, "项目类别")):
            unknown_values = sorted(set(values) - {str(k) for k in known})
            if unknown_values:
                raise ValueError(f"未知的{what}：{'、'.join(unknown_values)}")
        unknown = sorted(set(self.legal_basis) - set(range(1, 9)))
        if unknown:
            raise ValueError(f"法律法规依据只能对应第八条第一项至第八项，收到：{unknown}")
        object.__setattr__(self, "legal_basis", MappingProxyType(dict(self.legal_basis)))

    @property
    def similarity_text(self) -> str:
        """The text compared for duplicate construction: name, main tasks and proposed functions."""
        return "\n".join(part for part in (self.name, self.main_tasks, self.proposed_functions) if part)


def sanctions_block_new_projects(facts: DeclarationFacts) -> list[Finding]:
    """第三十二条：“未进行验收或验收不合格的项目……不批准项目单位新增项目。”
    第三十三条：“未按要求共享数据资源或重复采集数据的，省发展改革委不予审批次年度该项目单位其他新建、改建、扩建
    政务信息系统……”
    第五十一条：“项目不符合密码应用和网络安全要求，或者存在重大安全隐患的……项目单位不得新建、改建、扩建政务信息系统。”

    One BLOCK per active sanction, citing the article that imposes it.
    """
    findings = [
        Finding(f"sanction_article_{s.article}", Outcome.BLOCK,
                f"项目单位受到限制，不能申报新增项目：项目 {s.project_number} {s.reason}"
                f"（{SANCTION_ARTICLES[s.article]}）。{SANCTION_FIXES[s.article]}。",
                Citation(s.article), {"项目编号": s.project_number, "原因": s.reason, "单位": facts.unit})
        for s in sorted(facts.sanctions, key=lambda s: (s.article, s.project_number))
    ]
    return findings or [Finding("sanctions", Outcome.PASS, "项目单位没有限制申报新增项目的情形。", Citation(32),
                                {"单位": facts.unit})]


def _order(finding: Finding) -> tuple[int, int, int]:
    c = finding.citation
    return (c.article, c.paragraph or 0, c.item or 0)


def run_precheck(facts: DeclarationFacts, profile: Profile, *,
                 duplicate_index: SimilarityIndex | None = None) -> list[Finding]:
    """Every pre-check finding for ``facts`` under ``profile``, ordered by article (then paragraph, item).

    ``duplicate_index`` may be a prebuilt index of the candidates (built once for many
    projects); without it the index is built from ``facts.duplicate_candidates``.
    """
    findings: list[Finding] = []
    findings += article8_findings(facts)  # 第八条
    findings.append(catalogue_coverage(facts))  # 第九条
    findings.append(investment_code_valid(facts.investment_code))  # 第九条
    findings.append(province_city_linkage(facts))  # 第十条
    findings.append(data_aggregation(facts))  # 第十二条
    findings += materials_complete(facts)  # 第十六条
    findings.append(information_resource_catalogue_present(facts))  # 第二十条
    if facts.cross_department_parts:  # 第二十一条
        findings += cross_department_structure(facts.cross_department_parts)
        findings += cross_department_overlaps(facts.cross_department_parts, profile)
    findings += sanctions_block_new_projects(facts)  # 第三十二条、第三十三条、第五十一条
    findings += possible_duplicate_construction(facts, profile, duplicate_index)  # 第六条、第八条第四项、第二十一条
    return sorted(findings, key=_order)


def submission_allowed(findings: Iterable[Finding]) -> bool:
    """A submission is refused while any finding blocks (WARN and NEEDS_JUSTIFICATION do not)."""
    return not any(f.blocks for f in findings)
