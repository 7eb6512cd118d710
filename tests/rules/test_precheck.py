"""The pre-check (体检) of a declaration (rules/precheck.py)."""

import ast
import json
from dataclasses import FrozenInstanceError
from decimal import Decimal
from pathlib import Path

import pytest

from rules.ch02_integration import DuplicateSource
from rules.ch03_approval import DepartmentPart
from rules.findings import Citation, Finding, Outcome
from rules.precheck import Sanction, run_precheck, sanctions_block_new_projects, submission_allowed
from rules.similarity import Candidate, SimilarityIndex
from rules.testing import province_profile
from tests.rules.test_ch02_integration import declaration

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


def _order(finding):
    c = finding.citation
    return (c.article, c.paragraph or 0, c.item or 0)


def test_a_compliant_declaration_may_be_submitted():
    findings = run_precheck(declaration(), province_profile())
    assert submission_allowed(findings)
    assert all(f.outcome == Outcome.PASS for f in findings)
    assert [f.citation.label for f in findings] == [
        "第六条",
        "第八条第一项", "第八条第二项", "第八条第三项", "第八条第四项",
        "第八条第五项", "第八条第六项", "第八条第七项", "第八条第八项",
        "第九条", "第九条", "第十条", "第十二条", "第十六条", "第二十条", "第三十二条",
    ]


def test_a_declaration_with_blocking_findings_is_refused_with_each_finding_in_article_order():
    facts = declaration(buys_non_classified_server_hardware=True, named_system_ids=("SYS-404",),
                        data_aggregation_done=False, performance_goals="", investment_code="2025-51-65-01-000001",
                        sanctions=(Sanction(51, "存在重大安全隐患", "ZW-2023-0042"),))
    findings = run_precheck(facts, province_profile())
    assert not submission_allowed(findings)
    assert [f.citation.label for f in findings if f.blocks] == [
        "第八条第一项", "第九条", "第九条", "第十二条", "第十六条第一项", "第五十一条"]
    assert findings == sorted(findings, key=_order)


def test_needs_justification_and_warnings_do_not_refuse_a_submission():
    facts = declaration(leases_internet_line=True, legal_basis={2: "《某法》第三条"}, needs_city_collaboration=True)
    findings = run_precheck(facts, province_profile())
    outcomes = {f.citation.label: f.outcome for f in findings}
    assert outcomes["第八条第二项"] == Outcome.NEEDS_JUSTIFICATION
    assert outcomes["第十条"] == Outcome.WARN
    assert submission_allowed(findings)


@pytest.mark.parametrize("article, label, message", [
    (32, "第三十二条", "项目单位受到限制，不能申报新增项目：项目 ZW-2024-0007 验收不合格（未进行验收或验收不合格的项目，"
                       "不批准项目单位新增项目）。请先完成该项目验收并验收合格。"),
    (33, "第三十三条", "项目单位受到限制，不能申报新增项目：项目 ZW-2024-0007 未按要求共享数据资源（未按要求共享数据资源或"
                       "重复采集数据的，不予审批次年度该项目单位其他新建、改建、扩建政务信息系统）。"
                       "请先按要求共享数据资源、停止重复采集数据，并经有关部门确认。"),
    (51, "第五十一条", "项目单位受到限制，不能申报新增项目：项目 ZW-2024-0007 密码应用不合规（项目不符合密码应用和网络安全要求，"
                       "或者存在重大安全隐患的，项目单位不得新建、改建、扩建政务信息系统）。"
                       "请先完成密码应用和网络安全整改、消除重大安全隐患，并经有关部门确认。"),
])
def test_each_sanction_blocks_citing_its_article(article, label, message):
    reason = {32: "验收不合格", 33: "未按要求共享数据资源", 51: "密码应用不合规"}[article]
    findings = sanctions_block_new_projects(declaration(sanctions=(Sanction(article, reason, "ZW-2024-0007"),)))
    assert [(f.outcome, f.citation.label, f.message) for f in findings] == [(Outcome.BLOCK, label, message)]


def test_several_sanctions_give_one_finding_each():
    sanctions = (Sanction(51, "存在重大安全隐患", "B"), Sanction(32, "未验收", "A"), Sanction(33, "重复采集数据", "C"))
    findings = sanctions_block_new_projects(declaration(sanctions=sanctions))
    assert [f.citation.article for f in findings] == [32, 33, 51]


def test_a_sanction_must_come_from_a_sanctioning_article():
    with pytest.raises(ValueError, match="第四十七条不是限制新增项目的条款"):
        Sanction(47, "逾期不整改", "ZW-2024-0007")


def test_a_sanction_is_read_from_a_sanction_finding():
    finding = Finding("acceptance_no_new_projects", Outcome.BLOCK, "……", Citation(32),
                      {"项目": "ZW-2024-0007", "原因": "验收不合格"})
    assert Sanction.from_finding(finding) == Sanction(32, "验收不合格", "ZW-2024-0007")


def test_cross_department_parts_are_checked_only_when_declared():
    parts = (DepartmentPart(department="公安厅", is_lead=True, scope="人口基础信息库建设", business_flows="户籍业务",
                            data_flows="人口数据", interfaces="人口核验接口"),
             DepartmentPart(department="民政厅", is_lead=False, scope="人口基础信息库建设", business_flows="婚姻登记",
                            data_flows="婚姻数据", interfaces="婚姻核验接口"))
    findings = run_precheck(declaration(cross_department_parts=parts), province_profile())
    article21 = [(f.rule, f.outcome) for f in findings if f.citation.article == 21]
    assert article21 == [("cross_department_structure", Outcome.PASS), ("cross_department_overlap", Outcome.WARN)]
    assert not any(f.citation.article == 21 for f in run_precheck(declaration(), province_profile()))


def test_duplicates_are_shown_with_scores_and_a_prebuilt_index_may_be_used():
    candidates = (Candidate("SYS-900", "全省农村集体资产监督管理和交易监管", "农村产权交易监管系统",
                            DuplicateSource.CATALOGUE_SYSTEM, "成都市农业农村局"),)
    from_facts = run_precheck(declaration(duplicate_candidates=candidates), province_profile())
    prebuilt = run_precheck(declaration(), province_profile(), duplicate_index=SimilarityIndex(candidates))
    assert from_facts == prebuilt
    warning = from_facts[0]
    assert (warning.outcome, warning.citation.label) == (Outcome.WARN, "第六条")
    assert warning.message.startswith("拟建内容与系统目录中的已有信息系统相似，可能重复建设：“农村产权交易监管系统”（成都市农业农村局）相似度 ")
    assert submission_allowed(from_facts)


def test_findings_serialise_to_json_with_exact_money():
    findings = run_precheck(declaration(), province_profile())
    text = json.dumps([f.as_dict() for f in findings], ensure_ascii=False)
    assert '"35.00"' in text


def test_facts_are_frozen_and_money_is_decimal():
    facts = declaration()
    with pytest.raises(FrozenInstanceError):
        facts.name = "改名"
    with pytest.raises(TypeError):
        facts.legal_basis[1] = "某法"
    with pytest.raises(TypeError, match="total_investment 必须是 Decimal"):
        declaration(total_investment=8000000.0)
    assert declaration(total_investment=Decimal("0.01")).total_investment == Decimal("0.01")


@pytest.mark.parametrize("module", ["ch02_integration.py", "ch03_approval.py", "similarity.py", "precheck.py"])
def test_these_rule_modules_import_no_django(module):
    tree = ast.parse((RULES_DIR / module).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not any(name == "django" or name.startswith("django.") for name in imported)
