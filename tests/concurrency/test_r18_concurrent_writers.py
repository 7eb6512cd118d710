"""SECURITY.md 18: 50 writers appending to the audit trail at the same moment produce one unforked chain.

Every writer runs in its own thread with its own database connection and commits its own transaction; they
start together at a barrier. The chain head row (audit.models.ChainHead) is locked by each write, so the events
get consecutive numbers, each linked to exactly one predecessor, and the whole chain verifies."""

import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection, transaction

from accounts.models import Role
from audit.chain import GENESIS, verify_stored
from audit.models import AuditEvent, ChainHead
from audit.services import record
from projects.models import Project
from projects.services import project_create
from tests import factories

WRITERS = 50


@pytest.mark.postgres
def test_r18_fifty_concurrent_writers_produce_one_unforked_chain():
    """On PostgreSQL every writer succeeds. SQLite's shared in-memory test database answers some writers
    "table is locked" instead of queueing them (a file database with IMMEDIATE transactions queues them, R40);
    there the chain must still hold exactly the writes that committed, unforked."""
    unit = factories.org("T-R18", "并发审计测试单位")
    filers = [factories.user(f"r18_filer_{i}", unit, Role.FILER) for i in range(WRITERS)]
    start_seq = ChainHead.objects.get(id=1).seq
    barrier = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def write(i, filer):
        try:
            barrier.wait(timeout=30)
            if i % 2:
                # A real action: the project and its audit record in one transaction.
                project_create(actor=filer, name=f"并发项目{i}", year=2027, delivery_mode="self_built",
                               total_investment=1000)
            else:
                with transaction.atomic():
                    record(actor=filer, action="test.concurrent", after={"writer": i})
            result = "done"
        except Exception as exc:  # noqa: BLE001 - reported in the assertion below
            result = f"error: {exc!r}"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=write, args=(i, f)) for i, f in enumerate(filers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert len(outcomes) == WRITERS
    if connection.vendor == "postgresql":
        assert outcomes == ["done"] * WRITERS, [o for o in outcomes if o != "done"]
    else:
        assert all(o == "done" or "locked" in o for o in outcomes), [o for o in outcomes if o != "done"]
    done = outcomes.count("done")
    assert done >= 1
    new = list(AuditEvent.objects.filter(seq__gt=start_seq).order_by("seq"))
    assert len(new) == done
    # Consecutive numbers, no fork: every hash is the predecessor of at most one event, and the chain verifies.
    assert [e.seq for e in new] == list(range(start_seq + 1, start_seq + done + 1))
    every = list(AuditEvent.objects.order_by("seq"))
    assert max(Counter(e.prev_hash for e in every).values()) == 1
    assert every[0].prev_hash == GENESIS or every[0].seq > 1
    head = ChainHead.objects.get(id=1)
    assert (head.seq, head.hash) == (new[-1].seq, new[-1].hash)
    report = verify_stored()
    assert report.ok, report.problem
    projects = Project.objects.filter(unit=unit).count()
    assert projects == sum(1 for e in new if e.action == "project.created")
    if connection.vendor == "postgresql":
        assert projects == WRITERS // 2
        assert {e.actor_name for e in new} == {f.username for f in filers}
