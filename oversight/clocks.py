"""Which clocks a figure of the leadership office counts: each selection written once, here.

Every number on the dashboard is a count of one of these selections, and its link
opens the same selection as a list (oversight/views.py), so a number and the cases
behind it cannot disagree. Open and overdue are the named queries of the deadline
model (``Deadline.objects.open()`` / ``.overdue(now)``): a clock paused while an
objection is open is open, but not overdue.

Ageing counts working days on the national calendar (workflows/calendar.py): a clock
due on day D is 1 working day overdue on the first working day after D, and a clock
that passed its due time over a weekend is counted in the first bucket.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from oversight.choices import AGE_LIMITS, SOON_WORKING_DAYS, STAGE_STEPS, TRACKED_STEPS
from workflows.calendar import add_working_days, is_working_day
from workflows.choices import DeadlineState
from workflows.models import Deadline

OPEN, OVERDUE, SOON, PAUSED = "open", "overdue", "soon", "paused"
STATUSES = (OPEN, OVERDUE, SOON, PAUSED)


@dataclass(frozen=True)
class Horizon:
    """The dates a dashboard is computed against, fixed once per request."""

    now: datetime
    today: date
    soon_until: date  # the last due date that is "due within 3 working days"
    # bucket → (earliest due_on, latest due_on) of the overdue clocks in that bucket; None: open end
    age_ranges: dict[str, tuple[date | None, date | None]]

    @classmethod
    def at(cls, now: datetime | None = None) -> "Horizon":
        now = now or timezone.now()
        today = timezone.localdate(now)
        # The 3rd working day counting today (when today is one): due by its end is "soon".
        soon_until = add_working_days(today - timedelta(days=1), SOON_WORKING_DAYS)
        return cls(now, today, soon_until, age_ranges(today))


def recent_working_days(today: date, count: int) -> list[date]:
    """The ``count`` most recent working days up to and including ``today``, newest first."""
    days, day = [], today
    while len(days) < count:
        if is_working_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return days


def age_ranges(today: date) -> dict[str, tuple[date | None, date | None]]:
    """Due-date range of each age bucket.

    A clock due on D is W working days overdue, W = working days in (D, today]; W ≤ n
    exactly when D is on or after the (n+1)-th most recent working day.
    """
    limits = [limit for _bucket, limit in AGE_LIMITS if limit is not None]
    recent = recent_working_days(today, max(limits) + 1)
    ranges: dict[str, tuple[date | None, date | None]] = {}
    latest: date | None = None
    for bucket, limit in AGE_LIMITS:
        earliest = recent[limit] if limit is not None else None
        ranges[bucket] = (earliest, latest)
        latest = earliest - timedelta(days=1) if earliest is not None else None
    return ranges


def tracked(stage: str | None = None) -> QuerySet[Deadline]:
    """The clocks of the tracked stages (or of one stage): not the publication milestones."""
    return Deadline.objects.filter(step__in=STAGE_STEPS[stage] if stage else TRACKED_STEPS)


def age_filter(bucket: str, horizon: Horizon) -> Q:
    earliest, latest = horizon.age_ranges[bucket]
    condition = Q()
    if earliest is not None:
        condition &= Q(due_on__gte=earliest)
    if latest is not None:
        condition &= Q(due_on__lte=latest)
    return condition


def soon_filter(horizon: Horizon) -> Q:
    """Running (not paused), not yet due, due within 3 working days."""
    return Q(state=DeadlineState.RUNNING, due_at__gt=horizon.now, due_on__lte=horizon.soon_until)


def selection(status: str, horizon: Horizon, *, stage: str | None = None,
              department_id: int | None = None, age: str | None = None) -> QuerySet[Deadline]:
    """The clocks behind one number: ``status`` open / overdue / soon / paused, optionally narrowed."""
    rows = tracked(stage)
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    if status == OVERDUE:
        rows = rows & Deadline.objects.overdue(horizon.now)
        if age:
            rows = rows.filter(age_filter(age, horizon))
    elif status == SOON:
        rows = (rows & Deadline.objects.open()).filter(soon_filter(horizon))
    elif status == PAUSED:
        rows = (rows & Deadline.objects.open()).filter(state=DeadlineState.PAUSED)
    else:
        rows = rows & Deadline.objects.open()
    return rows


@contextmanager
def serial_reads() -> Iterator[None]:
    """No parallel workers for these reads (PostgreSQL), in one read transaction.

    Each query is an index-only scan of some ten thousand entries: starting parallel
    workers costs more than the scan itself (on the 2-core machine, 150 ms of a 190 ms
    query went to the Gather; docs/benchmarks.md).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield
