"""Reading obligations, the holiday calendar and notifications.

Who sees which obligations: the members of the organisation that owes it (a unit's filers and head,
a body's reviewers); auditors and the bodies that review every project also see the obligations of
the projects they may see (projects.selectors.visible_projects) and the unit-level ones. A unit never
sees another unit's obligations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from accounts.models import PROJECT_UNIT_KINDS, Role
from projects.selectors import can_see_portfolio, visible_projects

from .models import CalendarDay, DayKind, HolidayCalendar, Notification, Obligation, ObligationStatus

# --- Rest days (民法典 第二百零三条) -------------------------------------------------------------


class RestDays:
    """The days on which a deadline may not end: the statutory holidays of the calendar, and Saturdays
    and Sundays unless the calendar makes them make-up working days (调休上班). Passed to
    ``rules.periods.shift_past_holidays`` as its container of holiday dates."""

    def __init__(self, holidays: frozenset[date] = frozenset(), workdays: frozenset[date] = frozenset()):
        self.holidays = holidays
        self.workdays = workdays

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        if day in self.holidays:
            return True
        return day.weekday() >= 5 and day not in self.workdays


def rest_days() -> RestDays:
    rows = list(CalendarDay.objects.values_list("day", "kind"))
    return RestDays(frozenset(d for d, k in rows if k == DayKind.HOLIDAY),
                    frozenset(d for d, k in rows if k == DayKind.WORKDAY))


def calendar_warnings(today: date) -> list[str]:
    """Years the deadlines reach (this year and next) whose calendar is missing or not yet checked."""
    calendars = {c.year: c for c in HolidayCalendar.objects.filter(year__in=[today.year, today.year + 1])}
    warnings = []
    for year in (today.year, today.year + 1):
        cal = calendars.get(year)
        if cal is None:
            warnings.append(f"{year} 年节假日安排尚未录入：该年度的截止日期只顺延周末，请系统管理员录入。")
        elif not cal.confirmed:
            warnings.append(f"{year} 年节假日安排尚待系统管理员与国务院办公厅通知核对。")
    return warnings


# --- Obligations --------------------------------------------------------------------------------


def _member_roles(user) -> bool:
    if user.org_kind in PROJECT_UNIT_KINDS:
        return user.has_role(Role.FILER, Role.UNIT_HEAD)
    return user.has_role(Role.REVIEWER)


def own_obligations(user) -> QuerySet[Obligation]:
    """The obligations the user's own organisation owes (the user's to-do)."""
    qs = Obligation.objects.select_related("project", "organisation", "user")
    if not user.is_authenticated or user.organisation_id is None or not _member_roles(user):
        return qs.none()
    return qs.filter(organisation_id=user.organisation_id)


def visible_obligations(user) -> QuerySet[Obligation]:
    qs = Obligation.objects.select_related("project", "organisation", "user")
    if not user.is_authenticated or user.organisation_id is None:
        return qs.none()
    condition = Q(pk__in=[])
    if _member_roles(user):
        condition |= Q(organisation_id=user.organisation_id)
    if can_see_portfolio(user):
        condition |= Q(project__isnull=True) | Q(project__in=visible_projects(user).values("pk"))
    return qs.filter(condition)


def get_obligation_for_user(user, pk) -> Obligation:
    from django.http import Http404

    try:
        return visible_obligations(user).get(pk=int(pk))
    except (Obligation.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("事项不存在或无权查看") from exc


def can_waive(user, obligation: Obligation | None = None) -> bool:
    """Only the supervising bodies waive a duty (领导小组办公室、省发展改革委), never the one who owes it."""
    from accounts.models import OrgKind

    if not (user.is_authenticated and user.has_role(Role.REVIEWER)
            and user.org_kind in (OrgKind.LEADING_GROUP_OFFICE, OrgKind.DRC)):
        return False
    return obligation is None or obligation.organisation_id != user.organisation_id


@dataclass(frozen=True)
class Todo:
    due_soon: list[Obligation]
    overdue: list[Obligation]
    informational: list[Obligation]
    days: int


def todo_for(user, today: date, days: int) -> Todo:
    """What is due soon (reminder date reached, due within ``days``), overdue, and the sanctions in force."""
    qs = own_obligations(user)
    due_soon = list(qs.filter(status=ObligationStatus.OPEN, opens_on__lte=today, due_on__gte=today)
                    .filter(Q(remind_on__lte=today) | Q(due_on__lte=today + timedelta(days=days)))
                    .order_by("due_on", "pk")[:100])
    overdue = list(qs.filter(status=ObligationStatus.OVERDUE).order_by("due_on", "pk")[:100])
    informational = list(qs.filter(kind="sanction", status=ObligationStatus.OPEN).order_by("opens_on", "pk")[:50])
    return Todo(due_soon, overdue, informational, days)


def filter_obligations(qs: QuerySet[Obligation], *, status: str = "", kind: str = "", year: int | None = None,
                       organisation: int | None = None, q: str = "") -> QuerySet[Obligation]:
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(Q(due_on__year=year) | Q(due_on__isnull=True, opens_on__year=year))
    if organisation:
        qs = qs.filter(organisation_id=organisation)
    if q:
        q = q[:100]
        qs = qs.filter(Q(title__contains=q) | Q(project__name__contains=q) | Q(project__number__contains=q))
    return qs.order_by("status", "due_on", "pk")


def unread_notifications(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True)
