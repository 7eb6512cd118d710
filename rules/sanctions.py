"""Sanctions that bar a unit's new projects in a year, derived from the facts (never stored as flags).

- 第三十二条：未进行验收或验收不合格的项目 …… “不批准项目单位新增项目” (while overdue or failed);
- 第三十三条：未按要求共享数据资源或重复采集数据的 …… “不予审批次年度该项目单位其他新建、改建、扩建政务信息系统”;
- 第五十一条：不符合密码应用和网络安全要求，或者存在重大安全隐患的 …… “项目单位不得新建、改建、扩建政务信息系统”.

Used by the declaration pre-check and the funding screens. (第十二条's bar on units that did not
complete data aggregation belongs to chapter 2's rules.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .ch04_construction import (
    ACCEPTANCE_NO_NEW_PROJECTS,
    SHARING_NO_NEW_SYSTEMS,
    AcceptanceRecord,
    SharingViolation,
    acceptance_sanctions,
    sharing_sanctions,
)
from .ch08_security import SECURITY_NO_NEW_SYSTEMS, SecurityFacts, security_sanctions
from .findings import Finding


@dataclass(frozen=True)
class UnitSanctionFacts:
    """Everything about one unit's projects that can bar its new projects.

    ``year`` is the year in which the new project would be approved (第三十三条 “次年度”); ``today`` is
    the day of the check (第三十二条 and 第五十一条 last while their facts stand). Each
    ``AcceptanceRecord.due_on`` comes from ``ch04_construction.acceptance_due_date`` under the
    unit's profile.
    """

    unit: str
    year: int
    today: date
    acceptances: tuple[AcceptanceRecord, ...] = ()
    sharing_violations: tuple[SharingViolation, ...] = ()
    security: tuple[SecurityFacts, ...] = ()


def unit_sanctions(facts: UnitSanctionFacts) -> list[Finding]:
    """The BLOCK findings barring the unit's new projects, in the order of the articles (32, 33, 51);
    an empty list when nothing bars them. Each finding's evidence has "项目" and "原因", so it maps
    one to one onto ``rules.precheck.Sanction(finding.citation.article, 原因, 项目)``."""
    findings: list[Finding] = []
    for record in facts.acceptances:
        findings.extend(f for f in acceptance_sanctions(record, facts.today) if f.rule == ACCEPTANCE_NO_NEW_PROJECTS)
    for violation in facts.sharing_violations:
        findings.extend(f for f in sharing_sanctions(violation, facts.year) if f.rule == SHARING_NO_NEW_SYSTEMS)
    for security in facts.security:
        findings.extend(f for f in security_sanctions(security) if f.rule == SECURITY_NO_NEW_SYSTEMS)
    return findings
