"""Working days and SLA policies in memory, for generating millions of clocks quickly.

The city builder counts working days for every clock it writes; calling
``workflows.calendar`` per clock would cost minutes. This table is built once from
that module (so it follows the database calendar, make-up days included) and then
answers by array lookup. Policies are read once and chosen like
``Policy.objects.in_force`` (the most specific row in force on the start date).
"""

from bisect import bisect_right
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


class WorkingDays:
    """Working days between ``first`` and ``last`` as a sorted list."""

    def __init__(self, first: date, last: date) -> None:
        from workflows.calendar import is_working_day

        self.first = first
        span = (last - first).days + 1
        self.days = [first + timedelta(days=offset) for offset in range(span)
                     if is_working_day(first + timedelta(days=offset))]
        self.ordinals = [day.toordinal() for day in self.days]

    def after(self, day: date) -> int:
        """Index of the first working day strictly after ``day``."""
        return bisect_right(self.ordinals, day.toordinal())

    def add(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (n = 0: the day itself if working, else the next)."""
        if n == 0:
            return self.days[bisect_right(self.ordinals, day.toordinal() - 1)]
        return self.days[self.after(day) + n - 1]

    def between(self, first: date, last: date) -> int:
        """Working days in (first, last]."""
        return max(self.after(last) - self.after(first), 0)

    def before(self, day: date, n: int) -> date:
        """The n-th working day before ``day``."""
        return self.days[bisect_right(self.ordinals, day.toordinal() - 1) - n]

    def add_months(self, day: date, months: int) -> date:
        """民法典 Art 202/203: the corresponding day, rolled to the next working day."""
        index = day.month - 1 + months
        year, month = day.year + index // 12, index % 12 + 1
        end = date(year, month, min(day.day, monthrange(year, month)[1]))
        return self.add(end, 0)


@dataclass(frozen=True)
class PolicyRow:
    pk: int
    step: str
    list_type: str
    dishonesty_class: str
    effective_from: date
    effective_to: date | None
    clock: str
    length: int
    party: str
    warn_percent: int | None
    warn_working_days_before: int | None
    leadership_after: int | None
    on_due: str
    pause_on: tuple[str, ...]


class Policies:
    def __init__(self) -> None:
        from workflows.models import Policy

        self.rows = [PolicyRow(
            p.pk, p.step, p.list_type, p.dishonesty_class, p.effective_from, p.effective_to, p.clock,
            p.length, p.party, p.warn_percent, p.warn_working_days_before, p.leadership_after,
            p.on_due, tuple(p.pause_on or ()),
        ) for p in Policy.objects.filter(jurisdiction="")]
        self.cache: dict[tuple[str, str, str, date], PolicyRow] = {}

    def in_force(self, step: str, on: date, list_type: str, dishonesty_class: str) -> PolicyRow:
        key = (step, list_type, dishonesty_class, on)
        found = self.cache.get(key)
        if found is None:
            rows = [row for row in self.rows if row.step == step and row.effective_from <= on
                    and (row.effective_to is None or row.effective_to > on)
                    and row.list_type in ("", list_type) and row.dishonesty_class in ("", dishonesty_class)]
            found = max(rows, key=lambda row: (bool(row.dishonesty_class), bool(row.list_type),
                                                row.effective_from))
            self.cache[key] = found
        return found


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, TZ)


def at_hour(day: date, minutes: int) -> datetime:
    """A time during office hours of ``day`` (09:00 + minutes)."""
    return datetime.combine(day, time(9), TZ) + timedelta(minutes=minutes)


def text_value(value: Any) -> str:
    """One field in PostgreSQL's COPY text format (the city's values hold no tabs or newlines)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)
