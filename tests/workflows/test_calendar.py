"""Working days and periods over the database calendar (SLA_DEFAULTS "Counting", docs/calendar.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from casework import hooks
from workflows import calendar
from workflows.calendar import DayCount, add_period, add_period_ex, add_working_days, add_working_days_ex
from workflows.models import CalendarDay, CalendarYear, DayKind

pytestmark = pytest.mark.django_db

LOCAL = "440305"
OTHER_LOCAL = "110105"
# Obviously not the real 2027 arrangement: only what the tests need.
EXAMPLE_2027 = """\
# EXAMPLE ONLY, not the real 2027 arrangement
year 2027
source test example
holiday 2027-01-01..2027-01-04 元旦 (example)
workday 2027-02-06 example make-up day
"""


@pytest.fixture(autouse=True)
def fresh_calendar_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A test's rollback sends no signal, so the in-process cache must not outlive the test.
    # The deadline engine's receivers are tested with the engine, not here.
    monkeypatch.setattr(hooks.YEAR_ENTERED, "_resolved", [])
    calendar.clear_cache()
    with translation.override("en"):
        yield
    calendar.clear_cache()


@pytest.fixture
def entered_years() -> Iterator[list[tuple[int, str]]]:
    calls: list[tuple[int, str]] = []

    def record(year: int, jurisdiction: str) -> None:
        calls.append((year, jurisdiction))

    hooks.YEAR_ENTERED.connect(record)
    yield calls
    hooks.YEAR_ENTERED.disconnect(record)


def write_year_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "year.txt"
    path.write_text(text, encoding="utf-8")
    return path


def calendar_rows() -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    days = set(CalendarDay.objects.values_list("date", "jurisdiction", "kind", "name", "source"))
    years = set(CalendarYear.objects.values_list("year", "jurisdiction", "source", "entered_at"))
    return days, years


def dates(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


# --- the seed -------------------------------------------------------------------------------------


def test_seed_knows_national_years_2004_to_2026_only() -> None:
    years = set(CalendarYear.objects.filter(jurisdiction="").values_list("year", flat=True))

    assert years == set(range(2004, 2027))
    assert calendar.is_known_year(2026) is True
    assert calendar.is_known_year(2027) is False
    assert calendar.is_known_year(2026, LOCAL) is False
    assert set(CalendarDay.objects.values_list("source", flat=True)) == {"chinesecalendar 1.11.0"}


# --- working days ----------------------------------------------------------------------------------


def test_five_working_days_from_2026_09_30_skip_national_day_and_count_makeup_saturday() -> None:
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_five_working_days_from_a_holiday_2026_10_01_do_not_count_the_receipt_day() -> None:
    # chinesecalendar.find_workday(5, 2026-10-01) returns 10-14: off by one from a rest day.
    assert add_working_days(date(2026, 10, 1), 5) == date(2026, 10, 13)


def test_one_working_day_from_friday_2026_02_13_is_the_makeup_saturday() -> None:
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)


def test_three_working_days_from_2026_02_14_skip_the_spring_festival() -> None:
    assert add_working_days(date(2026, 2, 14), 3) == date(2026, 2, 26)


def test_zero_working_days_is_the_start_if_working_else_the_next_working_day() -> None:
    assert add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 8)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="n must not be negative"):
        add_working_days(date(2026, 9, 30), -1)


MAKEUP_DAYS_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


@pytest.mark.parametrize("day", MAKEUP_DAYS_2026)
def test_2026_makeup_days_are_working_days(day: str) -> None:
    assert calendar.is_working_day(date.fromisoformat(day)) is True


@pytest.mark.parametrize("day", dates("2026-02-15", "2026-02-23") + dates("2026-10-01", "2026-10-07"))
def test_2026_spring_festival_and_national_day_are_rest_days(day: date) -> None:
    assert calendar.is_working_day(day) is False


def test_ordinary_weekdays_work_and_weekends_rest() -> None:
    assert calendar.is_working_day(date(2026, 3, 10)) is True  # Tuesday
    assert calendar.is_working_day(date(2026, 3, 14)) is False  # Saturday


def test_deadline_inside_known_years_is_not_provisional() -> None:
    assert add_working_days_ex(date(2026, 9, 30), 5) == DayCount(date(2026, 10, 13), provisional=False)


# --- unknown years ---------------------------------------------------------------------------------


def test_unknown_year_counts_weekdays_minus_fixed_date_holidays() -> None:
    assert calendar.is_working_day(date(2027, 1, 1)) is False  # 元旦, a Friday
    assert calendar.is_working_day(date(2027, 5, 3)) is True  # Monday; 劳动节 is 05-01, 05-02
    assert calendar.is_working_day(date(2027, 10, 1)) is False  # 国庆节, a Friday
    assert calendar.is_working_day(date(2027, 10, 4)) is True  # Monday; bridging days unknown


def test_unknown_years_between_lists_the_years_without_an_arrangement() -> None:
    assert calendar.unknown_years_between(date(2026, 12, 1), date(2028, 1, 5)) == [2027, 2028]
    assert calendar.unknown_years_between(date(2025, 1, 1), date(2026, 12, 31)) == []


def test_deadline_running_into_2027_is_computed_and_provisional() -> None:
    # 12-29, 12-30, 12-31, (2027-01-01 元旦), 01-04, 01-05.
    assert add_working_days_ex(date(2026, 12, 28), 5) == DayCount(date(2027, 1, 5), provisional=True)


def test_entering_2027_moves_the_deadline_and_ends_provisional(
    tmp_path: Path, entered_years: list[tuple[int, str]]
) -> None:
    before = add_working_days_ex(date(2026, 12, 28), 5)

    call_command("load_calendar_year", str(write_year_file(tmp_path, EXAMPLE_2027)), stdout=StringIO())

    assert before == DayCount(date(2027, 1, 5), provisional=True)
    assert add_working_days_ex(date(2026, 12, 28), 5) == DayCount(date(2027, 1, 6), provisional=False)
    assert calendar.is_known_year(2027) is True
    assert entered_years == [(2027, "")]


# --- periods ---------------------------------------------------------------------------------------


def test_month_period_from_january_31_ends_on_the_last_day_of_february() -> None:
    # 2026-02-28 is a Saturday but a make-up working day, so it does not roll.
    assert add_period(date(2026, 1, 31), months=1) == date(2026, 2, 28)
    assert add_period(date(2024, 1, 31), months=1) == date(2024, 2, 29)


def test_period_ending_on_national_day_rolls_to_the_next_working_day() -> None:
    assert add_period(date(2026, 9, 1), months=1) == date(2026, 10, 8)
    assert add_period(date(2026, 9, 30), days=1) == date(2026, 10, 8)


def test_day_and_year_periods_do_not_count_the_first_day() -> None:
    assert add_period(date(2026, 3, 2), days=10) == date(2026, 3, 12)
    assert add_period(date(2025, 3, 10), years=1) == date(2026, 3, 10)


def test_period_ending_in_2027_is_provisional() -> None:
    assert add_period_ex(date(2026, 6, 15), years=1) == DayCount(date(2027, 6, 15), provisional=True)
    assert add_period_ex(date(2026, 6, 15), months=3) == DayCount(date(2026, 9, 15), provisional=False)


# --- jurisdictions ---------------------------------------------------------------------------------


def test_local_holiday_is_a_rest_day_only_in_its_jurisdiction() -> None:
    CalendarDay.objects.create(
        date=date(2026, 3, 10), jurisdiction=LOCAL, kind=DayKind.HOLIDAY, name="local day", source="test"
    )

    assert calendar.is_working_day(date(2026, 3, 10), LOCAL) is False
    assert calendar.is_working_day(date(2026, 3, 10), OTHER_LOCAL) is True
    assert calendar.is_working_day(date(2026, 3, 10)) is True
    assert add_working_days(date(2026, 3, 9), 1, LOCAL) == date(2026, 3, 11)
    assert add_working_days(date(2026, 3, 9), 1, OTHER_LOCAL) == date(2026, 3, 10)


def test_local_holiday_overrides_a_national_makeup_day_and_keeps_national_holidays() -> None:
    CalendarDay.objects.create(
        date=date(2026, 2, 14), jurisdiction=LOCAL, kind=DayKind.HOLIDAY, name="local day", source="test"
    )

    assert calendar.is_working_day(date(2026, 2, 14), LOCAL) is False
    assert calendar.is_working_day(date(2026, 2, 14)) is True
    assert calendar.is_working_day(date(2026, 10, 1), LOCAL) is False


# --- cache -----------------------------------------------------------------------------------------


def test_cache_is_invalidated_when_a_day_is_added() -> None:
    assert calendar.is_working_day(date(2026, 3, 10)) is True

    CalendarDay.objects.create(date=date(2026, 3, 10), kind=DayKind.HOLIDAY, name="new day", source="test")

    assert calendar.is_working_day(date(2026, 3, 10)) is False


def test_cache_is_invalidated_when_a_day_is_deleted() -> None:
    assert calendar.is_working_day(date(2026, 10, 10)) is True

    CalendarDay.objects.filter(date=date(2026, 10, 10), jurisdiction="").delete()

    assert calendar.is_working_day(date(2026, 10, 10)) is False


def test_counting_a_warm_year_makes_no_queries(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    add_working_days(date(2026, 1, 5), 200)

    with django_assert_num_queries(0):
        for offset in range(300):
            add_working_days_ex(date(2026, 1, 5) + timedelta(days=offset), 15)


# --- the loader ------------------------------------------------------------------------------------


def test_loader_enters_a_local_year_and_reports_the_changes(
    tmp_path: Path, entered_years: list[tuple[int, str]]
) -> None:
    path = write_year_file(tmp_path, "year 2026\nholiday 2026-03-10..2026-03-11 local fair\n")
    out = StringIO()

    call_command(
        "load_calendar_year", str(path), "--jurisdiction", LOCAL, "--source", "county notice", stdout=out
    )

    assert out.getvalue() == (
        f"2026 {LOCAL}: 2 added, 0 removed, 0 changed (source: county notice)\n"
        "  + 2026-03-10 holiday local fair\n"
        "  + 2026-03-11 holiday local fair\n"
        f"2026 {LOCAL} recorded as known; 1 recompute receiver(s) notified.\n"
    )
    assert set(CalendarDay.objects.filter(jurisdiction=LOCAL).values_list("date", "kind", "source")) == {
        (date(2026, 3, 10), "holiday", "county notice"),
        (date(2026, 3, 11), "holiday", "county notice"),
    }
    assert calendar.is_known_year(2026, LOCAL) is True
    assert entered_years == [(2026, LOCAL)]


def test_loader_replaces_the_year_of_its_jurisdiction_only(tmp_path: Path) -> None:
    national_2026 = set(CalendarDay.objects.filter(jurisdiction="").values_list("date", "kind"))
    call_command("load_calendar_year", str(write_year_file(tmp_path, EXAMPLE_2027)), stdout=StringIO())
    corrected = EXAMPLE_2027.replace("2027-01-01..2027-01-04", "2027-01-01").replace("workday", "holiday")
    out = StringIO()

    call_command("load_calendar_year", str(write_year_file(tmp_path, corrected)), stdout=out)

    assert out.getvalue().splitlines() == [
        "2027 national: 0 added, 3 removed, 1 changed (source: test example)",
        "  - 2027-01-02 holiday 元旦 (example)",
        "  - 2027-01-03 holiday 元旦 (example)",
        "  - 2027-01-04 holiday 元旦 (example)",
        "  ~ 2027-02-06 holiday example make-up day (was makeup_workday example make-up day)",
        "2027 national replaced; 0 recompute receiver(s) notified.",
    ]
    rows_2027 = set(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind"))
    assert rows_2027 == {(date(2027, 1, 1), "holiday"), (date(2027, 2, 6), "holiday")}
    rest = set(CalendarDay.objects.exclude(date__year=2027).values_list("date", "kind"))
    assert rest == national_2026


def test_loader_dry_run_shows_the_changes_and_writes_nothing(
    tmp_path: Path, entered_years: list[tuple[int, str]]
) -> None:
    before = calendar_rows()
    out = StringIO()

    call_command("load_calendar_year", str(write_year_file(tmp_path, EXAMPLE_2027)), "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "2027 national: 5 added, 0 removed, 0 changed (source: test example)"
    assert lines[1:] == [
        "  + 2027-01-01 holiday 元旦 (example)",
        "  + 2027-01-02 holiday 元旦 (example)",
        "  + 2027-01-03 holiday 元旦 (example)",
        "  + 2027-01-04 holiday 元旦 (example)",
        "  + 2027-02-06 makeup_workday example make-up day",
        "Dry run: nothing written.",
    ]
    assert calendar_rows() == before
    assert entered_years == []


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("holiday 2027-02-30 bad", "line 4: '2027-02-30' is not a date (YYYY-MM-DD)"),
        ("holiday 2026-12-31 bad", "line 4: 2026-12-31 is outside the year 2027"),
        ("workday 2027-01-01 bad", "line 4: 2027-01-01 is already listed on line 3"),
        ("holiday 2027-02-12..2027-02-06", "line 4: the range 2027-02-12..2027-02-06 ends before it starts"),
        ("vacation 2027-02-06", "line 4: unknown keyword 'vacation' (use year, source, holiday, workday)"),
    ],
)
def test_loader_refuses_a_bad_file_with_the_line_and_writes_nothing(
    tmp_path: Path, entered_years: list[tuple[int, str]], bad_line: str, message: str
) -> None:
    path = write_year_file(tmp_path, f"year 2027\nsource test\nholiday 2027-01-01 元旦\n{bad_line}\n")
    before = calendar_rows()

    with pytest.raises(CommandError) as refused:
        call_command("load_calendar_year", str(path), stdout=StringIO())

    assert str(refused.value) == f"{path}: nothing written\n{message}"
    assert calendar_rows() == before
    assert calendar.is_known_year(2027) is False
    assert entered_years == []


def test_loader_reports_every_bad_line(tmp_path: Path) -> None:
    path = write_year_file(tmp_path, "holiday 2027-01-01\nyear 2027\nsource test\nworkday 2027-13-01\n")

    with pytest.raises(CommandError) as refused:
        call_command("load_calendar_year", str(path), stdout=StringIO())

    assert str(refused.value) == (
        f"{path}: nothing written\n"
        "line 1: a `year` line must come before the days\n"
        "line 4: '2027-13-01' is not a date (YYYY-MM-DD)"
    )


def test_loader_requires_a_source(tmp_path: Path) -> None:
    path = write_year_file(tmp_path, "year 2027\nholiday 2027-01-01 元旦\n")
    before = calendar_rows()

    with pytest.raises(CommandError) as refused:
        call_command("load_calendar_year", str(path), stdout=StringIO())

    assert str(refused.value) == (
        f"{path}: nothing written\nno source: add a `source …` line to the file or pass --source"
    )
    assert calendar_rows() == before
