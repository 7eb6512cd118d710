"""Periods and deadlines (民法典 第二百零一条至第二百零三条, as the GLOSSARY states).

A period of N months does not count its start day and ends on the day of the
final month that corresponds to the start day, or on that month's last day
where it has none. A deadline whose last day is a statutory holiday moves to
the first day after the holiday; the holiday calendar is data, passed in.
"""

from __future__ import annotations

import calendar
from collections.abc import Container
from datetime import date, timedelta


def months_later(start: date, months: int) -> date:
    """The last day of a period of ``months`` months that starts on ``start``.

    >>> months_later(date(2025, 11, 30), 3)
    datetime.date(2026, 2, 28)
    >>> months_later(date(2025, 1, 31), 3)
    datetime.date(2025, 4, 30)
    """
    if months < 0:
        raise ValueError("月数不能为负数")
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day))


def period_complete_on(start: date, months: int) -> date:
    """The first day on which a period of ``months`` months from ``start`` has fully run."""
    return months_later(start, months) + timedelta(days=1)


def shift_past_holidays(deadline: date, holidays: Container[date]) -> date:
    """A deadline that falls on a statutory holiday moves to the first day after it (第二百零三条)."""
    while deadline in holidays:
        deadline += timedelta(days=1)
    return deadline


def deadline_after_months(start: date, months: int, holidays: Container[date] = frozenset()) -> date:
    return shift_past_holidays(months_later(start, months), holidays)


def deadline_after_days(start: date, days: int, holidays: Container[date] = frozenset()) -> date:
    """A period of ``days`` days: the start day is not counted (第二百零一条)."""
    return shift_past_holidays(start + timedelta(days=days), holidays)
