"""The daily job: recompute every obligation, then send the reminders that are owed.

Run it from cron on one machine (``manage.py run_obligations``), or through Django's tasks API
(the django-tasks package on Django 5.2) when the platform runs on several application servers:
``manage.py run_obligations --enqueue`` puts ``run_obligations_task`` on the configured backend
(the database backend of django-tasks-db; ``manage.py db_worker`` runs it). Running it twice at
once is safe: obligations are upserted by their source key, and each reminder is claimed by a
unique ``ReminderSent`` row before it is sent.

The job recomputes the projects whose facts changed since its last run and those whose obligations change
with the date (``obligations.services.daily_scope``), and everything on Sundays, on a new year, after a holiday
or profile change, or with ``--full``. Each run is recorded as an audit event (``obligation.recomputed``) with
the audit sequence number it read up to: the next run starts from there.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks import task

from .reminders import send_reminders
from .services import calendar_key, daily_scope, profiles_key, recompute_obligations

RUN_ACTION = "obligation.recomputed"


def last_run() -> dict | None:
    """The record of the last daily run (its day, the audit sequence number read up to, the calendar and
    profiles), or None: then the next run recomputes everything."""
    from audit.models import AuditEvent

    after = (AuditEvent.objects.filter(action=RUN_ACTION).order_by("-seq").values_list("after", flat=True).first())
    if not after or "through_seq" not in after or "on" not in after:
        return None
    return after


def recompute_for_day(on: date, *, full: bool = False) -> dict:
    """Recompute what the day needs (everything when ``full``) and record the run."""
    from audit.models import AuditEvent
    from audit.services import record

    # Read before anything else: a fact committed after this point has a later sequence number (the audit chain
    # head serialises the writers) and is picked up by the next run, even if this run also saw it.
    through_seq = AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0
    marks = {"calendar": calendar_key(), "profiles": profiles_key()}
    scope = daily_scope(on, last_run(), full=full)
    if scope.full:
        recomputed = recompute_obligations(today=on)
    else:
        recomputed = recompute_obligations(today=on, project_ids=scope.project_ids)
    summary = {"on": on.isoformat(), "through_seq": through_seq, **marks,
               "scope": scope.full_reason or "changed",
               "projects": None if scope.full else len(scope.project_ids), **recomputed.as_dict()}
    with transaction.atomic():
        record(actor=None, action=RUN_ACTION, object_label="义务与期限", after=summary)
    return summary


def run_obligations(today: date | None = None, full: bool = False) -> dict:
    on = today or timezone.localdate()
    summary = recompute_for_day(on, full=full)
    recomputed = {k: summary[k] for k in ("created", "updated", "removed", "unchanged")}
    reminded = send_reminders(today=on)
    # Accounts unused for DORMANT_ACCOUNT_DAYS are disabled and audited (SECURITY.md 7); by the clock, not ``today``.
    from accounts.services import disable_dormant_accounts

    disabled = disable_dormant_accounts()
    # The dashboards' summary rows (issue #8): each day starts with figures of that day, the page never waits.
    from dashboards.snapshots import refresh_all

    dashboards = refresh_all()
    return {"today": on.isoformat(), "obligations": recomputed, "scope": summary["scope"],
            "projects": summary["projects"], "reminders": reminded.as_dict(), "dormant_accounts_disabled": disabled,
            "dashboards": dashboards}


@task()
def run_obligations_task(today: str | None = None, full: bool = False) -> dict:
    """The same job as a task (arguments and result are JSON: the day as YYYY-MM-DD)."""
    return run_obligations(date.fromisoformat(today) if today else None, full=full)


def tasks_configured() -> bool:
    """True when settings.TASKS names a backend (otherwise django-tasks falls back to running at once)."""
    return bool(getattr(settings, "TASKS", None))
