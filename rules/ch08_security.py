"""第八章 安全管理 (第四十九条–第五十二条).

Not formalised:
- 第四十九条 duties of the supervising bodies (网信、保密、经信、公安、密码管理) to supervise: they
  act through supervision findings (``ch07_performance`` rectification) whose open status is a fact here.
- 第五十二条 安全生产: a general duty under the work-safety laws, judged by people; nothing to compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .findings import Citation, Finding, Outcome
from .profile import Profile


class AssessmentResult(StrEnum):
    NOT_DONE = "not_done"  # 未测评
    PASSED = "passed"  # 通过（符合）
    FAILED = "failed"  # 不通过（不符合）


ASSESSMENT_RESULT_LABELS = {AssessmentResult.NOT_DONE: "未测评", AssessmentResult.PASSED: "通过", AssessmentResult.FAILED: "不通过"}

# 网络安全等级保护的级别（GB/T 22239）：第一级至第五级。
MLPS_LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class SecurityFacts:
    project: str
    classified: bool  # 涉密信息系统
    mlps_level: int | None = None  # 等保定级（非涉密）
    mlps_plan: bool = False  # 等级保护方案（非涉密）
    classified_protection_plan: bool = False  # 分级保护方案（涉密）
    cryptography_plan: bool = False  # 密码应用方案
    secure_reliable_statement: bool = False  # 报批阶段对软硬件产品安全可靠情况的说明
    mlps_test: AssessmentResult = AssessmentResult.NOT_DONE  # 等保测评
    classified_protection_test: AssessmentResult = AssessmentResult.NOT_DONE  # 分保（安全保密）测评
    cryptography_assessment: AssessmentResult = AssessmentResult.NOT_DONE  # 密码应用安全性评估
    data_security_assessment: AssessmentResult = AssessmentResult.NOT_DONE  # 数据安全风险评估（非涉密）
    new_data_centre: bool = False  # 项目新建数据中心
    pue: Decimal | None = None  # 新建数据中心的电能利用效率
    network_security_issue_open: bool = False  # 网络安全监管部门认定不符合要求且尚未整改
    cryptography_issue_open: bool = False  # 密码管理部门认定不符合要求且尚未整改
    major_hidden_danger: bool = False  # 存在重大安全隐患（尚未消除）


def security_plans(facts: SecurityFacts) -> list[Finding]:
    """第四十九条：“同步规划、同步建设、同步运行网络安全、密码保障系统”；at declaration and approval the
    protection plan fits the system: 等级保护方案 with a level for non-classified systems, 分级保护方案
    for classified ones, and a 密码应用方案 for both."""
    citation = Citation(49)
    evidence = {"项目": facts.project, "涉密": facts.classified, "等保级别": facts.mlps_level}
    findings = []
    if facts.classified:
        if facts.classified_protection_plan:
            findings.append(Finding("protection_plan", Outcome.PASS, "涉密信息系统已编制分级保护方案。", citation, evidence))
        else:
            findings.append(Finding("protection_plan", Outcome.BLOCK,
                                    "涉密信息系统应编制分级保护方案：请补充分级保护方案（涉密系统不适用等级保护定级）。",
                                    citation, evidence))
    elif facts.mlps_level not in MLPS_LEVELS:
        findings.append(Finding("protection_plan", Outcome.BLOCK,
                                "非涉密信息系统未确定网络安全等级保护级别：请按第一级至第五级定级。", citation, evidence))
    elif not facts.mlps_plan:
        findings.append(Finding("protection_plan", Outcome.BLOCK,
                                f"已定为等级保护第{facts.mlps_level}级，但未编制等级保护方案：请补充。", citation, evidence))
    else:
        findings.append(Finding("protection_plan", Outcome.PASS,
                                f"已按等级保护第{facts.mlps_level}级编制等级保护方案。", citation, evidence))
    if facts.cryptography_plan:
        findings.append(Finding("cryptography_plan", Outcome.PASS, "已编制密码应用方案。", citation, evidence))
    else:
        findings.append(Finding("cryptography_plan", Outcome.BLOCK,
                                "未编制密码应用方案：网络安全、密码保障系统应同步规划，请补充密码应用方案。",
                                citation, evidence))
    return findings


def secure_reliable_statement(facts: SecurityFacts) -> Finding:
    """第五十条：“项目应采用安全可靠的软硬件产品。在项目报批阶段，要对产品的安全可靠情况进行说明。”"""
    evidence = {"项目": facts.project, "已说明安全可靠情况": facts.secure_reliable_statement}
    if facts.secure_reliable_statement:
        return Finding("secure_reliable_statement", Outcome.PASS, "已对软硬件产品的安全可靠情况进行说明。",
                       Citation(50), evidence)
    return Finding("secure_reliable_statement", Outcome.BLOCK,
                   "报批材料缺少软硬件产品安全可靠情况的说明：请补充后再报批。", Citation(50), evidence)


def pue_within_limit(facts: SecurityFacts, profile: Profile) -> Finding:
    """第五十条：“硬件设备和新建数据中心能源利用效率情况是项目验收的重要内容。”

    The measures set no figure; the profile's ``data_centre.max_pue`` is the platform's line. A PUE
    above it is not an automatic refusal (the article makes it "重要内容", not a bar): the acceptance
    experts must accept a justification.
    """
    limit = profile.value("data_centre.max_pue")
    evidence = {"项目": facts.project, "新建数据中心": facts.new_data_centre, "PUE": facts.pue,
                **profile.evidence("data_centre.max_pue")}
    if not facts.new_data_centre:
        return Finding("pue_within_limit", Outcome.PASS, "项目未新建数据中心，不需评价能源利用效率。", Citation(50), evidence)
    if facts.pue is None:
        return Finding("pue_within_limit", Outcome.BLOCK,
                       "项目新建数据中心，验收材料缺少能源利用效率（PUE）测量结果：请补充。", Citation(50), evidence)
    if facts.pue <= limit:
        return Finding("pue_within_limit", Outcome.PASS,
                       f"新建数据中心 PUE 为 {facts.pue}，不高于 {limit}。", Citation(50), evidence)
    return Finding("pue_within_limit", Outcome.NEEDS_JUSTIFICATION,
                   f"新建数据中心 PUE 为 {facts.pue}，高于 {limit}：请说明原因和改进措施，由验收专家认定。",
                   Citation(50), evidence)


def _test_finding(rule: str, label: str, result: AssessmentResult, evidence: dict) -> Finding:
    if result == AssessmentResult.PASSED:
        return Finding(rule, Outcome.PASS, f"{label}通过。", Citation(50), evidence)
    if result == AssessmentResult.FAILED:
        return Finding(rule, Outcome.BLOCK, f"{label}未通过：请整改后重新测评。", Citation(50), evidence)
    return Finding(rule, Outcome.BLOCK, f"尚未完成{label}：请完成后再组织验收。", Citation(50), evidence)


def acceptance_security_review(facts: SecurityFacts, profile: Profile) -> list[Finding]:
    """第五十条：“项目软硬件产品的安全可靠情况，项目密码应用和安全审查情况，以及硬件设备和新建数据中心
    能源利用效率情况是项目验收的重要内容。” With 第三十一条第二款's security reports."""
    evidence = {"项目": facts.project, "涉密": facts.classified}
    findings = [secure_reliable_statement(facts)]
    if facts.classified:
        findings.append(_test_finding("classified_protection_test", "涉密信息系统安全保密测评",
                                      facts.classified_protection_test, evidence))
    else:
        findings.append(_test_finding("mlps_test", "网络安全等级保护测评", facts.mlps_test, evidence))
        findings.append(_test_finding("data_security_assessment", "数据安全风险评估",
                                      facts.data_security_assessment, evidence))
    findings.append(_test_finding("cryptography_assessment", "密码应用安全性评估", facts.cryptography_assessment, evidence))
    findings.append(pue_within_limit(facts, profile))
    return findings


SECURITY_NO_OM_FUNDING = "security_no_om_funding"
SECURITY_NO_NEW_SYSTEMS = "security_no_new_systems"


def security_failures(facts: SecurityFacts) -> list[str]:
    """What makes the project fall under 第五十一条, in words; empty when nothing does."""
    reasons = []
    if facts.cryptography_assessment == AssessmentResult.FAILED:
        reasons.append("密码应用安全性评估未通过")
    if facts.cryptography_issue_open:
        reasons.append("不符合密码应用要求且尚未整改")
    protection_test = facts.classified_protection_test if facts.classified else facts.mlps_test
    if protection_test == AssessmentResult.FAILED:
        reasons.append("安全保密测评未通过" if facts.classified else "网络安全等级保护测评未通过")
    if facts.network_security_issue_open:
        reasons.append("不符合网络安全要求且尚未整改")
    if facts.major_hidden_danger:
        reasons.append("存在重大安全隐患")
    return reasons


def security_sanctions(facts: SecurityFacts) -> list[Finding]:
    """第五十一条：“项目不符合密码应用和网络安全要求，或者存在重大安全隐患的，不安排运行维护经费，项目单位
    不得新建、改建、扩建政务信息系统。”

    Derived from the current facts: the sanctions last while a failure stands and end when it is
    remedied (a passed re-test, a closed finding, a removed hidden danger).
    """
    reasons = security_failures(facts)
    if not reasons:
        return []
    reason = "、".join(reasons)
    why = f"项目“{facts.project}”{reason}"
    evidence = {"项目": facts.project, "原因": reason, "情形": reasons}
    return [
        Finding(SECURITY_NO_OM_FUNDING, Outcome.BLOCK, f"{why}：不安排该项目运行维护经费。", Citation(51), evidence),
        Finding(SECURITY_NO_NEW_SYSTEMS, Outcome.BLOCK,
                f"{why}：项目单位不得新建、改建、扩建政务信息系统，整改合格后解除。", Citation(51), evidence),
    ]
