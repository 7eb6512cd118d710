"""R35: 2, 5 and 20 simultaneous attempts at the same approval (第二十二条), the same change decision (第二十八条)
and the same score finalisation of a procurement (第三十九条第二款) give exactly one transition and one audit
record; every other attempt is told, in Chinese, that it already happened.

Threads wait at a barrier and then act on committed data, each on its own connection. On PostgreSQL the row
locks make every loser wait and then read the committed result; SQLite's shared in-memory test database answers
some losers with "table is locked" instead, so there the message check is PostgreSQL's alone.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from accounts.models import OrgKind, Role
from audit.chain import verify
from audit.models import AuditEvent
from projects.services import ActionRefused
from tests import factories

pytestmark = pytest.mark.postgres


def race(n: int, attempt) -> list[str]:
    """Run ``attempt(i)`` in ``n`` threads released together; 'done' or the refusal's message for each."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i):
        try:
            barrier.wait(timeout=30)
            attempt(i)
            result = "done"
        except ActionRefused as refused:
            result = refused.message
        except Exception as exc:  # SQLite's shared in-memory database: "database table is locked"
            result = f"error: {exc}"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == n, "a thread did not finish"
    return outcomes


def _losers_told(outcomes: list[str], n: int, phrase: str) -> None:
    assert outcomes.count("done") == 1, outcomes
    if connection.vendor == "postgresql":
        losers = [o for o in outcomes if o != "done"]
        assert len(losers) == n - 1 and all(phrase in o for o in losers), losers


def _drc_reviewers(n: int, prefix: str):
    drc = factories.body(OrgKind.DRC)
    return [factories.user(f"{prefix}_{i}", drc, Role.REVIEWER) for i in range(n)]


def _ready_project(name: str):
    from reviews import services as review_services  # noqa: F401  (the real approval path)
    from tests.test_approval import MERGED, ready_for_approval
    from tests.test_issue4_paths import on
    from tests.test_reviews import listed

    filer = factories.user(f"{name}_filer", factories.org("T-R35", "并发测试单位"), Role.FILER)
    with on(date(2025, 1, 10)):
        project, = listed(factories.project(filer, name=name, year=2025))
        ready_for_approval(project, MERGED)
    return filer, project


@pytest.mark.parametrize("n", [2, 5, 20])
def test_r35_simultaneous_approvals_give_one_approval_and_one_audit_record(n):
    from reviews import services as review_services
    from tests.test_issue4_paths import on

    _filer, project = _ready_project(f"r35a{n}")
    reviewers = _drc_reviewers(n, f"r35a{n}")

    def attempt(i):
        review_services.approve(actor=reviewers[i], project_id=project.pk,
                                approved_total_investment=Decimal("9500000.00"), approved_content="批复建设内容",
                                funding_sources="省级预算内基本建设资金", construction_months=18)

    # One patch of the date for all threads: mock.patch entered and left in several threads at once restores
    # the attributes out of order and leaves a mock behind for the tests that follow.
    with on(date(2025, 1, 10)):
        outcomes = race(n, attempt)
    _losers_told(outcomes, n, "可能已被他人处理")
    project.refresh_from_db()
    assert project.stage == "approved"
    assert AuditEvent.objects.filter(project=project, action="approval.approved").count() == 1
    from reviews.models import Approval

    assert Approval.objects.filter(project=project).count() == 1
    assert verify(AuditEvent.objects.order_by("seq")).ok


def _in_construction(name: str):
    from delivery import services as delivery_services
    from tests.test_issue4_paths import approved, on

    unit = factories.org("T-R35", "并发测试单位")
    filer = factories.user(f"{name}_filer", unit, Role.FILER)
    head = factories.user(f"{name}_head", unit, Role.UNIT_HEAD)
    project = approved(filer, name=name)
    with on(date(2025, 2, 1)):
        delivery_services.contract_add(actor=filer, project_id=project.pk, kind="supervision", party="某监理公司",
                                       amount=Decimal("1.00"), signed_on=date(2025, 1, 20))
        delivery_services.start_construction(actor=filer, project_id=project.pk, responsible_person=head.full_name,
                                             supervision_contractor="某监理公司", started_on=date(2025, 2, 1))
    return filer, project


@pytest.mark.parametrize("n", [2, 5, 20])
def test_r35_simultaneous_change_decisions_give_one_decision_and_one_audit_record(n):
    from delivery import services as delivery_services
    from delivery.models import ChangeRequest

    filer, project = _in_construction(f"r35c{n}")
    change = delivery_services.change_file(actor=filer, project_id=project.pk, reasons=["business_needs"],
                                           content="新增模块", amount_moved=Decimal("1500000.00"),
                                           total_investment_after=Decimal("9500000.00"), goals_unchanged=True)
    assert change.status == "pending_approval"
    reviewers = _drc_reviewers(n, f"r35c{n}")

    def attempt(i):
        # Half approve, half reject: whichever comes first decides; the others are refused.
        delivery_services.change_decide(actor=reviewers[i], change_id=change.pk, approve=i % 2 == 0, note="意见")

    outcomes = race(n, attempt)
    _losers_told(outcomes, n, "已处理")
    change = ChangeRequest.objects.get(pk=change.pk)
    assert change.status in ("approved", "rejected")
    decided = AuditEvent.objects.filter(project=project, action__in=["delivery.change_approved",
                                                                     "delivery.change_rejected"])
    assert decided.count() == 1
    assert decided.get().actor_id == change.decided_by_id
    assert verify(AuditEvent.objects.order_by("seq")).ok


@pytest.mark.parametrize("n", [2, 5, 20])
def test_r35_simultaneous_score_finalisations_give_one_result_and_one_audit_record(n):
    from funding import services as funding_services
    from funding.models import Procurement

    filer, project = _in_construction(f"r35s{n}")
    heads = [factories.user(f"r35s{n}_{i}", filer.organisation, Role.FILER) for i in range(n)]
    procurement = funding_services.procurement_create(
        actor=filer, project_id=project.pk, title="系统集成采购", budget=Decimal("5000000.00"), method="open_tender",
        category="goods", scoring_method="comprehensive", price_weight=Decimal("30"),
        criteria=[{"name": "技术", "weight": "70"}])
    for bidder, price, score in (("甲公司", "4000000.00", "80"), ("乙公司", "4500000.00", "90")):
        funding_services.bid_add(actor=filer, procurement_id=procurement.pk, bidder=bidder, price=Decimal(price),
                                 scores={"技术": score})

    def attempt(i):
        funding_services.procurement_evaluate(actor=heads[i], procurement_id=procurement.pk)

    outcomes = race(n, attempt)
    _losers_told(outcomes, n, "已")
    procurement = Procurement.objects.get(pk=procurement.pk)
    assert procurement.evaluated_at is not None
    assert AuditEvent.objects.filter(project=project, action="funding.bids_evaluated").count() == 1
    assert [b.rank for b in procurement.bids.order_by("rank")] == [1, 2]
    assert verify(AuditEvent.objects.order_by("seq")).ok
