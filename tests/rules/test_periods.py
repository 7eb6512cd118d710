"""rules/periods.py: months and holidays as the GLOSSARY states (民法典 第二百零一条至第二百零三条)."""

from datetime import date, timedelta

import pytest

from rules.periods import (
    deadline_after_days,
    deadline_after_months,
    months_later,
    period_complete_on,
    shift_past_holidays,
)

# 2025 National Day and Mid-Autumn holiday: 1–8 October.
NATIONAL_DAY_2025 = frozenset(date(2025, 10, d) for d in range(1, 9))


@pytest.mark.parametrize(("start", "months", "ends"), [
    (date(2025, 11, 30), 3, date(2026, 2, 28)),   # February has no 30th: its last day
    (date(2025, 1, 31), 3, date(2025, 4, 30)),    # April has no 31st
    (date(2024, 11, 30), 3, date(2025, 2, 28)),   # 2025 is not a leap year
    (date(2023, 11, 29), 3, date(2024, 2, 29)),   # 2024 is: 29 February exists
    (date(2025, 1, 30), 3, date(2025, 4, 30)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2025, 3, 15), 12, date(2026, 3, 15)),   # across a year
    (date(2025, 3, 15), 0, date(2025, 3, 15)),
])
def test_months_later_ends_on_corresponding_day_or_month_end(start, months, ends):
    assert months_later(start, months) == ends


def test_negative_months_are_refused_in_chinese():
    with pytest.raises(ValueError, match="月数不能为负数"):
        months_later(date(2025, 1, 1), -1)


def test_period_is_complete_the_day_after_it_ends():
    assert period_complete_on(date(2025, 11, 30), 3) == date(2026, 3, 1)
    assert period_complete_on(date(2023, 11, 29), 3) == date(2024, 3, 1)


def test_holiday_shift_moves_a_deadline_past_a_run_of_holidays():
    # 2025-07-01 + 3 months ends on 2025-10-01, a holiday; the run lasts to 10-08.
    assert months_later(date(2025, 7, 1), 3) == date(2025, 10, 1)
    assert deadline_after_months(date(2025, 7, 1), 3, NATIONAL_DAY_2025) == date(2025, 10, 9)


def test_holiday_shift_leaves_a_working_day_alone():
    assert shift_past_holidays(date(2025, 9, 30), NATIONAL_DAY_2025) == date(2025, 9, 30)
    assert deadline_after_months(date(2025, 6, 30), 3, NATIONAL_DAY_2025) == date(2025, 9, 30)


def test_days_do_not_count_the_start_day_and_shift_past_holidays():
    assert deadline_after_days(date(2025, 9, 1), 30) == date(2025, 10, 1)
    assert deadline_after_days(date(2025, 9, 1), 30, NATIONAL_DAY_2025) == date(2025, 10, 9)
    assert deadline_after_days(date(2025, 9, 1), 29, NATIONAL_DAY_2025) == date(2025, 9, 30)


def test_holiday_calendar_is_data_any_container_works():
    holidays = {date(2026, 2, 28) + timedelta(days=i) for i in range(3)}
    assert deadline_after_months(date(2025, 11, 30), 3, holidays) == date(2026, 3, 3)
