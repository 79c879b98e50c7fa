"""Seed the national calendar 2004-2026 from chinesecalendar.

This is the only place the package is used: it raises NotImplementedError for dates it
does not know (2027 onwards), so the running code reads the database instead. Later years
are entered with ``manage.py load_calendar_year`` (docs/calendar.md).
"""

from django.db import migrations

FIRST_YEAR = 2004
LAST_YEAR = 2026


def seed_source() -> str:
    import chinese_calendar

    return f"chinesecalendar {chinese_calendar.__version__}"


def seed_calendar(apps, schema_editor):
    import chinese_calendar

    CalendarDay = apps.get_model("workflows", "CalendarDay")
    CalendarYear = apps.get_model("workflows", "CalendarYear")
    source = seed_source()
    names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    days = [
        CalendarDay(date=day, jurisdiction="", kind="holiday", name=names[value], source=source)
        for day, value in chinese_calendar.holidays.items()
        if FIRST_YEAR <= day.year <= LAST_YEAR
    ] + [
        CalendarDay(date=day, jurisdiction="", kind="makeup_workday", name=f"{names[value]}调休", source=source)
        for day, value in chinese_calendar.workdays.items()
        if FIRST_YEAR <= day.year <= LAST_YEAR
    ]
    CalendarDay.objects.bulk_create(days)
    CalendarYear.objects.bulk_create(
        CalendarYear(year=year, jurisdiction="", source=source) for year in range(FIRST_YEAR, LAST_YEAR + 1)
    )


def unseed_calendar(apps, schema_editor):
    CalendarDay = apps.get_model("workflows", "CalendarDay")
    CalendarYear = apps.get_model("workflows", "CalendarYear")
    source = seed_source()
    CalendarDay.objects.filter(jurisdiction="", source=source).delete()
    CalendarYear.objects.filter(jurisdiction="", source=source).delete()


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]

    operations = [migrations.RunPython(seed_calendar, unseed_calendar)]
