import ast
from datetime import date
from pathlib import Path

import pytest

from rules.ch04_construction import TrialRunFacts, trial_run_complete
from rules.findings import Citation, Outcome
from rules.testing import city_profile, province_profile

RULES = Path(__file__).resolve().parent.parent / "rules"


def test_rules_layer_imports_no_django():
    for path in RULES.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("django"), f"{path.name} imports {name}"


def test_a_citation_to_an_article_that_does_not_exist_is_an_error():
    with pytest.raises(ValueError, match="没有第55条"):
        Citation(55)
    assert Citation(18, item=3, paragraph=2).label == "第十八条第二款第三项"
    assert Citation(29, item=1).label == "第二十九条第一项"


def test_finding_carries_article_message_and_evidence_with_the_parameter_used():
    finding = trial_run_complete(TrialRunFacts(started_on=date(2025, 11, 30), today=date(2026, 2, 28)),
                                 province_profile())
    assert finding.outcome == Outcome.BLOCK
    assert finding.citation.label == "第三十一条第一款"
    assert finding.message == "不能申请验收：试运行未满 3 个月，2026-02-28 期满，2026-03-01 起可以申请。"
    assert finding.evidence["trial_run.months"]["value"] == 3
    assert finding.evidence["trial_run.months"]["profile"] == "sichuan-province-2021"
    as_json = finding.as_dict()
    assert as_json["citation"] == {"article": 31, "paragraph": 1, "item": None}
    assert as_json["evidence"]["试运行开始日期"] == "2025-11-30"


def test_the_rule_reads_its_period_from_the_profile():
    facts = TrialRunFacts(started_on=date(2025, 11, 30), today=date(2026, 3, 1))
    assert trial_run_complete(facts, province_profile()).outcome == Outcome.PASS
    assert trial_run_complete(facts, city_profile({"trial_run.months": 6})).outcome == Outcome.BLOCK
