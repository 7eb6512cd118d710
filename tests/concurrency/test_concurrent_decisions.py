"""Several reviewers take the same decision at the same moment: exactly one transition and one
audit record happen; every other attempt is told it already happened (第十七条 decision by the office)."""

import threading

from django.db import close_old_connections, connection, transaction

from accounts.models import OrgKind, Role
from audit.chain import verify
from audit.models import AuditEvent
from projects.models import Project
from projects.services import ActionRefused, transition_project
from tests import factories

ATTEMPTS = 8


def test_simultaneous_list_decisions_give_one_transition_and_one_audit_record():
    filer = factories.user("conc_filer", factories.org("T-C", "并发测试单位"), Role.FILER)
    project = factories.project(filer)
    with transaction.atomic():
        transition_project(actor=filer, project_id=project.pk, transition="submit", action="declaration.submitted")
    office = factories.body(OrgKind.LEADING_GROUP_OFFICE)
    reviewers = [factories.user(f"conc_office_{i}", office, Role.REVIEWER) for i in range(ATTEMPTS)]

    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def decide(reviewer):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                transition_project(actor=reviewer, project_id=project.pk, transition="put_on_annual_list",
                                   action="review.listed")
            result = "done"
        except ActionRefused as refused:
            result = refused.message
        except Exception as exc:  # SQLite's shared in-memory test database answers "table is locked"
            result = f"error: {exc}"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=decide, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert outcomes.count("done") == 1, outcomes
    assert Project.objects.get(pk=project.pk).stage == "listed"
    assert AuditEvent.objects.filter(project=project, action="review.listed").count() == 1
    assert verify(AuditEvent.objects.order_by("seq")).ok
    losers = [o for o in outcomes if o != "done"]
    if connection.vendor == "postgresql":
        # Row locks: every other reviewer waited, then was told it had already been decided.
        assert losers == ["项目当前处于“已列入年度清单”阶段，不能执行此操作（可能已被他人处理）"] * (ATTEMPTS - 1)
