"""The department assessment for June 2026 equals the hand computation (plan item 19).

Handling time is the working days from a clock's start to the day it closed, less
its paused working days; on time means closed by the due time. See small_city.py.
"""

import pytest

from oversight.assessment import Period, assess, percentile, ranking
from tests.conftest import Cast
from tests.oversight.small_city import SmallCity, build

JUNE = Period.month(2026, 6)


@pytest.fixture
def city(cast: Cast) -> SmallCity:
    return build(cast)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([2, 4], 0.9) == 4.0
    assert percentile(list(range(1, 11)), 0.9) == 9.0
    assert percentile([7], 0.9) == 7.0
    assert percentile([], 0.9) is None


@pytest.mark.django_db
def test_on_time_rate_and_handling_time_per_step(city: SmallCity) -> None:
    [a] = assess([city.a], JUNE)
    figures = {step: (f.closed, f.on_time, f.median_days, f.p90_days) for step, f in a.steps.items()}
    assert figures == {
        # on time 06-03 after 2 working days; late 06-05 after 4
        "objection_accept": (2, 1, 3.0, 4.0),
        # started 05-26, closed 06-09: 10 working days, due 06-02
        "objection_decide": (1, 0, 10.0, 10.0),
        "talk_record": (1, 1, 1.0, 1.0),
        # 5 working days elapsed, 2 of them paused
        "repair_decide": (1, 1, 3.0, 3.0),
    }  # the cancelled clock, the one closed in May and the subject's window do not count
    total = a.total()
    assert (total.closed, total.on_time, total.on_time_rate) == (5, 3, 0.6)


@pytest.mark.django_db
def test_objections_upheld_rate_counts_decisions_in_the_period(city: SmallCity) -> None:
    [a] = assess([city.a], JUNE)
    assert (a.objections_decided, a.objections_upheld) == (3, 1)
    assert a.upheld_rate == pytest.approx(1 / 3)


@pytest.mark.django_db
def test_escalation_notes_received_and_answered(city: SmallCity) -> None:
    [a] = assess([city.a], JUNE)
    # one note answered two working days later (06-03 → 06-05), one waiting
    assert (a.notes_received, a.notes_answered, a.answer_median_days) == (2, 1, 2.0)


@pytest.mark.django_db
def test_measure_feedback_on_time_per_joint_department(city: SmallCity) -> None:
    [joint] = assess([city.joint], JUNE)
    feedback = joint.measure_feedback
    assert (feedback.closed, feedback.on_time, feedback.on_time_rate) == (2, 1, 0.5)


@pytest.mark.django_db
def test_repairs_decided_within_the_limit(city: SmallCity) -> None:
    [a] = assess([city.a], JUNE)
    assert (a.repairs.closed, a.repairs.on_time) == (0, 0)  # the only answer clock was cancelled


@pytest.mark.django_db
def test_ranking_by_on_time_rate_with_the_idle_department_unranked(city: SmallCity) -> None:
    ranked = ranking(assess([city.b, city.joint, city.a], JUNE))
    assert [(place, item.department.code) for place, item in ranked] == [
        (1, city.a.code), (2, city.joint.code), (0, city.b.code)]
