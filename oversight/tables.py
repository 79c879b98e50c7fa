"""Every table of the dashboard and the assessment as a header and rows.

The pages, the Excel and CSV exports and the monthly 通报 all render these same rows,
so a number on the page and in the file cannot differ.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from oversight.assessment import Assessment, StepFigures, ranking
from oversight.choices import ASSESSED_STEPS, MEASURE_STEPS, AgeBucket, Stage
from oversight.dashboard import BUCKETS, RUNGS, STAGES, Dashboard
from workflows.choices import Rung, Step
from workflows.models import Deadline


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    header: list[str]
    rows: Callable[[], Iterator[list[Any]]]


def rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def grid(board: Dashboard) -> Table:
    header = [_("Department")] + [f"{Stage(stage).label} {_('overdue')}/{_('open')}" for stage in STAGES]

    def rows() -> Iterator[list[Any]]:
        for department in board.departments:
            cells = [board.cell(department.pk, stage) for stage in STAGES]
            yield [department.name] + [f"{cell.overdue}/{cell.open}" for cell in cells]
        totals = [board.stage_total(stage) for stage in STAGES]
        yield [_("Total")] + [f"{cell.overdue}/{cell.open}" for cell in totals]

    return Table("grid", _("Open and overdue deadlines by department and stage"), header, rows)


def ageing(board: Dashboard) -> Table:
    header = ([_("Department"), _("Open"), _("Overdue")] + [str(AgeBucket(b).label) for b in BUCKETS]
              + [_("Due within 3 working days"), _("Paused")])

    def rows() -> Iterator[list[Any]]:
        for department in board.departments:
            total = board.department_total(department.pk)
            yield ([department.name, total.open, total.overdue] + [total.ages[b] for b in BUCKETS]
                   + [total.soon, total.paused])
        city = board.city_total()
        yield ([_("Total"), city.open, city.overdue] + [city.ages[b] for b in BUCKETS]
               + [city.soon, city.paused])

    return Table("ageing", _("Ageing of the overdue (working days)"), header, rows)


def escalations(board: Dashboard) -> Table:
    header = [_("Department")] + [str(Rung(rung).label) for rung in RUNGS]

    def rows() -> Iterator[list[Any]]:
        for department in board.departments:
            yield [department.name] + [board.escalated(department.pk, rung) for rung in RUNGS]
        yield [_("Total")] + [board.escalated(None, rung) for rung in RUNGS]

    return Table("escalations", _("Escalations this week"), header, rows)


def trend(board: Dashboard) -> Table:
    header = [_("Week from"), _("Overdue at the end of the week"), _("Breaches"),
              _("督办 (leadership office)")]

    def rows() -> Iterator[list[Any]]:
        for week in board.trend:
            yield [week.starts.date().isoformat(), week.overdue_at_end, week.breaches, week.leadership]

    return Table("trend", _("The last 12 weeks"), header, rows)


def clock_list(clocks: QuerySet[Deadline], title: str) -> Table:
    """The clocks behind one number (a drill-down), streamed from the database in chunks."""
    header = [_("Case"), _("Department"), _("Step"), _("State"), _("Started on"), _("Due on")]
    rows_of = clocks.select_related("case", "department").order_by("due_at", "pk")

    def rows() -> Iterator[list[Any]]:
        for clock in rows_of.iterator(chunk_size=2000):
            yield [clock.case.number, clock.department.name if clock.department else "",
                   str(clock.get_step_display()), str(clock.get_state_display()),
                   clock.started_on.isoformat(), clock.due_on.isoformat()]

    return Table("clocks", title, header, rows)


def dashboard_tables(board: Dashboard) -> list[Table]:
    return [grid(board), ageing(board), escalations(board), trend(board)]


def _figures(figures: StepFigures | None) -> list[Any]:
    if figures is None or not figures.closed:
        return [0, None, None, None]
    return [figures.closed, rate(figures.on_time_rate), figures.median_days, figures.p90_days]


def assessment_ranking(items: list[Assessment]) -> Table:
    header = [_("Rank"), _("Department"), _("Closed"), _("On time %"), _("Median working days"),
              _("P90 working days"), _("Objections decided"), _("Upheld %"), _("Repairs answered"),
              _("Repairs within the limit"), _("督办 received"), _("督办 answered"),
              _("Median working days to answer")]

    def rows() -> Iterator[list[Any]]:
        for place, item in ranking(items):
            total, repairs = item.total(), item.repairs
            yield ([place or None, item.department.name] + _figures(total)
                   + [item.objections_decided, rate(item.upheld_rate), repairs.closed, repairs.on_time,
                      item.notes_received, item.notes_answered, item.answer_median_days])

    return Table("ranking", _("Department assessment and ranking"), header, rows)


def assessment_steps(items: list[Assessment]) -> Table:
    header = [_("Department"), _("Step"), _("Closed"), _("On time %"), _("Median working days"),
              _("P90 working days")]

    def rows() -> Iterator[list[Any]]:
        for item in items:
            for step in ASSESSED_STEPS:
                figures = item.steps.get(step)
                if figures is not None and figures.closed:
                    yield [item.department.name, str(Step(step).label)] + _figures(figures)

    return Table("steps", _("On time and handling time per step"), header, rows)


def measure_feedback(items: list[Assessment]) -> Table:
    header = ([_("Joint department")]
              + [str(Step(step).label) + " " + _("on time %") for step in MEASURE_STEPS]
              + [_("Closed"), _("On time %")])

    def rows() -> Iterator[list[Any]]:
        for item in items:
            feedback = item.measure_feedback
            if feedback.closed:
                by_step = [rate(item.group((step,)).on_time_rate) for step in MEASURE_STEPS]
                yield [item.department.name] + by_step + [feedback.closed, rate(feedback.on_time_rate)]

    return Table("measures", _("Measure feedback on time per joint department"), header, rows)


def assessment_tables(items: list[Assessment]) -> list[Table]:
    return [assessment_ranking(items), assessment_steps(items), measure_feedback(items)]
