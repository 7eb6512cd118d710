"""第八章 安全管理 (rules/ch08_security.py)."""

from dataclasses import replace
from decimal import Decimal as D

import pytest

from rules.ch08_security import (
    SECURITY_NO_NEW_SYSTEMS,
    SECURITY_NO_OM_FUNDING,
    AssessmentResult,
    SecurityFacts,
    acceptance_security_review,
    pue_within_limit,
    secure_reliable_statement,
    security_plans,
    security_sanctions,
)
from rules.findings import Outcome
from rules.testing import city_profile, province_profile

PROJECT = "SC2025-003 一网通办平台"
OPEN = SecurityFacts(PROJECT, classified=False, mlps_level=3, mlps_plan=True, cryptography_plan=True,
                     secure_reliable_statement=True, mlps_test=AssessmentResult.PASSED,
                     data_security_assessment=AssessmentResult.PASSED,
                     cryptography_assessment=AssessmentResult.PASSED)
SECRET = SecurityFacts(PROJECT, classified=True, classified_protection_plan=True, cryptography_plan=True,
                       secure_reliable_statement=True, classified_protection_test=AssessmentResult.PASSED,
                       cryptography_assessment=AssessmentResult.PASSED)


# --- 第四十九条 ---------------------------------------------------------------------------------

def test_plans_for_a_non_classified_system():
    protection, crypto = security_plans(OPEN)
    assert (protection.outcome, protection.citation.label) == (Outcome.PASS, "第四十九条")
    assert protection.message == "已按等级保护第3级编制等级保护方案。"
    assert crypto.outcome == Outcome.PASS
    no_level = security_plans(replace(OPEN, mlps_level=None))[0]
    assert no_level.outcome == Outcome.BLOCK and "未确定网络安全等级保护级别" in no_level.message
    assert security_plans(replace(OPEN, mlps_level=6))[0].outcome == Outcome.BLOCK
    assert security_plans(replace(OPEN, mlps_plan=False))[0].message == "已定为等级保护第3级，但未编制等级保护方案：请补充。"
    assert security_plans(replace(OPEN, cryptography_plan=False))[1].outcome == Outcome.BLOCK


def test_plans_for_a_classified_system_use_classified_protection():
    assert security_plans(SECRET)[0].message == "涉密信息系统已编制分级保护方案。"
    missing = security_plans(replace(SECRET, classified_protection_plan=False))[0]
    assert missing.outcome == Outcome.BLOCK and "请补充分级保护方案" in missing.message


# --- 第五十条 -----------------------------------------------------------------------------------

def test_secure_and_reliable_statement_at_approval():
    assert secure_reliable_statement(OPEN).outcome == Outcome.PASS
    missing = secure_reliable_statement(replace(OPEN, secure_reliable_statement=False))
    assert (missing.outcome, missing.citation.label) == (Outcome.BLOCK, "第五十条")
    assert missing.message == "报批材料缺少软硬件产品安全可靠情况的说明：请补充后再报批。"


@pytest.mark.parametrize(("pue", "outcome"), [(D("1.50"), Outcome.PASS), (D("1.51"), Outcome.NEEDS_JUSTIFICATION),
                                              (D("1.20"), Outcome.PASS)])
def test_pue_of_a_new_data_centre_at_and_past_the_line(pue, outcome):
    finding = pue_within_limit(replace(OPEN, new_data_centre=True, pue=pue), province_profile())
    assert (finding.outcome, finding.citation.label) == (outcome, "第五十条")
    assert finding.evidence["data_centre.max_pue"]["value"] == D("1.50")


def test_pue_messages_and_profile():
    over = pue_within_limit(replace(OPEN, new_data_centre=True, pue=D("1.51")), province_profile())
    assert over.message == "新建数据中心 PUE 为 1.51，高于 1.50：请说明原因和改进措施，由验收专家认定。"
    missing = pue_within_limit(replace(OPEN, new_data_centre=True), province_profile())
    assert missing.outcome == Outcome.BLOCK and "缺少能源利用效率（PUE）测量结果" in missing.message
    assert pue_within_limit(OPEN, province_profile()).outcome == Outcome.PASS
    strict = city_profile({"data_centre.max_pue": "1.30"})
    assert pue_within_limit(replace(OPEN, new_data_centre=True, pue=D("1.31")), strict).outcome \
        == Outcome.NEEDS_JUSTIFICATION


def test_acceptance_security_review_by_kind_of_system():
    open_rules = [f.rule for f in acceptance_security_review(OPEN, province_profile())]
    assert open_rules == ["secure_reliable_statement", "mlps_test", "data_security_assessment",
                          "cryptography_assessment", "pue_within_limit"]
    secret_rules = [f.rule for f in acceptance_security_review(SECRET, province_profile())]
    assert secret_rules == ["secure_reliable_statement", "classified_protection_test", "cryptography_assessment",
                            "pue_within_limit"]
    assert all(f.outcome == Outcome.PASS for f in acceptance_security_review(OPEN, province_profile()))


def test_acceptance_security_review_blocks_on_missing_or_failed_tests():
    facts = replace(OPEN, mlps_test=AssessmentResult.NOT_DONE, cryptography_assessment=AssessmentResult.FAILED)
    blocked = {f.rule: f.message for f in acceptance_security_review(facts, province_profile()) if f.blocks}
    assert blocked == {"mlps_test": "尚未完成网络安全等级保护测评：请完成后再组织验收。",
                       "cryptography_assessment": "密码应用安全性评估未通过：请整改后重新测评。"}


# --- 第五十一条 ---------------------------------------------------------------------------------

def test_no_sanction_when_requirements_are_met():
    assert security_sanctions(OPEN) == []
    assert security_sanctions(SECRET) == []
    # A classified system is not judged by the 等保 test.
    assert security_sanctions(replace(SECRET, mlps_test=AssessmentResult.FAILED)) == []


@pytest.mark.parametrize(("change", "reason"), [
    ({"cryptography_assessment": AssessmentResult.FAILED}, "密码应用安全性评估未通过"),
    ({"cryptography_issue_open": True}, "不符合密码应用要求且尚未整改"),
    ({"mlps_test": AssessmentResult.FAILED}, "网络安全等级保护测评未通过"),
    ({"network_security_issue_open": True}, "不符合网络安全要求且尚未整改"),
    ({"major_hidden_danger": True}, "存在重大安全隐患"),
])
def test_security_failures_stop_om_money_and_new_systems(change, reason):
    om, systems = security_sanctions(replace(OPEN, **change))
    assert (om.rule, systems.rule) == (SECURITY_NO_OM_FUNDING, SECURITY_NO_NEW_SYSTEMS)
    assert {(f.outcome, f.citation.label) for f in (om, systems)} == {(Outcome.BLOCK, "第五十一条")}
    assert om.message == f"项目“{PROJECT}”{reason}：不安排该项目运行维护经费。"
    assert systems.message == f"项目“{PROJECT}”{reason}：项目单位不得新建、改建、扩建政务信息系统，整改合格后解除。"
    assert systems.evidence["原因"] == reason


def test_classified_secrecy_test_failure():
    om, _ = security_sanctions(replace(SECRET, classified_protection_test=AssessmentResult.FAILED))
    assert "安全保密测评未通过" in om.message
