"""The daily job: recompute every obligation, then send the reminders that are owed.

Run it from cron on one machine (``manage.py run_obligations``), or through Django's tasks API
(the django-tasks package on Django 5.2) when the platform runs on several application servers:
``manage.py run_obligations --enqueue`` puts ``run_obligations_task`` on the configured backend
(the database backend of django-tasks-db; ``manage.py db_worker`` runs it). Running it twice at
once is safe: obligations are upserted by their source key, and each reminder is claimed by a
unique ``ReminderSent`` row before it is sent.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .reminders import send_reminders
from .services import recompute_obligations


def run_obligations(today: date | None = None) -> dict:
    on = today or timezone.localdate()
    recomputed = recompute_obligations(today=on)
    reminded = send_reminders(today=on)
    # Accounts unused for DORMANT_ACCOUNT_DAYS are disabled and audited (SECURITY.md 7); by the clock, not ``today``.
    from accounts.services import disable_dormant_accounts

    disabled = disable_dormant_accounts()
    return {"today": on.isoformat(), "obligations": recomputed.as_dict(), "reminders": reminded.as_dict(),
            "dormant_accounts_disabled": disabled}


@task()
def run_obligations_task(today: str | None = None) -> dict:
    """The same job as a task (arguments and result are JSON: the day as YYYY-MM-DD)."""
    return run_obligations(date.fromisoformat(today) if today else None)


def tasks_configured() -> bool:
    """True when settings.TASKS names a backend (otherwise django-tasks falls back to running at once)."""
    return bool(getattr(settings, "TASKS", None))
