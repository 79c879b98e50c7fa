"""The leadership office's dashboard: clocks by department × stage, ageing, warnings, escalations, trend.

Two grouped scans of the partial covering index ``deadline_open_tracked`` (open clocks
of the tracked stages only) give every cell; escalations come from
``escalation_fired``. Every figure of the current week is read live. The trend's 11
finished weeks are kept in ``TrendWeek`` once computed (from the clocks that are open,
``deadline_open_tracked``, and those closed late, ``deadline_closed_late``: the only ones
that can have been overdue at a past moment); the page shows when each was computed.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from casework.choices import DepartmentKind
from casework.models import Department
from oversight.choices import AGE_LIMITS, STAGE_OF, TREND_WEEKS, Stage
from oversight.clocks import (
    OPEN,
    OVERDUE,
    Horizon,
    age_filter,
    selection,
    serial_reads,
    soon_filter,
    tracked,
)
from oversight.models import TrendWeek
from workflows.choices import DeadlineState, Rung
from workflows.models import Deadline, Escalation

BUCKETS = tuple(bucket for bucket, _limit in AGE_LIMITS)
STAGES = tuple(Stage.values)
RUNGS = tuple(Rung.values)


@dataclass
class Cell:
    open: int = 0
    overdue: int = 0
    soon: int = 0
    paused: int = 0
    ages: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))

    def add(self, other: "Cell") -> None:
        self.open += other.open
        self.overdue += other.overdue
        self.soon += other.soon
        self.paused += other.paused
        for bucket in BUCKETS:
            self.ages[bucket] += other.ages[bucket]


@dataclass(frozen=True)
class Week:
    starts: datetime
    breaches: int
    leadership: int
    overdue_at_end: int
    computed_at: datetime  # when the figure was read: now for the current week


@dataclass
class Dashboard:
    horizon: Horizon
    departments: list[Department]  # the most overdue first, then by name (the page, exports, API)
    cells: dict[tuple[int, str], Cell]
    escalations: dict[tuple[int | None, str], int]
    week_starts: datetime
    trend: list[Week]

    def cell(self, department_id: int, stage: str) -> Cell:
        return self.cells.get((department_id, stage)) or Cell()

    def department_total(self, department_id: int) -> Cell:
        total = Cell()
        for stage in STAGES:
            total.add(self.cell(department_id, stage))
        return total

    def stage_total(self, stage: str) -> Cell:
        total = Cell()
        for department in self.departments:
            total.add(self.cell(department.pk, stage))
        return total

    def city_total(self) -> Cell:
        total = Cell()
        for cell in self.cells.values():
            total.add(cell)
        return total

    def escalated(self, department_id: int | None, rung: str) -> int:
        if department_id is None:
            return sum(n for (_dept, r), n in self.escalations.items() if r == rung)
        return self.escalations.get((department_id, rung), 0)


def tracked_departments() -> list[Department]:
    """Departments that own cases or carry out measures, active or with clocks left."""
    kinds = (DepartmentKind.DETERMINING, DepartmentKind.JOINT)
    return list(Department.objects.filter(kind__in=kinds).order_by("kind", "code"))


def build(now: datetime | None = None) -> Dashboard:
    horizon = Horizon.at(now)
    cells: dict[tuple[int, str], Cell] = defaultdict(Cell)
    with serial_reads():
        open_counts(horizon, cells)
        overdue_counts(horizon, cells)
        week_starts = start_of_week(horizon.now)
        escalations = escalations_since(week_starts)
        this_week = Week(week_starts, sum(n for (_d, rung), n in escalations.items() if rung == Rung.BREACH),
                         sum(n for (_d, rung), n in escalations.items() if rung == Rung.LEADERSHIP),
                         sum(cell.overdue for cell in cells.values()), horizon.now)
        board = Dashboard(horizon, tracked_departments(), dict(cells), escalations, week_starts,
                          [*finished_weeks(horizon, week_starts), this_week])
    board.departments.sort(key=lambda department: (-board.department_total(department.pk).overdue,
                                                   department.name))
    return board


def open_counts(horizon: Horizon, cells: dict[tuple[int, str], Cell]) -> None:
    rows = (selection(OPEN, horizon).values("department_id", "step")
            .annotate(open=Count("*"), soon=Count("due_on", filter=soon_filter(horizon)),
                      paused=Count("due_on", filter=Q(state=DeadlineState.PAUSED))))
    for row in rows:
        cell = cells[(row["department_id"], STAGE_OF[row["step"]])]
        cell.open += row["open"]
        cell.soon += row["soon"]
        cell.paused += row["paused"]


def overdue_counts(horizon: Horizon, cells: dict[tuple[int, str], Cell]) -> None:
    buckets = {f"age_{i}": Count("due_on", filter=age_filter(bucket, horizon))
               for i, bucket in enumerate(BUCKETS)}
    rows = (selection(OVERDUE, horizon).values("department_id", "step")
            .annotate(overdue=Count("*"), **buckets))
    for row in rows:
        cell = cells[(row["department_id"], STAGE_OF[row["step"]])]
        cell.overdue += row["overdue"]
        for i, bucket in enumerate(BUCKETS):
            cell.ages[bucket] += row[f"age_{i}"]


def start_of_week(now: datetime) -> datetime:
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    return timezone.make_aware(datetime.combine(monday, datetime.min.time()))


def escalations_since(since: datetime) -> dict[tuple[int | None, str], int]:
    # Every rung named: the index (rung, fired_at) is then three short range scans.
    rows = (Escalation.objects.filter(rung__in=RUNGS, fired_at__gte=since).values("department_id", "rung")
            .annotate(n=Count("*")))
    return {(row["department_id"], row["rung"]): row["n"] for row in rows}


def finished_weeks(horizon: Horizon, this_week: datetime) -> list[Week]:
    """The 11 weeks before this one, from ``TrendWeek``; a week not stored yet is computed and kept."""
    starts = [this_week - timedelta(weeks=back) for back in range(TREND_WEEKS - 1, 0, -1)]
    stored = {row.starts: row for row in TrendWeek.objects.filter(starts__in=starts)}
    if len(stored) < len(starts):
        computed = trend(horizon, this_week)[:-1]
        TrendWeek.objects.bulk_create(
            [TrendWeek(starts=week.starts, overdue_at_end=week.overdue_at_end, breaches=week.breaches,
                       leadership=week.leadership) for week in computed if week.starts not in stored],
            ignore_conflicts=True)
        stored = {row.starts: row for row in TrendWeek.objects.filter(starts__in=starts)}
    return [Week(timezone.localtime(row.starts), row.breaches, row.leadership, row.overdue_at_end,
                 row.computed_at) for row in (stored[start] for start in starts)]


def trend(horizon: Horizon, this_week: datetime) -> list[Week]:
    """All 12 weeks read from the deadlines and escalations (the figures the summary keeps)."""
    starts = [this_week - timedelta(weeks=back) for back in range(TREND_WEEKS - 1, -1, -1)]
    ends = [min(start + timedelta(weeks=1), horizon.now) for start in starts]
    fired = fired_by_week(starts)
    overdue = overdue_at(ends, starts[0])
    return [Week(start, fired.get((start, Rung.BREACH), 0), fired.get((start, Rung.LEADERSHIP), 0),
                 overdue[i], horizon.now) for i, start in enumerate(starts)]


def fired_by_week(starts: list[datetime]) -> dict[tuple[datetime, str], int]:
    """Breaches and 督办 fired in each week: one index-only scan, a filtered count per week and rung."""
    bounds = [*starts[1:], None]
    counts = {f"{rung}_{i}": Count("fired_at", filter=Q(rung=rung, fired_at__gte=start)
                                   & (Q(fired_at__lt=end) if end else Q()))
              for i, (start, end) in enumerate(zip(starts, bounds, strict=True))
              for rung in (Rung.BREACH, Rung.LEADERSHIP)}
    row = Escalation.objects.filter(rung__in=[Rung.BREACH, Rung.LEADERSHIP], fired_at__gte=starts[0]) \
        .aggregate(**counts)
    return {(start, rung): row[f"{rung}_{i}"] for i, start in enumerate(starts)
            for rung in (Rung.BREACH, Rung.LEADERSHIP)}


WEEK_SECONDS = 7 * 24 * 3600
# For each candidate clock, the first and the last moment (0..11: the ends of the 12 weeks, the
# last one being now) at which it was overdue, counted by (first, last): at most 78 groups.
TREND_SQL = """
    SELECT first, last, COUNT(*)::int FROM (
        SELECT LEAST(GREATEST(CEIL(EXTRACT(EPOCH FROM GREATEST(due_at, opened_at) - %s::timestamptz)::float8
                                   / {week}), 0), {last})::int AS first,
               CASE WHEN ended IS NULL THEN {last}
                    ELSE LEAST(CEIL(EXTRACT(EPOCH FROM ended - %s::timestamptz)::float8 / {week}) - 1,
                               {last} - 1) END::int AS last
        FROM (({open_sql}) UNION ALL ({closed_sql})) AS late
    ) AS spans WHERE first <= last GROUP BY first, last
"""


def overdue_at(moments: list[datetime], since: datetime) -> list[int]:
    """How many tracked clocks were overdue at each moment: the ends of the weeks, the last one now.

    A clock paused now is left out (its past pauses are not kept, and ``overdue(now)`` leaves
    it out today). On PostgreSQL: two index-only scans, of ``deadline_open_tracked`` (the open
    clocks: their end is NULL, not read, as the index leaves closed_at out) and a range of
    ``deadline_closed_late`` (those closed late since ``since``), and one aggregate.
    """
    now = moments[-1]
    open_rows = (tracked().filter(closed_at__isnull=True).exclude(state=DeadlineState.PAUSED)
                 .filter(due_at__lte=now)
                 .values("due_at", "opened_at", ended=Cast(Value(None), DateTimeField())))
    closed_rows = (tracked().filter(closed_at__gt=since).filter(closed_at__gt=F("due_at"))
                   .values("due_at", "opened_at", ended=F("closed_at")))
    if connection.vendor != "postgresql":
        return [_overdue_at_portable(open_rows, closed_rows, moment) for moment in moments]
    open_sql, open_params = open_rows.query.sql_with_params()
    closed_sql, closed_params = closed_rows.query.sql_with_params()
    first_end = moments[0]
    query = TREND_SQL.format(open_sql=open_sql, closed_sql=closed_sql, week=WEEK_SECONDS,
                             last=len(moments) - 1)
    with connection.cursor() as cursor:
        cursor.execute(query, [first_end, first_end, *open_params, *closed_params])
        spans = cursor.fetchall()
    counts = [0] * len(moments)
    for first, last, count in spans:
        for index in range(first, last + 1):
            counts[index] += count
    return counts


def _overdue_at_portable(open_rows: QuerySet[Deadline], closed_rows: QuerySet[Deadline],
                         moment: datetime) -> int:
    """The same count, one query per moment (SQLite: the embedded default's small cities)."""
    at_moment = Q(due_at__lte=moment, opened_at__lte=moment)
    return (open_rows.filter(at_moment).count()
            + closed_rows.filter(at_moment, closed_at__gt=moment).count())


__all__ = ["BUCKETS", "RUNGS", "STAGES", "Cell", "Dashboard", "Week", "build", "tracked"]
