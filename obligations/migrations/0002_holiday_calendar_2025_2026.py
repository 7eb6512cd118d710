"""China's holiday arrangements for 2025 and 2026 (statutory holidays and make-up working days).

2025: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）, checked.
2026: entered from the published arrangement but marked "待核对": the system administrator checks
it against the State Council's notice in the admin (节假日安排) and ticks 已核对官方通知.
Later years are added there too; this migration only seeds the data.
"""

from datetime import date, timedelta

from django.db import migrations


def _span(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


CALENDARS = {
    2025: {
        "notice": "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）",
        "confirmed": True,
        "holidays": [
            ("元旦", date(2025, 1, 1), date(2025, 1, 1)),
            ("春节", date(2025, 1, 28), date(2025, 2, 4)),
            ("清明节", date(2025, 4, 4), date(2025, 4, 6)),
            ("劳动节", date(2025, 5, 1), date(2025, 5, 5)),
            ("端午节", date(2025, 5, 31), date(2025, 6, 2)),
            ("国庆节、中秋节", date(2025, 10, 1), date(2025, 10, 8)),
        ],
        "workdays": [
            ("春节", date(2025, 1, 26)), ("春节", date(2025, 2, 8)), ("劳动节", date(2025, 4, 27)),
            ("国庆节、中秋节", date(2025, 9, 28)), ("国庆节、中秋节", date(2025, 10, 11)),
        ],
    },
    2026: {
        "notice": "国务院办公厅关于2026年部分节假日安排的通知（待系统管理员核对）",
        "confirmed": False,
        "holidays": [
            ("元旦", date(2026, 1, 1), date(2026, 1, 3)),
            ("春节", date(2026, 2, 15), date(2026, 2, 23)),
            ("清明节", date(2026, 4, 4), date(2026, 4, 6)),
            ("劳动节", date(2026, 5, 1), date(2026, 5, 5)),
            ("端午节", date(2026, 6, 19), date(2026, 6, 21)),
            ("中秋节", date(2026, 9, 25), date(2026, 9, 27)),
            ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),
        ],
        "workdays": [
            ("元旦", date(2026, 1, 4)), ("春节", date(2026, 2, 14)), ("春节", date(2026, 2, 28)),
            ("劳动节", date(2026, 5, 9)), ("国庆节", date(2026, 9, 20)), ("国庆节", date(2026, 10, 10)),
        ],
    },
}


def seed(apps, schema_editor):
    HolidayCalendar = apps.get_model("obligations", "HolidayCalendar")
    CalendarDay = apps.get_model("obligations", "CalendarDay")
    for year, data in CALENDARS.items():
        calendar, created = HolidayCalendar.objects.get_or_create(
            year=year, defaults={"notice": data["notice"], "confirmed": data["confirmed"],
                                 "note": "" if data["confirmed"] else "请与国务院办公厅通知核对后勾选“已核对官方通知”。"})
        if not created:
            continue
        for name, first, last in data["holidays"]:
            for day in _span(first, last):
                CalendarDay.objects.create(calendar=calendar, day=day, kind="holiday", name=name)
        for name, day in data["workdays"]:
            CalendarDay.objects.create(calendar=calendar, day=day, kind="workday", name=name)


def unseed(apps, schema_editor):
    apps.get_model("obligations", "HolidayCalendar").objects.filter(year__in=list(CALENDARS)).delete()


class Migration(migrations.Migration):
    dependencies = [("obligations", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
