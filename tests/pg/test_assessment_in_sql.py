"""On PostgreSQL the assessment's step figures come from one aggregate query; they equal the per-row ones.

``oversight.assessment.sql_step_figures`` counts working days in SQL (the calendar's rows over
Monday to Friday) and the clocks per handling time, the median and p90 read off that
histogram; ``step_figures`` over
``closed_clocks`` does the same in Python and serves the other databases. Clocks at seeded
random dates over April to June 2026 cross the 劳动节 holiday, its make-up working days and
weekends, with paused days and late closes.
"""

import random
from datetime import timedelta

import pytest

from oversight.assessment import (
    ALL,
    MEASURES,
    Assessment,
    Period,
    assess,
    closed_clocks,
    sql_step_figures,
    step_figures,
)
from oversight.choices import ASSESSED_STEPS, MEASURE_STEPS
from tests.conftest import Cast
from tests.oversight.small_city import SmallCity, at, build, clock
from workflows.calendar import is_working_day
from workflows.choices import DeadlineState
from workflows.models import CalendarDay

MONTHS = [Period.month(2026, month) for month in (4, 5, 6)]


@pytest.fixture
def city(cast: Cast) -> SmallCity:
    city = build(cast)
    rng = random.Random(20260501)
    steps = sorted(ASSESSED_STEPS)
    for number in range(300):
        started = Period.month(2026, 4).starts + timedelta(days=rng.randrange(80))
        closed = started + timedelta(days=rng.randrange(0, 25))
        due = started + timedelta(days=rng.randrange(1, 15))
        department = rng.choice([city.a, city.b, city.joint])
        clock(city.case_a, steps[number % len(steps)], department, started=f"{started:%m-%d}",
              due=f"{due:%m-%d}", state=rng.choice([DeadlineState.MET, DeadlineState.BREACHED]),
              closed=at(closed, rng.randrange(24)), paused_days=rng.choice([0, 0, 0, 1, 3]))
    return city


def as_python(department_ids: list[int], period: Period) -> list[Assessment]:
    steps = step_figures(closed_clocks(department_ids, period))
    return [Assessment(None, period, steps.get(pk, {}), 0, 0, 0, 0, [])  # type: ignore[arg-type]
            for pk in department_ids]


def figures(item: Assessment) -> dict[str, tuple[int, int, float | None, float | None]]:
    found = {step: item.group((step,)) for step in ASSESSED_STEPS}
    found[ALL], found[MEASURES] = item.total(), item.group(tuple(MEASURE_STEPS))
    return {key: (f.closed, f.on_time, f.median_days, f.p90_days) for key, f in found.items()}


@pytest.mark.django_db
def test_the_sql_figures_equal_the_per_row_figures_for_every_department_and_month(city: SmallCity) -> None:
    # The span holds a holiday and a make-up working day, or the test would not check the calendar.
    span = CalendarDay.objects.filter(jurisdiction="", date__range=(MONTHS[0].starts, MONTHS[-1].ends))
    assert {"holiday", "makeup_workday"} <= set(span.values_list("kind", flat=True))
    assert not is_working_day(span.filter(kind="holiday").first().date)  # type: ignore[union-attr]

    departments = [city.a, city.b, city.joint]
    ids = [department.pk for department in departments]
    compared = 0
    for period in MONTHS:
        in_sql = assess(departments, period)
        assert all(item.groups for item in in_sql if item.steps)  # the PostgreSQL path ran
        for sql_item, python_item in zip(in_sql, as_python(ids, period), strict=True):
            assert figures(sql_item) == figures(python_item), (sql_item.department.code, period.label)
            compared += sql_item.total().closed
    assert compared >= 250  # nearly every clock closed in one of the three months


@pytest.mark.django_db
def test_a_department_with_nothing_closed_has_no_figures(city: SmallCity) -> None:
    steps, groups = sql_step_figures([city.b.pk], Period.month(2025, 1))
    assert (dict(steps), dict(groups)) == ({}, {})
    [item] = assess([city.b], Period.month(2025, 1))
    assert (item.total().closed, item.total().median_days, item.measure_feedback.p90_days) == (0, None, None)
