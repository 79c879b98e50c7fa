"""Working days and calendar periods, read from the database calendar (docs/calendar.md).

行政处罚法 Art 85 and 民法典 Arts 201-203: the day of receipt is not counted, and a period
whose last day is a rest day ends on the next working day. The State Council's yearly
arrangement is stored as exceptional days (``CalendarDay``); a year without a
``CalendarYear`` row is counted Monday to Friday minus the fixed-date holidays, and results
over it are *provisional* until the year is entered (``load_calendar_year``), when the
receivers of ``on_year_entered`` recompute them. ``chinesecalendar`` is never called here:
it raises NotImplementedError after its last year (only the seed migration uses it).
"""

from __future__ import annotations

import re
import time
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import hooks
from workflows.models import CalendarDay, CalendarYear, DayKind
from workflows.models.calendar import NAME_MAX_LENGTH, SOURCE_MAX_LENGTH

NATIONAL = ""
ONE_DAY = timedelta(days=1)

# The fixed-date holidays of 全国年节及纪念日放假办法 (as amended by 国务院令第795号, in force
# 2025-01-01; 劳动节 is 05-01 and 05-02 since then). They are all a year without an entered
# arrangement knows: 春节, 清明, 端午 and 中秋 move every year, and the make-up days and
# bridging days are only known once the State Council publishes the arrangement.
FIXED_DATE_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (5, 2, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
)

# A guard, not a rule: no real arrangement has a year of consecutive rest days, so a longer
# run means broken calendar data and must fail loudly rather than hang the sweep.
MAX_CONSECUTIVE_REST_DAYS = 366


@dataclass(frozen=True)
class DayCount:
    """The end day of a computation; provisional when it depends on a year not yet entered."""

    day: date
    provisional: bool


# --- cache ---------------------------------------------------------------------------------------


class _CalendarCache:
    """Exceptional days per (year, jurisdiction), loaded once per process.

    The sweep and the bulk recompute count thousands of deadlines; each (year, jurisdiction)
    costs one query. Signals on the calendar models clear this process's cache at once; other
    processes (Celery workers) see an edit after at most ``CALENDAR_CACHE_SECONDS``.
    """

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.days: dict[tuple[int, str], dict[date, str]] = {}
        self.known_years: frozenset[tuple[int, str]] | None = None
        self.expires_at = time.monotonic() + getattr(settings, "CALENDAR_CACHE_SECONDS", 60)

    def expire_if_stale(self) -> None:
        if time.monotonic() > self.expires_at:
            self.clear()


_cache = _CalendarCache()


def clear_cache() -> None:
    """Forget the loaded calendar."""
    _cache.clear()


def on_calendar_row_changed(**kwargs: object) -> None:
    """A calendar day or year was saved or deleted (casework/hooks.py, ``MODEL_SIGNALS``)."""
    clear_cache()


def _code(jurisdiction: str | None) -> str:
    return jurisdiction or NATIONAL


def _known_years() -> frozenset[tuple[int, str]]:
    _cache.expire_if_stale()
    if _cache.known_years is None:
        _cache.known_years = frozenset(CalendarYear.objects.values_list("year", "jurisdiction"))
    return _cache.known_years


def _days_of(year: int, code: str) -> dict[date, str]:
    _cache.expire_if_stale()
    days = _cache.days.get((year, code))
    if days is None:
        days = _cache.days[(year, code)] = _load_days(year, code)
    return days


def _load_days(year: int, code: str) -> dict[date, str]:
    rows = dict(CalendarDay.objects.filter(jurisdiction=code, date__year=year).values_list("date", "kind"))
    if code == NATIONAL and not is_known_year(year):
        fixed = {date(year, month, day): DayKind.HOLIDAY.value for month, day, _name in FIXED_DATE_HOLIDAYS}
        return fixed | rows
    return rows


# --- days ----------------------------------------------------------------------------------------


def is_known_year(year: int, jurisdiction: str | None = None) -> bool:
    """Whether the arrangement of ``year`` was entered for the jurisdiction (blank = national).

    Only the national year decides whether a result is provisional: local rows are extras.
    """
    return (year, _code(jurisdiction)) in _known_years()


def unknown_years_between(start: date, end: date) -> list[int]:
    """The years from ``start``'s to ``end``'s, both included, without a national arrangement."""
    first, last = sorted((start.year, end.year))
    return [year for year in range(first, last + 1) if not is_known_year(year)]


def is_working_day(day: date, jurisdiction: str | None = None) -> bool:
    """National rows, overridden by the jurisdiction's rows on the same date, else Mon-Fri."""
    code = _code(jurisdiction)
    kind = _days_of(day.year, code).get(day) if code != NATIONAL else None
    if kind is None:
        kind = _days_of(day.year, NATIONAL).get(day)
    if kind is None:
        return day.weekday() < 5
    return kind == DayKind.MAKEUP_WORKDAY


def next_working_day(day: date, jurisdiction: str | None = None) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    for offset in range(MAX_CONSECUTIVE_REST_DAYS):
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate, jurisdiction):
            return candidate
    raise ValueError(f"no working day within {MAX_CONSECUTIVE_REST_DAYS} days of {day}: check the calendar")


def add_working_days_ex(start: date, n: int, jurisdiction: str | None = None) -> DayCount:
    """The n-th working day after ``start`` (not counted); n = 0: ``next_working_day(start)``."""
    if n < 0:
        raise ValueError("n must not be negative")
    first = start if n == 0 else start + ONE_DAY
    day = next_working_day(first, jurisdiction)
    for _counted in range(n - 1):
        day = next_working_day(day + ONE_DAY, jurisdiction)
    return DayCount(day, provisional=bool(unknown_years_between(first, day)))


def add_working_days(start: date, n: int, jurisdiction: str | None = None) -> date:
    return add_working_days_ex(start, n, jurisdiction).day


def add_period_ex(
    start: date, months: int = 0, years: int = 0, days: int = 0, jurisdiction: str | None = None,
    roll_forward: bool = True,
) -> DayCount:
    """A calendar period from ``start`` (not counted), rolled to the next working day.

    民法典 Art 202: a month or year period ends on the corresponding day, or on the last day
    of the month when it has none (01-31 + 1 month = 02-28/29). Art 203: a rest day moves the
    end to the next working day. Months and years are applied before days. With
    ``roll_forward`` off (a policy's ``rolls_forward``: a burden on the subject) the period
    ends on its calendar day, whatever the calendar says, so it is never provisional.
    """
    if min(months, years, days) < 0:
        raise ValueError("periods must not be negative")
    end = _add_months(start, years * 12 + months) + timedelta(days=days)
    if not roll_forward:
        return DayCount(end, provisional=False)
    rolled = next_working_day(end, jurisdiction)
    return DayCount(rolled, provisional=bool(unknown_years_between(end, rolled)))


def add_period(
    start: date, months: int = 0, years: int = 0, days: int = 0, jurisdiction: str | None = None
) -> date:
    return add_period_ex(start, months, years, days, jurisdiction).day


def _add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


# --- entering a year -----------------------------------------------------------------------------

def on_year_entered(year: int, jurisdiction: str | None = None) -> None:
    """Send ``year_entered`` (casework/hooks.py): a year's arrangement changed (after it is
    committed); the deadline engine recomputes the provisional deadlines."""
    clear_cache()
    hooks.YEAR_ENTERED.send(year, _code(jurisdiction))


class ArrangementError(ValueError):
    """A year file that cannot be entered; ``errors`` name the line of each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ArrangedDay:
    date: date
    kind: str
    name: str


@dataclass(frozen=True)
class Arrangement:
    year: int
    source: str
    days: tuple[ArrangedDay, ...]


DayEntry = tuple[str, str]  # (kind, name)


@dataclass(frozen=True)
class YearChange:
    year: int
    jurisdiction: str
    added: dict[date, DayEntry]
    removed: dict[date, DayEntry]
    changed: dict[date, tuple[DayEntry, DayEntry]]
    was_known: bool


_KINDS = {"holiday": DayKind.HOLIDAY.value, "workday": DayKind.MAKEUP_WORKDAY.value}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _ArrangementParser:
    def __init__(self) -> None:
        self.year: int | None = None
        self.source = ""
        self.days: list[ArrangedDay] = []
        self.lines_of: dict[date, int] = {}
        self.errors: list[str] = []
        self.line = 0

    def feed(self, number: int, line: str) -> None:
        line = line.strip()
        if not line or line.startswith("#"):
            return
        self.line = number
        keyword, rest = _split_word(line)
        try:
            self._feed(keyword, rest)
        except ValueError as error:
            self.errors.append(_("line %(number)d: %(error)s") % {"number": number, "error": error})

    def _feed(self, keyword: str, rest: str) -> None:
        if keyword == "year":
            self._set_year(rest)
        elif keyword == "source":
            self._set_source(rest)
        elif keyword in _KINDS:
            self._add_days(_KINDS[keyword], rest)
        else:
            raise ValueError(_("unknown keyword %(keyword)r (use year, source, holiday, workday)")
                             % {"keyword": keyword})

    def _set_year(self, text: str) -> None:
        if self.year is not None:
            raise ValueError(_("the year is given twice"))
        if not re.fullmatch(r"\d{4}", text):
            raise ValueError(_("%(text)r is not a year") % {"text": text})
        self.year = int(text)

    def _set_source(self, text: str) -> None:
        if self.source:
            raise ValueError(_("the source is given twice"))
        self.source = text

    def _add_days(self, kind: str, rest: str) -> None:
        if self.year is None:
            raise ValueError(_("a `year` line must come before the days"))
        dates, name = _split_word(rest)
        first, last = self._range(dates)
        if len(name) > NAME_MAX_LENGTH:
            raise ValueError(_("the name is longer than %(max)d characters") % {"max": NAME_MAX_LENGTH})
        days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
        for day in days:
            if day in self.lines_of:
                raise ValueError(_("%(day)s is already listed on line %(line)d")
                                 % {"day": day, "line": self.lines_of[day]})
        self.days.extend(ArrangedDay(day, kind, name) for day in days)
        self.lines_of.update(dict.fromkeys(days, self.line))

    def _range(self, text: str) -> tuple[date, date]:
        first_text, dots, last_text = text.partition("..")
        first = self._date(first_text)
        last = self._date(last_text) if dots else first
        if last < first:
            raise ValueError(_("the range %(text)s ends before it starts") % {"text": text})
        return first, last

    def _date(self, text: str) -> date:
        try:
            day = date.fromisoformat(text) if _DATE.fullmatch(text) else None
        except ValueError:
            day = None
        if day is None:
            raise ValueError(_("%(text)r is not a date (YYYY-MM-DD)") % {"text": text})
        if day.year != self.year:
            raise ValueError(_("%(day)s is outside the year %(year)d") % {"day": day, "year": self.year})
        return day

    def result(self) -> Arrangement:
        if self.year is None and not self.errors:
            self.errors.append(_("the file has no `year` line"))
        if self.errors:
            raise ArrangementError(self.errors)
        assert self.year is not None
        return Arrangement(self.year, self.source, tuple(self.days))


def _split_word(text: str) -> tuple[str, str]:
    parts = text.split(None, 1) + ["", ""]
    return parts[0], parts[1].strip()


def parse_arrangement(text: str) -> Arrangement:
    """Read a year file (format: docs/calendar.md); every problem is reported with its line."""
    parser = _ArrangementParser()
    for number, line in enumerate(text.splitlines(), start=1):
        parser.feed(number, line)
    return parser.result()


def resolve_source(arrangement: Arrangement, source: str = "") -> str:
    """The given source, else the file's ``source`` line; the why of a calendar is data."""
    source = source.strip() or arrangement.source
    if not source:
        raise ArrangementError([_("no source: add a `source …` line to the file or pass --source")])
    if len(source) > SOURCE_MAX_LENGTH:
        too_long = _("the source is longer than %(max)d characters") % {"max": SOURCE_MAX_LENGTH}
        raise ArrangementError([too_long])
    return source


def plan_year(arrangement: Arrangement, jurisdiction: str | None = None) -> YearChange:
    """What entering ``arrangement`` would change, without writing anything."""
    code = _code(jurisdiction)
    rows = CalendarDay.objects.filter(jurisdiction=code, date__year=arrangement.year)
    old = {row.date: (row.kind, row.name) for row in rows}
    new = {day.date: (day.kind, day.name) for day in arrangement.days}
    return YearChange(
        year=arrangement.year,
        jurisdiction=code,
        added={day: entry for day, entry in new.items() if day not in old},
        removed={day: entry for day, entry in old.items() if day not in new},
        changed={day: (old[day], entry) for day, entry in new.items() if day in old and old[day] != entry},
        was_known=CalendarYear.objects.filter(year=arrangement.year, jurisdiction=code).exists(),
    )


def enter_year(arrangement: Arrangement, jurisdiction: str | None = None, source: str = "") -> YearChange:
    """Replace the year's rows for the jurisdiction in one transaction, then run the hook."""
    code = _code(jurisdiction)
    source = resolve_source(arrangement, source)
    with transaction.atomic():
        change = plan_year(arrangement, code)
        CalendarDay.objects.filter(jurisdiction=code, date__year=arrangement.year).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(date=day.date, jurisdiction=code, kind=day.kind, name=day.name, source=source)
            for day in arrangement.days
        )
        CalendarYear.objects.update_or_create(
            year=arrangement.year,
            jurisdiction=code,
            defaults={"source": source, "entered_at": timezone.now()},
        )
    on_year_entered(arrangement.year, code)
    return change
