"""rules/sanctions.py: what bars a unit's new projects (第三十二条、第三十三条、第五十一条)."""

from dataclasses import replace
from datetime import date

from rules.ch04_construction import (
    AcceptanceRecord,
    AcceptanceResult,
    AcceptanceSchedule,
    SharingViolation,
    acceptance_due_date,
)
from rules.ch08_security import AssessmentResult, SecurityFacts
from rules.findings import Outcome
from rules.precheck import Sanction
from rules.sanctions import UnitSanctionFacts, unit_sanctions
from rules.testing import province_profile

DUE = acceptance_due_date(AcceptanceSchedule(date(2025, 3, 31), 12), province_profile())  # 2026-06-30
OVERDUE = AcceptanceRecord("SC2025-001", DUE)
CLEAN = UnitSanctionFacts("省民政厅", 2027, date(2026, 7, 1))


def test_a_unit_with_nothing_against_it_has_no_sanctions():
    assert unit_sanctions(CLEAN) == []
    accepted = replace(OVERDUE, applied_on=date(2026, 6, 1), result=AcceptanceResult.PASSED)
    assert unit_sanctions(replace(CLEAN, acceptances=(accepted,),
                                  security=(SecurityFacts("SC2025-002", classified=False),))) == []


def test_overdue_acceptance_blocks_the_unit_and_acceptance_unblocks_it():
    on_due = unit_sanctions(replace(CLEAN, today=DUE, acceptances=(OVERDUE,)))
    assert on_due == []
    [finding] = unit_sanctions(replace(CLEAN, acceptances=(OVERDUE,)))
    assert (finding.outcome, finding.citation.label) == (Outcome.BLOCK, "第三十二条")
    assert finding.message == ("项目“SC2025-001”逾期未申请验收（验收期限 2026-06-30）：不批准项目单位新增项目；"
                               "完成验收并合格后解除。")
    accepted = replace(OVERDUE, applied_on=date(2026, 8, 1), result=AcceptanceResult.PASSED)
    assert unit_sanctions(replace(CLEAN, today=date(2026, 9, 1), acceptances=(accepted,))) == []


def test_sharing_violation_blocks_only_the_next_year():
    violation = SharingViolation("SC2024-009", 2026, failed_to_share=True)
    [finding] = unit_sanctions(replace(CLEAN, sharing_violations=(violation,)))
    assert (finding.citation.label, finding.rule) == ("第三十三条", "sharing_no_new_systems")
    assert "2027 年度不予审批该项目单位其他新建、改建、扩建政务信息系统" in finding.message
    assert unit_sanctions(replace(CLEAN, year=2028, sharing_violations=(violation,))) == []


def test_all_three_in_article_order_and_mappable_to_precheck_sanctions():
    facts = replace(CLEAN,
                    security=(SecurityFacts("SC2023-004", classified=False, major_hidden_danger=True,
                                            cryptography_assessment=AssessmentResult.FAILED),),
                    sharing_violations=(SharingViolation("SC2024-009", 2026, duplicate_collection=True),),
                    acceptances=(OVERDUE, replace(OVERDUE, project="SC2025-005", result=AcceptanceResult.FAILED)))
    findings = unit_sanctions(facts)
    assert [f.citation.label for f in findings] == ["第三十二条", "第三十二条", "第三十三条", "第五十一条"]
    assert all(f.outcome == Outcome.BLOCK for f in findings)
    sanctions = [Sanction(f.citation.article, f.evidence["原因"], f.evidence["项目"]) for f in findings]
    assert [(s.article, s.project_number, s.reason) for s in sanctions] == [
        (32, "SC2025-001", "逾期未申请验收（验收期限 2026-06-30）"),
        (32, "SC2025-005", "验收不合格"),
        (33, "SC2024-009", "2026 年重复采集数据"),
        (51, "SC2023-004", "密码应用安全性评估未通过、存在重大安全隐患"),
    ]
