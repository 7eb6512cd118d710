"""Issue 4's paths through /api/v1, each role in its own logged-in client: a self-built project from approval to
accepted, a purchased service from approval to accepted, a deferral, a suspension and a termination.

The approvals go through the real review and approval services (reviews.services.approve fixes the
construction period); the clock is moved with ``timezone.localdate``.
"""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import OrgKind, Role
from audit.models import AuditEvent
from reviews import services as review_services
from tests import factories
from tests.test_approval import MERGED, PURCHASED, ready_for_approval
from tests.test_reviews import listed, reviewer

pytestmark = pytest.mark.django_db

SELF_BUILT_MATERIALS = ["construction_summary", "financial_report", "third_party_audit", "resource_sharing_report",
                        "function_test_report", "performance_test_report", "mlps_test_report",
                        "data_security_risk_assessment", "cryptography_assessment"]
SECURITY_PASSED = {"secure_reliable_statement": True, "mlps_test": "passed", "data_security_assessment": "passed",
                   "cryptography_assessment": "passed"}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def on(day: date):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, url: str, data=None):
    return c.post(f"/api/v1{url}", data=data or {}, content_type="application/json")


def blocked_articles(response) -> list[str]:
    return [f["citation_label"] for f in response.json()["findings"] if f["outcome"] == "block"]


@pytest.fixture
def people(unit_a, filer_a):
    factories.user("head_a", unit_a, Role.UNIT_HEAD)
    return {"unit": client(filer_a), "drc": client(reviewer(OrgKind.DRC)),
            "office": client(reviewer(OrgKind.LEADING_GROUP_OFFICE)),
            "leader": client(factories.user("leader_t", factories.body(OrgKind.LEADING_GROUP), Role.REVIEWER))}


def approved(filer, *, name="数据共享平台", mode="self_built", data=MERGED, approval_date=date(2025, 1, 10),
             months=18):
    """Declared, reviewed, listed and approved through the reviews services on ``approval_date``."""
    with on(approval_date):
        project, = listed(factories.project(filer, name=name, delivery_mode=mode, year=approval_date.year,
                                            total_investment="10000000.00"))
        ready_for_approval(project, data)
        review_services.approve(actor=reviewer(OrgKind.DRC), project_id=project.pk,
                                approved_total_investment=Decimal("9500000.00"), approved_content="批复建设内容",
                                funding_sources="省级预算内基本建设资金", construction_months=months)
    project.refresh_from_db()
    return project


def stage(c: Client, pid: int) -> str:
    return c.get(f"/api/v1/projects/{pid}").json()["stage"]


def start_construction(unit: Client, pid: int, started_on="2025-02-01"):
    with on(date(2025, 2, 1)):
        contract = post(unit, f"/delivery/projects/{pid}/contracts",
                        {"kind": "supervision", "party": "某监理公司", "amount": "190000.00", "signed_on": "2025-01-20"})
        assert contract.status_code == 201 and contract.json()["amount"] == "190000.00"
        started = post(unit, f"/delivery/projects/{pid}/construction",
                       {"responsible_person": "head_a", "supervision_contractor": "某监理公司", "started_on": started_on})
    assert started.status_code == 200, started.content
    assert started.json()["stage"] == "in_construction"


def test_self_built_from_approval_to_accepted(filer_a, people):
    unit, drc, office = people["unit"], people["drc"], people["office"]
    pid = approved(filer_a).pk
    start_construction(unit, pid)

    summary = unit.get(f"/api/v1/delivery/projects/{pid}").json()
    # The approval's construction period (18 months) plus the 3-month trial run, from the approval date.
    assert summary["construction_period_months"] == 18 and summary["acceptance_due_on"] == "2026-10-10"
    assert summary["project"]["approved_total_investment"] == "9500000.00"

    archived = unit.post(f"/api/v1/delivery/projects/{pid}/archive",
                         {"category": "supervision", "title": "监理合同", "dated": "2025-01-20",
                          "file": SimpleUploadedFile("监理合同.pdf", PDF)})
    assert archived.status_code == 201, archived.content

    small = post(unit, f"/delivery/projects/{pid}/changes",
                 {"reasons": ["optimisation"], "content": "优化技术方案", "amount_moved": "1425000.00",
                  "total_investment_after": "9500000.00", "goals_unchanged": True})
    assert small.status_code == 201 and small.json()["status"] == "filed"
    assert small.json()["cumulative_percent"] == "15.000000"
    large = post(unit, f"/delivery/projects/{pid}/changes",
                 {"reasons": ["business_needs"], "content": "新增模块", "amount_moved": "950.00",
                  "total_investment_after": "9500000.00", "goals_unchanged": True})
    assert large.status_code == 201 and large.json()["status"] == "pending_approval"
    assert large.json()["cumulative_percent"] == "15.010000" and large.json()["findings"][0]["citation_label"] == "第二十八条"
    assert post(unit, f"/delivery/changes/{large.json()['id']}/decision", {"approve": True}).status_code == 403
    decided = post(drc, f"/delivery/changes/{large.json()['id']}/decision", {"approve": True, "note": "同意"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"

    with on(date(2025, 12, 1)):
        trial = post(unit, f"/delivery/projects/{pid}/trial-run", {"started_on": "2025-11-30"})
    assert trial.status_code == 200 and trial.json()["stage"] == "trial_run"

    with on(date(2026, 2, 28)):
        early = post(unit, f"/delivery/projects/{pid}/acceptance",
                     {"materials": SELF_BUILT_MATERIALS, "security": SECURITY_PASSED})
    assert early.status_code == 409
    assert early.json()["detail"][0]["message"] == "不能申请验收：试运行未满 3 个月，2026-02-28 期满，2026-03-01 起可以申请。"
    assert blocked_articles(early) == ["第三十一条第一款"]
    assert stage(unit, pid) == "trial_run"

    with on(date(2026, 3, 1)):
        applied = post(unit, f"/delivery/projects/{pid}/acceptance",
                       {"materials": SELF_BUILT_MATERIALS, "security": SECURITY_PASSED})
    assert applied.status_code == 201, applied.content
    assert {f["outcome"] for f in applied.json()["security_findings"]} == {"pass"}
    assert not applied.json()["unit_organised"]
    assert stage(unit, pid) == "acceptance_applied"

    with on(date(2026, 3, 20)):
        assert post(unit, f"/delivery/projects/{pid}/acceptance/decision",
                    {"passed": True, "opinion": "自己验收"}).status_code == 403
        accepted = post(drc, f"/delivery/projects/{pid}/acceptance/decision", {"passed": True, "opinion": "验收合格"})
    assert accepted.status_code == 200 and accepted.json()["opinion_number"] == "川发改验〔2026〕1号"
    assert stage(unit, pid) == "accepted"

    filed = post(unit, f"/delivery/projects/{pid}/acceptance/filing", {"summary": "验收合格"})
    assert filed.status_code == 201 and filed.json()["registered_at"] is None
    listing = office.get("/api/v1/delivery/acceptance-filings").json()
    assert [f["project_id"] for f in listing] == [pid]
    registered = post(office, f"/delivery/acceptance-filings/{filed.json()['id']}/register")
    assert registered.status_code == 200 and registered.json()["registered_at"] is not None
    assert AuditEvent.objects.filter(project_id=pid, action="delivery.acceptance_filing_registered").count() == 1


def test_purchased_service_from_approval_to_accepted(filer_a, people):
    unit, drc = people["unit"], people["drc"]
    pid = approved(filer_a, name="数据分析服务", mode="purchased_service", data=PURCHASED).pk
    start_construction(unit, pid)
    with on(date(2025, 12, 1)):
        assert post(unit, f"/delivery/projects/{pid}/trial-run", {"started_on": "2025-11-30"}).status_code == 200
    with on(date(2026, 3, 2)):
        missing = post(unit, f"/delivery/projects/{pid}/acceptance", {"materials": ["acceptance_result"]})
        assert missing.status_code == 409 and blocked_articles(missing) == ["第三十一条第三款"]
        applied = post(unit, f"/delivery/projects/{pid}/acceptance",
                       {"materials": ["acceptance_result"], "unit_accepted_on": "2026-03-02",
                        "unit_result": "服务内容和质量达到合同约定，验收合格"})
    assert applied.status_code == 201 and applied.json()["unit_organised"] is True
    assert applied.json()["unit_result"] == "服务内容和质量达到合同约定，验收合格"
    with on(date(2026, 3, 9)):
        reviewed = post(drc, f"/delivery/projects/{pid}/acceptance/decision", {"passed": True, "opinion": "同意验收结果"})
    assert reviewed.status_code == 200 and reviewed.json()["opinion_number"] == "川发改验审〔2026〕1号"
    assert stage(unit, pid) == "accepted"
    assert unit.get(f"/delivery/{pid}/opinion.pdf").content.startswith(b"%PDF")


def test_deferral_moves_the_due_date_and_lifts_article_32(filer_a, people):
    unit = people["unit"]
    pid = approved(filer_a, approval_date=date(2024, 6, 3), months=12).pk
    with on(date(2024, 7, 1)):
        assert post(unit, f"/delivery/projects/{pid}/contracts",
                    {"kind": "supervision", "party": "某监理公司", "amount": "1.00",
                     "signed_on": "2024-06-20"}).status_code == 201
        assert post(unit, f"/delivery/projects/{pid}/construction",
                    {"responsible_person": "head_a", "supervision_contractor": "某监理公司"}).status_code == 200
    with on(date(2025, 9, 3)):
        summary = unit.get(f"/api/v1/delivery/projects/{pid}").json()
        assert summary["acceptance_due_on"] == "2025-09-03" and summary["sanctions"] == []
    with on(date(2025, 9, 4)):
        summary = unit.get(f"/api/v1/delivery/projects/{pid}").json()
        assert {f["citation"]["article"] for f in summary["sanctions"]} == {32} and len(summary["sanctions"]) == 3
        too_soon = post(unit, f"/delivery/projects/{pid}/acceptance/deferrals",
                        {"new_date": "2025-09-01", "reason": "设备到货延误"})
        assert too_soon.status_code == 409 and blocked_articles(too_soon) == ["第三十一条第二款"]
        deferred = post(unit, f"/delivery/projects/{pid}/acceptance/deferrals",
                        {"new_date": "2026-03-31", "reason": "设备到货延误"})
        assert deferred.status_code == 201 and deferred.json()["previous_due"] == "2025-09-03"
        summary = unit.get(f"/api/v1/delivery/projects/{pid}").json()
        assert summary["acceptance_due_on"] == "2026-03-31" and summary["sanctions"] == []


def test_suspension_and_termination(filer_a, people):
    unit, drc, leader = people["unit"], people["drc"], people["leader"]
    pid = approved(filer_a).pk
    start_construction(unit, pid)

    report = post(unit, f"/delivery/projects/{pid}/trouble-reports",
                  {"serious_delay": True, "description": "进度严重滞后"})
    assert report.status_code == 201
    suspended = post(drc, f"/delivery/trouble-reports/{report.json()['id']}/response",
                     {"suspend": True, "note": "暂停建设"})
    assert suspended.status_code == 200 and stage(unit, pid) == "suspended"
    for url, data in ((f"/delivery/projects/{pid}/trial-run", {}),
                      (f"/funding/projects/{pid}/disbursements",
                       {"paid_on": "2025-03-01", "amount": "1.00", "purpose": "p", "voucher_no": "V1"})):
        refused = post(unit, url, data)
        assert refused.status_code == 409 and "项目已暂停建设（第三十条）" in refused.json()["detail"][0]["message"]
    resumed = post(drc, f"/delivery/projects/{pid}/resume", {"note": "整改完成"})
    assert resumed.status_code == 200 and resumed.json()["stage"] == "in_construction"

    request = post(unit, f"/delivery/projects/{pid}/termination-requests",
                   {"substantive_progress": True, "cause": "external_change", "overall_goal_unattainable": True,
                    "explanation": "外部环境变化"})
    assert request.status_code == 201
    rid = request.json()["id"]
    too_early = post(leader, f"/delivery/termination-requests/{rid}/decision", {"approve": True})
    assert too_early.status_code == 409 and "第三十条第二款" in blocked_articles(too_early)
    assert post(drc, f"/delivery/termination-requests/{rid}/report", {"note": "核报"}).status_code == 200
    assert post(drc, f"/delivery/termination-requests/{rid}/decision", {"approve": True}).status_code == 403
    decided = post(leader, f"/delivery/termination-requests/{rid}/decision", {"approve": True, "note": "同意"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert stage(unit, pid) == "terminated"
    after = post(unit, f"/delivery/projects/{pid}/contracts",
                 {"kind": "procurement", "party": "x", "amount": "1.00", "signed_on": "2025-03-01"})
    assert after.status_code == 409 and after.json()["detail"][0]["message"] == "项目当前处于“已终止”阶段，不能登记合同"
