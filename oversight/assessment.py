"""The department assessment (绩效考核, plan item 19): how each department kept its limits in a period.

Per department and period (a month by default; the period's end is exclusive):

* on-time rate per step — of its own clocks closed in the period (met, or closed after
  a breach; cancelled ones are left out), the share closed by the due time;
* median and p90 handling time per step in working days — working days from the
  clock's start to the day it closed, less the working days it was paused;
* objections upheld — of the objections on its cases decided in the period, the
  share upheld (the record was wrong);
* repairs decided within the limit — its repair answers closed in the period, and how
  many by the due time (国办发〔2025〕22号: the end-to-end answer);
* measure feedback on time — a joint department's acknowledgements, reports and
  termination confirmations (plan items 8, 9);
* 督办 received and answered — the 督办意见 addressed to it in the period, how many it
  answered, and the median working days to the answer.

The ranking orders the departments by on-time rate over all their steps (more closed
clocks first on a tie). Clocks are read through ``deadline_closed_assessed``, a partial
covering index on (department, closed_at) over the assessed steps' closed clocks.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from casework.models import Department, EscalationNote, Objection
from oversight.choices import ASSESSED_STEPS, MEASURE_STEPS
from oversight.clocks import serial_reads
from workflows.calendar import is_working_day
from workflows.choices import DeadlineState, Step
from workflows.models import Deadline
from workflows.objection import ObjectionState


@dataclass(frozen=True)
class Period:
    starts: date
    ends: date  # exclusive

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        ends = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), ends)

    @property
    def label(self) -> str:
        return f"{self.starts:%Y-%m}"

    def bounds(self) -> tuple[datetime, datetime]:
        return (timezone.make_aware(datetime.combine(self.starts, datetime.min.time())),
                timezone.make_aware(datetime.combine(self.ends, datetime.min.time())))


@dataclass
class StepFigures:
    """Closed clocks of a step (or a group of steps), on time, and their handling times.

    Either the handling times themselves (``handling``: the per-row computation) or their
    median and p90 read off the histogram PostgreSQL counted (``aggregated``, see ``SQL_HISTOGRAM``).
    """

    step: str
    closed: int = 0
    on_time: int = 0
    handling: list[int] = field(default_factory=list)
    aggregated: tuple[float | None, float | None] | None = None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None

    @property
    def median_days(self) -> float | None:
        if self.aggregated is not None:
            return self.aggregated[0]
        return float(median(self.handling)) if self.handling else None

    @property
    def p90_days(self) -> float | None:
        if self.aggregated is not None:
            return self.aggregated[1]
        return percentile(self.handling, 0.9)


@dataclass
class Assessment:
    department: Department
    period: Period
    steps: dict[str, StepFigures]
    objections_decided: int
    objections_upheld: int
    notes_received: int
    notes_answered: int
    answer_days: list[int]
    # The figures over all steps (ALL) and over the measure steps (MEASURES) when the database
    # computed them (``sql_step_figures``); else they are merged from the steps' handling times.
    groups: dict[str, StepFigures] = field(default_factory=dict)

    def total(self) -> StepFigures:
        if self.groups:
            return self.groups.get(ALL) or StepFigures("all")
        return self._merged("all", tuple(self.steps))

    def group(self, steps: tuple[str, ...]) -> StepFigures:
        if self.groups and len(steps) > 1:
            if tuple(steps) != tuple(MEASURE_STEPS):
                raise ValueError(f"no figures computed for the steps {steps}")
            return self.groups.get(MEASURES) or StepFigures(",".join(steps))
        if len(steps) == 1:
            return self.steps.get(steps[0]) or StepFigures(steps[0])
        return self._merged(",".join(steps), steps)

    def _merged(self, name: str, steps: tuple[str, ...]) -> StepFigures:
        total = StepFigures(name)
        for step in steps:
            figures = self.steps.get(step)
            if figures:
                total.closed += figures.closed
                total.on_time += figures.on_time
                total.handling += figures.handling
        return total

    @property
    def upheld_rate(self) -> float | None:
        return self.objections_upheld / self.objections_decided if self.objections_decided else None

    @property
    def repairs(self) -> StepFigures:
        return self.group((Step.REPAIR_ANSWER,))

    @property
    def measure_feedback(self) -> StepFigures:
        return self.group(MEASURE_STEPS)

    @property
    def answer_median_days(self) -> float | None:
        return float(median(self.answer_days)) if self.answer_days else None


def percentile(values: list[int], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``share`` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(share * 100) * len(ordered) // 100))
    return float(ordered[rank - 1])


class WorkingDayCounter:
    """Working days in (first, last], by a running count over the span (one calendar lookup a day)."""

    def __init__(self) -> None:
        self.first: date | None = None
        self.counts: list[int] = []

    def _cover(self, first: date, last: date) -> None:
        if self.first is not None and first >= self.first and (last - self.first).days < len(self.counts):
            return
        first = min(first, self.first or first)
        last = max(last, self.first + timedelta(days=len(self.counts) - 1) if self.first else last)
        counts, running = [], 0
        for offset in range((last - first).days + 1):
            running += is_working_day(first + timedelta(days=offset))
            counts.append(running)
        self.first, self.counts = first, counts

    def between(self, first: date, last: date) -> int:
        if last <= first:
            return 0
        self._cover(first, last)
        assert self.first is not None
        return self.counts[(last - self.first).days] - self.counts[(first - self.first).days]


def closed_clocks(department_ids: list[int], period: Period) -> list[dict[str, object]]:
    """The assessed clocks the departments closed in the period (index ``deadline_closed_assessed``)."""
    starts, ends = period.bounds()
    return list(
        Deadline.objects.filter(department_id__in=department_ids, step__in=ASSESSED_STEPS,
                                closed_at__isnull=False, closed_at__gte=starts, closed_at__lt=ends)
        .filter(state__in=[DeadlineState.MET, DeadlineState.BREACHED])
        .values("department_id", "step", "started_on", "closed_at", "due_at", "paused_days")
    )


def step_figures(rows: list[dict[str, object]]) -> dict[int, dict[str, StepFigures]]:
    counter = WorkingDayCounter()
    figures: dict[int, dict[str, StepFigures]] = defaultdict(dict)
    for row in rows:
        step = str(row["step"])
        cell = figures[row["department_id"]].setdefault(step, StepFigures(step))  # type: ignore[index]
        closed_at, due_at = row["closed_at"], row["due_at"]
        cell.closed += 1
        cell.on_time += closed_at <= due_at  # type: ignore[operator]
        elapsed = counter.between(row["started_on"], timezone.localdate(closed_at))  # type: ignore[arg-type]
        cell.handling.append(max(elapsed - int(row["paused_days"]), 0))  # type: ignore[call-overload]
    return figures


ALL, MEASURES = "all", "measures"
# The closed clocks of ``closed_clocks`` counted by PostgreSQL per department, step and handling
# days: the days by a running count of working days over the clocks' span (the national
# calendar rows over Monday to Friday, as workflows.calendar.is_working_day), less the paused
# days. Handling days are small integers, so the rows are few; the medians and p90s are read
# off these histograms (``histogram_figures``), exactly as ``StepFigures`` computes them from
# the list of days. (percentile_cont/percentile_disc per grouping set cost four times as much.)
SQL_HISTOGRAM = """
WITH clocks AS (
    SELECT department_id, step, started_on, (closed_at AT TIME ZONE %(zone)s)::date AS closed_on,
           closed_at <= due_at AS on_time, paused_days
    FROM workflows_deadline
    WHERE department_id = ANY(%(ids)s) AND step = ANY(%(steps)s) AND closed_at IS NOT NULL
      AND closed_at >= %(starts)s AND closed_at < %(ends)s AND state = ANY(%(states)s)
), days AS (
    SELECT span.day::date AS day,
           sum(CASE WHEN c.kind IS NULL THEN (extract(isodow FROM span.day) < 6)::int
                    ELSE (c.kind = 'makeup_workday')::int END) OVER (ORDER BY span.day) AS running
    FROM generate_series((SELECT min(least(started_on, closed_on)) FROM clocks),
                         (SELECT max(greatest(started_on, closed_on)) FROM clocks),
                         interval '1 day') AS span(day)
    LEFT JOIN workflows_calendarday c ON c.date = span.day::date AND c.jurisdiction = ''
)
SELECT k.department_id, k.step,
       greatest(CASE WHEN k.closed_on > k.started_on THEN e.running - s.running ELSE 0 END
                - k.paused_days, 0) AS handling,
       count(*), count(*) FILTER (WHERE k.on_time)
FROM clocks k JOIN days s ON s.day = k.started_on JOIN days e ON e.day = k.closed_on
GROUP BY 1, 2, 3
"""


@dataclass
class Histogram:
    """Closed clocks by handling days, and how many were on time."""

    days: dict[int, int] = field(default_factory=dict)
    on_time: int = 0

    def add(self, handling: int, closed: int, on_time: int) -> None:
        self.days[handling] = self.days.get(handling, 0) + closed
        self.on_time += on_time

    def merge(self, other: "Histogram") -> None:
        for handling, closed in other.days.items():
            self.add(handling, closed, 0)
        self.on_time += other.on_time

    def figures(self, step: str) -> StepFigures:
        closed = sum(self.days.values())
        return StepFigures(step, closed, self.on_time, aggregated=(self.median(closed), self.p90(closed)))

    def _value_at(self, index: int) -> int:
        """The ``index``-th smallest handling time (0-based)."""
        seen = 0
        for handling in sorted(self.days):
            seen += self.days[handling]
            if index < seen:
                return handling
        raise IndexError(index)

    def median(self, closed: int) -> float | None:
        if not closed:
            return None
        if closed % 2:
            return float(self._value_at(closed // 2))
        return (self._value_at(closed // 2 - 1) + self._value_at(closed // 2)) / 2

    def p90(self, closed: int) -> float | None:
        if not closed:
            return None
        return float(self._value_at(max(1, -(-90 * closed // 100)) - 1))  # nearest rank, as percentile


def sql_step_figures(department_ids: list[int], period: Period
                     ) -> tuple[dict[int, dict[str, StepFigures]], dict[int, dict[str, StepFigures]]]:
    """(per department: per step, per department: ALL and MEASURES) from one query (PostgreSQL)."""
    starts, ends = period.bounds()
    params = {"ids": department_ids, "steps": [str(step) for step in ASSESSED_STEPS], "starts": starts,
              "ends": ends, "states": [DeadlineState.MET.value, DeadlineState.BREACHED.value],
              "zone": timezone.get_current_timezone_name()}
    histograms: dict[int, dict[str, Histogram]] = defaultdict(lambda: defaultdict(Histogram))
    with connection.cursor() as cursor:
        cursor.execute(SQL_HISTOGRAM, params)
        for department_id, step, handling, closed, on_time in cursor.fetchall():
            histograms[department_id][step].add(handling, closed, on_time)
    steps: dict[int, dict[str, StepFigures]] = {}
    groups: dict[int, dict[str, StepFigures]] = {}
    for department_id, by_step in histograms.items():
        every, measures = Histogram(), Histogram()
        for step, histogram in by_step.items():
            every.merge(histogram)
            if step in MEASURE_STEPS:
                measures.merge(histogram)
        steps[department_id] = {step: histogram.figures(step) for step, histogram in by_step.items()}
        groups[department_id] = {ALL: every.figures(ALL)}
        if measures.days:
            groups[department_id][MEASURES] = measures.figures(MEASURES)
    return steps, groups


def objection_counts(department_ids: list[int], period: Period) -> dict[int, tuple[int, int]]:
    starts, ends = period.bounds()
    rows = (Objection.objects.filter(decided_at__gte=starts, decided_at__lt=ends,
                                     case__owner_department_id__in=department_ids,
                                     state__in=[ObjectionState.UPHELD, ObjectionState.DISMISSED])
            .values("case__owner_department_id")
            .annotate(decided=Count("*"), upheld=Count("pk", filter=Q(state=ObjectionState.UPHELD))))
    return {row["case__owner_department_id"]: (row["decided"], row["upheld"]) for row in rows}


def note_figures(department_ids: list[int], period: Period) -> dict[int, tuple[int, int, list[int]]]:
    starts, ends = period.bounds()
    counter = WorkingDayCounter()
    notes = (EscalationNote.objects.filter(addressee_id__in=department_ids, created_at__gte=starts,
                                           created_at__lt=ends)
             .values("addressee_id", "created_at", answered_at=F("answer__created_at")))
    figures: dict[int, tuple[int, int, list[int]]] = {}
    for note in notes:
        received, answered, days = figures.get(note["addressee_id"], (0, 0, []))
        if note["answered_at"] is not None:
            answered += 1
            days.append(counter.between(timezone.localdate(note["created_at"]),
                                        timezone.localdate(note["answered_at"])))
        figures[note["addressee_id"]] = (received + 1, answered, days)
    return figures


def assess(departments: list[Department], period: Period) -> list[Assessment]:
    """The assessment of each department for the period, in the order given."""
    ids = [department.pk for department in departments]
    groups: dict[int, dict[str, StepFigures]] = {}
    with serial_reads():
        if connection.vendor == "postgresql":
            steps, groups = sql_step_figures(ids, period)
        else:
            steps = step_figures(closed_clocks(ids, period))
        objections = objection_counts(ids, period)
        notes = note_figures(ids, period)
    return [Assessment(department, period, steps.get(department.pk, {}),
                       *objections.get(department.pk, (0, 0)), *notes.get(department.pk, (0, 0, [])),
                       groups=groups.get(department.pk, {}))
            for department in departments]


def ranking(assessments: list[Assessment]) -> list[tuple[int, Assessment]]:
    """Rank by on-time rate over all steps; departments with nothing closed come last, unranked (0)."""
    scored = [a for a in assessments if a.total().closed]
    scored.sort(key=lambda a: (-(a.total().on_time_rate or 0.0), -a.total().closed, a.department.code))
    unranked = [a for a in assessments if not a.total().closed]
    return [(place, a) for place, a in enumerate(scored, start=1)] + [(0, a) for a in unranked]
