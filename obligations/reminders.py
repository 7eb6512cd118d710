"""Reminders: in-app and by e-mail, N days before a due date (the profile's ``reminder.days_before_due``,
stored on each obligation as ``remind_on``) and once it is overdue, as one daily digest per user.

Never twice for the same thing: each (obligation, kind of reminder, due date) is claimed by inserting a
``ReminderSent`` row in its own transaction before anything is sent. The unique constraint makes the
claim atomic in the database, so two jobs started at the same moment on two servers split the reminders
between them and each is sent once. The in-app digest is written in the claiming transaction, so a claim
never stands without it; the mail goes after the commit, and a mail that then fails is logged and not
retried (at most once, never twice).
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import PROJECT_UNIT_KINDS, Role, User

from .models import Notification, Obligation, ObligationKind, ObligationStatus, ReminderKind, ReminderSent

logger = logging.getLogger("zwxm.obligations")

SUBJECT_PREFIX = "【政务信息化项目平台】"


@dataclass
class ReminderRun:
    claimed: int = 0
    skipped: int = 0
    notifications: int = 0
    mails: int = 0
    recipients: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"claimed": self.claimed, "skipped": self.skipped, "notifications": self.notifications,
                "mails": self.mails}


def due_reminders(on: date) -> list[tuple[Obligation, str]]:
    """The reminders owed today: due soon (reminder date reached, not yet due) and overdue."""
    base = (Obligation.objects.select_related("organisation", "project").exclude(kind=ObligationKind.SANCTION)
            .order_by("due_on", "pk"))
    soon = base.filter(status=ObligationStatus.OPEN, opens_on__lte=on, due_on__gte=on, remind_on__lte=on)
    overdue = base.filter(status=ObligationStatus.OVERDUE)
    return [(o, ReminderKind.DUE_SOON) for o in soon] + [(o, ReminderKind.OVERDUE) for o in overdue]


def recipients(obligation: Obligation) -> list[User]:
    """The active members of the organisation that owes it: a unit's filers and head, a body's reviewers."""
    roles = (Role.FILER, Role.UNIT_HEAD) if obligation.organisation.kind in PROJECT_UNIT_KINDS else (Role.REVIEWER,)
    return list(User.objects.filter(organisation_id=obligation.organisation_id, is_active=True,
                                    role_assignments__role__in=roles).distinct().order_by("pk"))


def claim(obligation: Obligation, kind: str, on: date, users: list[User]) -> bool:
    """Insert the ReminderSent row; False when another job (or an earlier run) already has it."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(obligation=obligation, reminder_kind=kind, due_on=obligation.due_on,
                                        sent_on=on, recipients=[u.username for u in users])
        return True
    except IntegrityError:
        return False


def _base_url() -> str:
    return (getattr(settings, "PLATFORM_BASE_URL", "") or os.environ.get("PLATFORM_BASE_URL")
            or "http://127.0.0.1:8000").rstrip("/")


def _line(obligation: Obligation, kind: str, on: date) -> str:
    if kind == ReminderKind.OVERDUE:
        when = f"已逾期 {(on - obligation.due_on).days} 日（截止 {obligation.due_on}）"
    else:
        days = (obligation.due_on - on).days
        when = f"今日截止（{obligation.due_on}）" if days == 0 else f"{days} 日后截止（{obligation.due_on}）"
    return f"· [{ReminderKind(kind).label}] {obligation.title} —— {when}，依据{obligation.citation.label}"


def digest(user: User, items: list[tuple[Obligation, str]], on: date) -> tuple[str, str, list[dict]]:
    overdue = sum(1 for _, k in items if k == ReminderKind.OVERDUE)
    soon = len(items) - overdue
    parts = [f"{soon} 项即将到期"] if soon else []
    parts += [f"{overdue} 项已逾期"] if overdue else []
    subject = f"{SUBJECT_PREFIX}待办提醒：{'，'.join(parts)}（{on.year}年{on.month}月{on.day}日）"
    base = _base_url()
    lines = [f"{user.display_name}，您好：", "", "以下事项需要您所在单位办理（《四川省省级政务信息化项目管理办法》）：", ""]
    payload = []
    for obligation, kind in items:
        lines.append(_line(obligation, kind, on))
        lines.append(f"  办理：{base}{obligation.url}")
        payload.append({"obligation": obligation.pk, "kind": kind, "title": obligation.title,
                        "due_on": obligation.due_on.isoformat(), "url": obligation.url,
                        "article": obligation.article, "citation": obligation.citation.label})
    lines += ["", f"全部待办：{base}/", "本邮件由平台每日自动发送，同一事项只提醒一次。"]
    return subject, "\n".join(lines), payload


# Any constant: the PostgreSQL advisory lock that lets one reminder job claim at a time.
REMINDER_JOB_LOCK = 20211005


def _one_claiming_job_at_a_time() -> None:
    """Two jobs started at once must not split one user's digest in two: the claim phase is serialised.
    PostgreSQL: a transaction-scoped advisory lock; SQLite: the IMMEDIATE transaction already holds the
    database's write lock from its first statement."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REMINDER_JOB_LOCK])


def send_reminders(today: date | None = None) -> ReminderRun:
    on = today or timezone.localdate()
    run = ReminderRun()
    by_user: dict[int, list[tuple[Obligation, str]]] = defaultdict(list)
    users: dict[int, User] = {}
    with transaction.atomic():
        _one_claiming_job_at_a_time()
        for obligation, kind in due_reminders(on):
            members = recipients(obligation)
            if not members:
                continue  # nobody to tell yet: claim it when the organisation has an account
            if not claim(obligation, kind, on, members):
                run.skipped += 1
                continue
            run.claimed += 1
            for user in members:
                users[user.pk] = user
                by_user[user.pk].append((obligation, kind))
        # The in-app notifications commit with their claims: a claim is never left without its digest, and
        # nothing is written after the claiming job's lock is released (where a second job could now hold
        # SQLite's write lock).
        outgoing: list[tuple[User, str, str]] = []
        for user_id, items in by_user.items():
            user = users[user_id]
            subject, body, payload = digest(user, items, on)
            Notification.objects.create(user=user, subject=subject, body=body, items=payload, created_on=on)
            run.notifications += 1
            run.recipients.append(user.username)
            outgoing.append((user, subject, body))
    # Mail goes out after the claims and notifications are committed, without holding the lock.
    for user, subject, body in outgoing:
        if user.email:
            try:
                EmailMessage(subject, body, to=[user.email]).send()
                run.mails += 1
            except Exception:
                logger.exception("提醒邮件发送失败：%s", user.username)
    return run


def mark_read(user: User, notification_ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(Q(pk__in=notification_ids))
    return qs.update(read_at=timezone.now())
