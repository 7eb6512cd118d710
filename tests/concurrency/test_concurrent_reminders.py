"""Two reminder jobs started at the same moment (two application servers' cron) send each mail once."""

import threading
from datetime import date

from django.core import mail
from django.db import connection

from obligations.models import ReminderSent
from obligations.reminders import send_reminders
from obligations.services import recompute_obligations
from tests import factories
from tests.test_obligations import approve, build


def test_two_jobs_at_the_same_moment_send_each_reminder_once(unit_a, filer_a, office_reviewer, drc_reviewer):
    from accounts.models import Role

    head = factories.user("head_a", unit_a, Role.UNIT_HEAD)
    head.email = "head_a@example.gov.cn"
    head.save()
    project = approve(factories.project(filer_a, name="并发提醒项目"), filer_a, office_reviewer, drc_reviewer,
                      date(2025, 1, 10))
    build(project, filer_a, date(2025, 2, 1))
    recompute_obligations(today=date(2026, 4, 5))

    barrier = threading.Barrier(2)
    errors: list[str] = []

    def job():
        try:
            barrier.wait(timeout=10)
            send_reminders(date(2026, 4, 5))
        except Exception as exc:  # SQLite's shared in-memory test database: "table is locked"
            errors.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    claimed = ReminderSent.objects.count()
    assert claimed == 2  # the two reminders owed that day, each claimed once
    assert len(mail.outbox) == 1  # one daily digest to the unit head, not two
    if connection.vendor == "postgresql":
        assert errors == []
