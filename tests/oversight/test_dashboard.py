"""The dashboard's numbers equal counts made by hand on a small city (plan item 16).

See small_city.py for the clocks and why each is where it is. Every cell of the
department × stage grid, the ageing buckets, the warned-soon counts, this week's
escalations and the trend are checked against hand-computed values; the drill-down
of each number (the cases behind it) selects exactly that many clocks.
"""

from datetime import date

import pytest

from casework.choices import DepartmentKind
from casework.models import Department
from oversight import dashboard
from oversight.choices import Stage
from oversight.clocks import OPEN, OVERDUE, PAUSED, SOON, Horizon, selection
from tests.conftest import Cast
from tests.oversight.small_city import NOW, SmallCity, build

S = Stage
# (department, stage) → (open, overdue, soon, paused); every other cell is all zeros.
EXPECTED_CELLS = {
    ("a", S.OBJECTION): (1, 1, 0, 0),
    ("a", S.RECTIFICATION): (2, 1, 0, 1),
    ("a", S.TALK): (1, 1, 0, 0),
    ("a", S.REPAIR): (2, 1, 1, 0),
    ("b", S.OBJECTION): (1, 0, 0, 0),
    ("b", S.DETERMINATION): (1, 0, 1, 0),
    ("joint", S.MEASURE): (2, 1, 1, 0),
}
EXPECTED_AGES = {"a": {"1-2": 1, "3-5": 1, "6-10": 1, "10+": 1},
                 "b": {"1-2": 0, "3-5": 0, "6-10": 0, "10+": 0},
                 "joint": {"1-2": 1, "3-5": 0, "6-10": 0, "10+": 0}}


@pytest.fixture
def city(cast: Cast) -> SmallCity:
    return build(cast)


@pytest.mark.django_db
def test_horizon_counts_working_days_back_from_today() -> None:
    horizon = Horizon.at(NOW)
    assert horizon.today == date(2026, 6, 10)
    assert horizon.soon_until == date(2026, 6, 12)
    assert horizon.age_ranges == {
        "1-2": (date(2026, 6, 8), None),
        "3-5": (date(2026, 6, 3), date(2026, 6, 7)),
        "6-10": (date(2026, 5, 27), date(2026, 6, 2)),
        "10+": (None, date(2026, 5, 26)),
    }


@pytest.mark.django_db
def test_every_cell_of_the_grid_matches_the_hand_count(city: SmallCity) -> None:
    board = dashboard.build(NOW)
    departments = {"a": city.a, "b": city.b, "joint": city.joint}
    for key, department in departments.items():
        for stage in dashboard.STAGES:
            cell = board.cell(department.pk, stage)
            expected = EXPECTED_CELLS.get((key, stage), (0, 0, 0, 0))
            assert (cell.open, cell.overdue, cell.soon, cell.paused) == expected, (key, stage)
        assert board.department_total(department.pk).ages == EXPECTED_AGES[key], key
    assert city.b in board.departments  # the department with nothing overdue is a row of zeros
    assert board.department_total(city.b.pk).overdue == 0


@pytest.mark.django_db
def test_departments_are_ordered_by_overdue_count_then_name(city: SmallCity) -> None:
    # Nothing overdue either: after 市生态环境局 by code, before it by name (应 U+5E94 < 生 U+751F).
    Department.objects.create(code="yjj", name="市应急管理局", kind=DepartmentKind.DETERMINING)
    board = dashboard.build(NOW)
    rows = [(department.code, board.department_total(department.pk).overdue)
            for department in board.departments]
    assert rows == [(city.a.code, 4), (city.joint.code, 1), ("yjj", 0), (city.b.code, 0)]


@pytest.mark.django_db
def test_a_clock_paused_by_an_objection_is_open_but_not_overdue(city: SmallCity) -> None:
    horizon = Horizon.at(NOW)
    paused = city.clocks["a_period_paused"]
    assert paused.due_on < horizon.today
    assert selection(OPEN, horizon).filter(pk=paused.pk).exists()
    assert selection(PAUSED, horizon).filter(pk=paused.pk).exists()
    assert not selection(OVERDUE, horizon).filter(pk=paused.pk).exists()


@pytest.mark.django_db
def test_a_clock_past_due_before_the_sweep_ran_is_overdue(city: SmallCity) -> None:
    # Still "running": the sweep has not marked it breached yet; it is overdue all the same.
    assert selection(OVERDUE, Horizon.at(NOW)).filter(pk=city.clocks["a_verify_3"].pk).exists()


@pytest.mark.django_db
def test_publication_periods_are_not_tracked(city: SmallCity) -> None:
    horizon = Horizon.at(NOW)
    assert not selection(OPEN, horizon).filter(pk=city.clocks["a_publication"].pk).exists()


@pytest.mark.django_db
def test_totals_by_stage_and_city(city: SmallCity) -> None:
    board = dashboard.build(NOW)
    total = board.city_total()
    assert (total.open, total.overdue, total.soon, total.paused) == (10, 5, 3, 1)
    assert total.ages == {"1-2": 2, "3-5": 1, "6-10": 1, "10+": 1}
    assert board.stage_total(S.OBJECTION).open == 2
    assert board.stage_total(S.MEASURE).overdue == 1


@pytest.mark.django_db
def test_each_number_drills_down_to_exactly_its_clocks(city: SmallCity) -> None:
    board, horizon = dashboard.build(NOW), Horizon.at(NOW)
    for department in (city.a, city.b, city.joint):
        for stage in dashboard.STAGES:
            cell = board.cell(department.pk, stage)
            counts = {status: selection(status, horizon, stage=stage, department_id=department.pk).count()
                      for status in (OPEN, OVERDUE, SOON, PAUSED)}
            assert counts == {OPEN: cell.open, OVERDUE: cell.overdue, SOON: cell.soon, PAUSED: cell.paused}
        for bucket, n in board.department_total(department.pk).ages.items():
            assert selection(OVERDUE, horizon, department_id=department.pk, age=bucket).count() == n


@pytest.mark.django_db
def test_escalations_this_week_by_rung(city: SmallCity) -> None:
    board = dashboard.build(NOW)
    assert board.week_starts.date() == date(2026, 6, 8)
    assert {rung: board.escalated(city.a.pk, rung) for rung in dashboard.RUNGS} == {
        "warning": 1, "breach": 1, "leadership": 0}
    assert {rung: board.escalated(city.joint.pk, rung) for rung in dashboard.RUNGS} == {
        "warning": 0, "breach": 1, "leadership": 0}
    assert board.escalated(None, "breach") == 2


@pytest.mark.django_db
def test_trend_of_twelve_weeks(city: SmallCity) -> None:
    weeks = dashboard.build(NOW).trend
    assert len(weeks) == 12
    assert weeks[-1].starts.date() == date(2026, 6, 8) and weeks[0].starts.date() == date(2026, 3, 23)
    # this week: the 5 overdue now; the week before ended Monday 06-08 00:00 with 4 overdue
    # (verify due 06-05, schedule 06-01, answer 05-20, and objection_decide due 06-02, closed
    # late on 06-09); three weeks back (ends 05-25 00:00): only the answer due 05-20.
    assert [week.overdue_at_end for week in weeks[-4:]] == [1, 1, 4, 5]
    assert [(week.breaches, week.leadership) for week in weeks[-4:]] == [(1, 1), (0, 0), (1, 1), (2, 0)]


@pytest.mark.django_db
def test_finished_weeks_are_kept_as_first_computed_and_this_week_is_live(city: SmallCity) -> None:
    from oversight.models import TrendWeek

    first = dashboard.build(NOW).trend
    assert TrendWeek.objects.count() == 11
    # Two clocks that were overdue at the end of last week go (one closed late, one still
    # open): the finished week keeps its 4, this week (live) drops from 5 to 4.
    city.clocks["a_decide_late"].delete()
    city.clocks["a_verify_3"].delete()
    again = dashboard.build(NOW).trend
    assert [week.overdue_at_end for week in again[-2:]] == [4, 4]
    assert [week.computed_at for week in again[:-1]] == [week.computed_at for week in first[:-1]]
    assert again[-1].computed_at == NOW


@pytest.mark.django_db
def test_the_trend_reads_open_clocks_from_open_tracked_and_closed_late_ones_from_closed_late(
        city: SmallCity) -> None:
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        dashboard.overdue_at([NOW - timedelta(days=7), NOW], NOW - timedelta(days=14))
    [trend_sql] = [query["sql"] for query in captured if "UNION ALL" in query["sql"]]
    with connection.cursor() as cursor:
        # The test database is tiny and the planner takes any index or a table scan: leave it
        # the two indexes (the DROPs are rolled back with the test's transaction) and no table
        # scan, to show that each part of the query is answered by its index alone.
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'workflows_deadline' "
                       "AND indexname NOT IN ('deadline_open_tracked', 'deadline_closed_late') "
                       "AND indexname NOT LIKE '%%pkey'")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("ANALYZE workflows_deadline")
        cursor.execute(f"EXPLAIN {trend_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Index-only: the sweep's rows (open clocks) are in deadline_open_tracked, not in the
    # late index, and every column the trend reads is in the index it scans.
    assert "Index Only Scan using deadline_open_tracked" in plan, plan
    assert "Index Only Scan using deadline_closed_late" in plan, plan
    assert "Seq Scan" not in plan, plan
