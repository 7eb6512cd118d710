"""Reminders: N days before a due date and once overdue, one daily digest per user (in-app and e-mail),
never twice for the same thing — also when two jobs start at the same moment."""

from datetime import date
from unittest.mock import patch

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from obligations import reminders
from obligations.models import Notification, Obligation, ReminderKind, ReminderSent
from obligations.reminders import send_reminders
from obligations.services import recompute_obligations
from obligations.tasks import run_obligations, run_obligations_task
from tests import factories
from tests.test_obligations import approve, build


@pytest.fixture
def head_a(unit_a):
    from accounts.models import Role

    u = factories.user("head_a", unit_a, Role.UNIT_HEAD)
    u.email = "head_a@example.gov.cn"
    u.save()
    return u


@pytest.fixture
def building(filer_a, head_a, office_reviewer, drc_reviewer):
    project = approve(factories.project(filer_a, name="教育数据平台"), filer_a, office_reviewer, drc_reviewer,
                      date(2025, 1, 10))
    return build(project, filer_a, date(2025, 2, 1))


@pytest.mark.django_db
def test_reminded_once_before_the_due_date_and_once_when_overdue(building, head_a, filer_a, filer_b):
    filer_b.email = "filer_b@example.gov.cn"
    filer_b.save()
    run_obligations(date(2026, 4, 2))  # the monitoring report of 2025 is overdue; acceptance not yet due soon
    assert len(mail.outbox) == 1 and "2025 年度绩效监控报告" in mail.outbox[0].body
    assert "验收" not in mail.outbox[0].subject
    run_obligations(date(2026, 4, 3))  # 7 days before 2026-04-10 (reminder.days_before_due)
    run_obligations(date(2026, 4, 3))
    assert len(mail.outbox) == 2
    message = mail.outbox[1]
    assert message.to == ["head_a@example.gov.cn"]
    assert message.subject == "【政务信息化项目平台】待办提醒：1 项即将到期（2026年4月3日）"
    assert "7 日后截止（2026-04-10），依据第三十一条第二款" in message.body
    assert f"/delivery/{building.pk}/" in message.body
    run_obligations(date(2026, 4, 6))
    assert len(mail.outbox) == 2  # nothing new to remind of
    run_obligations(date(2026, 4, 11))
    run_obligations(date(2026, 4, 11))
    assert len(mail.outbox) == 3
    assert mail.outbox[2].subject == "【政务信息化项目平台】待办提醒：1 项已逾期（2026年4月11日）"
    assert "已逾期 1 日（截止 2026-04-10）" in mail.outbox[2].body
    # In-app: the same digests for every member of the unit (filer_a has no e-mail address), none for unit B.
    assert Notification.objects.filter(user=filer_a).count() == 3
    assert Notification.objects.filter(user=head_a).count() == 3
    assert not Notification.objects.filter(user=filer_b).exists()
    assert all("filer_b@example.gov.cn" not in m.to for m in mail.outbox)
    ob = Obligation.objects.get(source_key=f"acceptance:{building.pk}")
    assert set(ob.reminders.values_list("reminder_kind", flat=True)) == {"due_soon", "overdue"}


@pytest.mark.django_db
def test_a_daily_digest_is_one_mail_with_every_item(building, head_a):
    recompute_obligations(today=date(2026, 4, 5))
    run = send_reminders(date(2026, 4, 5))
    assert run.claimed == 2 and run.mails == 1 and run.notifications == 2
    body = mail.outbox[0].body
    assert "[即将到期]" in body and "[已逾期]" in body
    note = Notification.objects.get(user=head_a)
    assert [i["citation"] for i in note.items] == ["第三十一条第二款", "第四十五条第一款"]


@pytest.mark.django_db
def test_a_digest_that_cannot_be_written_leaves_its_reminders_unclaimed_for_the_next_run(building, head_a):
    """The claims and the in-app digest commit together: a failed write loses no reminder."""
    recompute_obligations(today=date(2026, 4, 5))
    with patch.object(Notification.objects, "create", side_effect=IntegrityError("磁盘已满")):
        with pytest.raises(IntegrityError):
            send_reminders(date(2026, 4, 5))
    assert ReminderSent.objects.count() == 0 and Notification.objects.count() == 0 and mail.outbox == []
    run = send_reminders(date(2026, 4, 5))  # the next run sends what the failed one could not
    assert (run.claimed, run.notifications, run.mails) == (2, 2, 1)
    assert Notification.objects.filter(user=head_a).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_the_same_reminder_twice(building):
    recompute_obligations(today=date(2026, 4, 5))
    ob = Obligation.objects.get(source_key=f"acceptance:{building.pk}")
    ReminderSent.objects.create(obligation=ob, reminder_kind=ReminderKind.DUE_SOON, due_on=ob.due_on,
                                sent_on=date(2026, 4, 5))
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(obligation=ob, reminder_kind=ReminderKind.DUE_SOON, due_on=ob.due_on,
                                    sent_on=date(2026, 4, 6))
    # A new due date (a deferral) is a new thing to remind of.
    ReminderSent.objects.create(obligation=ob, reminder_kind=ReminderKind.DUE_SOON, due_on=date(2026, 7, 31),
                                sent_on=date(2026, 7, 24))


@pytest.mark.django_db
def test_two_jobs_that_picked_the_same_reminders_at_the_same_moment_send_each_once(building, head_a):
    """The test database cannot be shared between threads here (the audit table refuses the flush a
    transactional test needs), so the race is staged: both jobs read the reminders owed before either
    claims one — the moment two servers start at once — then run one after the other. Each mail goes once,
    because the second job's claims hit the unique constraint."""
    recompute_obligations(today=date(2026, 4, 5))
    seen_by_both = reminders.due_reminders(date(2026, 4, 5))
    assert len(seen_by_both) == 2
    with patch("obligations.reminders.due_reminders", return_value=seen_by_both):
        first = send_reminders(date(2026, 4, 5))
        second = send_reminders(date(2026, 4, 5))
    assert (first.claimed, first.skipped, first.mails) == (2, 0, 1)
    assert (second.claimed, second.skipped, second.mails) == (0, 2, 0)
    assert len(mail.outbox) == 1 and ReminderSent.objects.count() == 2


@pytest.mark.django_db
def test_the_task_runs_the_same_job_and_enqueue_needs_a_queue(building, head_a, settings):
    result = run_obligations_task.call("2026-04-05")
    assert result["today"] == "2026-04-05" and result["reminders"]["claimed"] == 2
    assert len(mail.outbox) == 1
    settings.TASKS = {}
    with pytest.raises(CommandError, match="未配置任务队列"):
        call_command("run_obligations", "--enqueue")
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        call_command("run_obligations", "--today", "2026-13-01")


@pytest.mark.django_db
def test_the_job_runs_through_a_redis_backed_worker(building, head_a, settings):
    """Larger deployments put the queue on Redis (TASKS_BACKEND=rq): cron enqueues, a worker runs the job."""
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:6379/15"}}
    queue = django_rq.get_queue("default")
    queue.empty()
    try:
        result = run_obligations_task.enqueue("2026-04-05")
        assert len(mail.outbox) == 0 and queue.count == 1  # nothing has run yet: it waits for the worker
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
        result.refresh()
        assert result.status == "SUCCESSFUL"
        assert result.return_value["reminders"]["claimed"] == 2
        assert len(mail.outbox) == 1
    finally:
        queue.empty()


def test_the_rq_dashboard_is_installed_only_with_the_redis_queue():
    """Without Redis, django_rq's admin pages answer 500; they exist only when TASKS_BACKEND=rq asks for Redis."""
    import subprocess
    import sys

    code = "import django; django.setup(); from django.apps import apps; print(apps.is_installed('django_rq'))"
    env = {k: v for k, v in __import__("os").environ.items() if k != "TASKS_BACKEND"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    default = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    rq = subprocess.run([sys.executable, "-c", code], env={**env, "TASKS_BACKEND": "rq"}, capture_output=True,
                        text=True, check=True)
    assert (default.stdout.strip(), rq.stdout.strip()) == ("False", "True")
