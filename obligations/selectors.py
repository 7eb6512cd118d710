"""Reading obligations, the holiday calendar and notifications.

Who sees which obligations: the members of the organisation that owes it (a unit's filers and head,
a body's reviewers); auditors and the bodies that review every project also see the obligations of
the projects they may see (projects.selectors.visible_projects) and the unit-level ones. A unit never
sees another unit's obligations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

from django.db import connections, router
from django.db.models import Count, F, Q, QuerySet
from django.urls import get_script_prefix, get_urlconf

from accounts.models import PROJECT_UNIT_KINDS, Role
from config.statements import PerDatabase, converted, model_columns
from projects.selectors import can_see_portfolio, visible_projects

from .models import (
    CalendarDay,
    DayKind,
    HolidayCalendar,
    Notification,
    Obligation,
    ObligationKind,
    ObligationStatus,
)

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


class TodoRow(NamedTuple):
    """An obligation as the to-do page shows it: its own columns only, read as values (building 20-odd
    Obligation instances, each with the organisation, user and project joined in, was most of the page's time,
    issue #8). ``url`` and ``citation`` are Obligation's own."""

    pk: int
    title: str
    kind: str
    status: str
    opens_on: date
    due_on: date | None
    article: int
    paragraph: int | None
    item: int | None
    url_name: str
    url_args: list
    project_id: int | None

    citation = property(Obligation.citation.fget)

    @property
    def url(self) -> str:
        try:
            return _todo_url(self.url_name, tuple(self.url_args or ()), self.project_id, get_script_prefix(),
                             get_urlconf())
        except TypeError:  # arguments that cannot be a cache key (not what the derivations store)
            return Obligation.url.fget(self)

    def get_status_display(self) -> str:
        return ObligationStatus(self.status).label


@lru_cache(maxsize=1024)
def _todo_url(url_name: str, url_args: tuple, project_id: int | None, script_prefix: str, urlconf) -> str:
    # Obligation.url, reversed once per process for each page (and again under another script prefix or URLconf,
    # which reverse() depends on): the to-do page links every row.
    return Obligation.url.fget(SimpleNamespace(url_name=url_name, url_args=list(url_args), project_id=project_id))


@dataclass(frozen=True)
class Todo:
    due_soon: list[TodoRow]
    overdue: list[TodoRow]
    informational: list[TodoRow]
    days: int
    # How many rows each list has in all: the page shows the first TODO_SHOWN of each and links to the rest.
    due_soon_total: int = 0
    overdue_total: int = 0
    informational_total: int = 0


# Each list shows its most urgent rows; the page says how many there are and links to the obligations page, which
# filters and pages them all. A unit with hundreds of overdue duties got all of them on its start page (and a count
# capped at 100), which was most of the page's time (issue #8).
TODO_SHOWN = 20
# The three lists come from one query of at most this many rows, far more than an organisation's due-soon, overdue
# and sanction rows together (a unit has a few duties per project); beyond it the totals are counted by a second
# query. The sanctions (no due date) come first on every database, then the rest by due date.
TODO_ROWS = 1000


def _todo_conditions(today: date, days: int) -> tuple[Q, Q, Q]:
    """The three lists' conditions (due soon, overdue, sanctions in force), for the ORM paths."""
    due_soon = (Q(status=ObligationStatus.OPEN, opens_on__lte=today, due_on__gte=today)
                & (Q(remind_on__lte=today) | Q(due_on__lte=today + timedelta(days=days))))
    overdue = Q(status=ObligationStatus.OVERDUE)
    informational = Q(kind=ObligationKind.SANCTION, status=ObligationStatus.OPEN)
    return due_soon, overdue, informational


def todo_queryset(user, today: date, days: int) -> QuerySet[Obligation]:
    """The rows of the three lists in their order, through the ORM: what ``_TodoStatement`` reads (the reference
    tests/test_page_queries.py compares it with) and what the totals are counted on beyond TODO_ROWS."""
    due_soon, overdue, informational = _todo_conditions(today, days)
    return (own_obligations(user).select_related(None).filter(due_soon | overdue | informational)
            .order_by(F("due_on").asc(nulls_first=True), "pk"))


class _TodoStatement:
    """``todo_queryset``'s first TODO_ROWS rows as TodoRow values, with SQL written once per process and database
    from the model's columns: everyone's start page runs it, and the ORM compiled its nested conditions anew on
    every request, a third of the page's time (issue #8)."""

    def __init__(self, connection):
        quote = connection.ops.quote_name
        meta = Obligation._meta
        names, columns, converters = model_columns(Obligation, "o", connection)
        by_name = dict(zip(names, zip(columns, converters, strict=True), strict=True))
        shown = [meta.pk.attname if name == "pk" else meta.get_field(name).attname for name in TodoRow._fields]
        self.converters = [by_name[name][1] for name in shown]

        def c(name):
            return f"o.{quote(meta.get_field(name).column)}"

        nulls_first = ("" if connection.features.supports_order_by_nulls_modifier
                       else f"CASE WHEN {c('due_on')} IS NULL THEN 0 ELSE 1 END, ")
        self.sql = (
            f"SELECT {', '.join(by_name[name][0] for name in shown)} FROM {quote(meta.db_table)} o "
            f"WHERE {c('organisation')} = %s AND (({c('due_on')} >= %s AND {c('opens_on')} <= %s "
            f"AND {c('status')} = %s AND ({c('remind_on')} <= %s OR {c('due_on')} <= %s)) "
            f"OR {c('status')} = %s OR ({c('kind')} = %s AND {c('status')} = %s)) "
            f"ORDER BY {nulls_first}{c('due_on')} ASC"
            f"{' NULLS FIRST' if not nulls_first else ''}, o.{quote(meta.pk.column)} ASC LIMIT %s")
        self.date = meta.get_field("due_on")

    def rows(self, connection, organisation_id: int, today: date, days: int, limit: int) -> list[TodoRow]:
        def day(value):
            return self.date.get_db_prep_value(value, connection)

        params = [organisation_id, day(today), day(today), ObligationStatus.OPEN.value, day(today),
                  day(today + timedelta(days=days)), ObligationStatus.OVERDUE.value, ObligationKind.SANCTION.value,
                  ObligationStatus.OPEN.value, limit]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return [TodoRow(*converted(row, self.converters, connection)) for row in cursor.fetchall()]


_todo_statements = PerDatabase(_TodoStatement)


def _todo_rows(user, today: date, days: int) -> list[TodoRow]:
    if not user.is_authenticated or user.organisation_id is None or not _member_roles(user):
        return []  # own_obligations(user) is empty
    using = router.db_for_read(Obligation)
    connection = connections[using]
    return _todo_statements(using).rows(connection, user.organisation_id, today, days, TODO_ROWS)


def todo_for(user, today: date, days: int) -> Todo:
    """What is due soon (reminder date reached, due within ``days``), overdue, and the sanctions in force: the
    first TODO_SHOWN of each list and how many each has.

    One query for the three lists (it was three, each joining the organisation, the user and the project the page
    does not show). A row's list follows from its status and kind: an overdue row is overdue; an open sanction is
    in force; any other open row matched the due-soon condition. Sanctions have no due date
    (obligations.derivation), so an open sanction is never also due soon. (A window function numbering the rows
    per list would read fewer rows, but Django compiles such a query in milliseconds, more than reading them.)"""
    rows = _todo_rows(user, today, days)
    open_rows = [o for o in rows if o.status == ObligationStatus.OPEN]
    lists = {"due_soon": [o for o in open_rows if o.kind != ObligationKind.SANCTION],
             "overdue": [o for o in rows if o.status == ObligationStatus.OVERDUE],
             "informational": sorted((o for o in open_rows if o.kind == ObligationKind.SANCTION),
                                     key=lambda o: (o.opens_on, o.pk))}
    totals = {name: len(found) for name, found in lists.items()}
    if len(rows) == TODO_ROWS:  # not all read: count each list in the database
        due_soon, overdue, informational = _todo_conditions(today, days)
        totals = todo_queryset(user, today, days).order_by().aggregate(
            overdue=Count("pk", filter=overdue), informational=Count("pk", filter=informational),
            due_soon=Count("pk", filter=due_soon & ~Q(kind=ObligationKind.SANCTION)))
    return Todo(due_soon=lists["due_soon"][:TODO_SHOWN], overdue=lists["overdue"][:TODO_SHOWN],
                informational=lists["informational"][:TODO_SHOWN], days=days, due_soon_total=totals["due_soon"],
                overdue_total=totals["overdue"], informational_total=totals["informational"])


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
