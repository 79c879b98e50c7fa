"""The sweep applies a rule-set boundary once, when its day is reached (从旧兼从轻).

On the real PostgreSQL: the boundary rows are claimed with FOR UPDATE SKIP LOCKED, so two
sweepers at a boundary apply it once between them.
"""

from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from casework.models import Case
from tests.conftest import Cast
from tests.pg.concurrency import run_together
from workflows import boundaries
from workflows.boundaries import apply_reached_boundaries
from workflows.choices import Step, TimelineKind
from workflows.models import Deadline, DeadlineEvent, RuleSetBoundary
from workflows.sweep import SweepResult, sweep

# The package's reference data (policies, calendar) is loaded for marked tests (tests/pg/conftest.py).
pytestmark = pytest.mark.django_db

RULES_22 = date(2025, 6, 22)  # 国办发〔2025〕22号 in force: a general record 12 months at most
RULES_36 = date(2026, 4, 1)  # 国家发展改革委令第36号 in force: a serious record 12 months at least


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def sweep_at(moment: datetime) -> SweepResult:
    with time_machine.travel(moment, tick=False):
        return sweep()


def clock(case: Case, step: str) -> Deadline:
    return Deadline.objects.get(case=case, step=step, closed_at__isnull=True)


def recomputed(case: Case) -> int:
    return DeadlineEvent.objects.filter(deadline__case=case, kind=TimelineKind.RECOMPUTED).count()


def general_case_under_the_2023_rules(cast: Cast) -> Case:
    with time_machine.travel(at(date(2025, 3, 3)), tick=False):
        case = cast.listed_case(dishonesty_class="general")
    case.refresh_from_db()
    assert case.listed_until == date(2028, 3, 3)  # 国家发展改革委令第58号: 3 years at most
    return case


def test_reaching_a_boundary_moves_the_running_clocks_once(cast: Cast) -> None:
    case = general_case_under_the_2023_rules(cast)

    before = sweep_at(at(date(2025, 6, 21)))
    assert before.moved == 0
    assert not RuleSetBoundary.objects.filter(effective_on=RULES_22).exists()
    applied = set(RuleSetBoundary.objects.filter(applied_at__isnull=False)
                  .values_list("effective_on", flat=True))
    assert date(2023, 5, 1) in applied and all(day <= date(2025, 6, 21) for day in applied)
    case.refresh_from_db()
    assert case.listed_until == date(2028, 3, 3)

    reached = sweep_at(at(date(2025, 6, 23)))
    assert reached.moved == 1  # the maximum; the 3-month minimum is the same under 22号
    case.refresh_from_db()
    assert case.listed_until == date(2026, 3, 3)
    maximum = clock(case, Step.PUBLICATION_MAX)
    assert maximum.due_on == date(2026, 3, 3) and maximum.policy.effective_from == RULES_22
    assert case.audit_events.filter(action="deadline_recomputed").count() == 1
    boundary = RuleSetBoundary.objects.get(effective_on=RULES_22)
    assert boundary.applied_at == at(date(2025, 6, 23)) and boundary.moved == 1

    events = recomputed(case)
    again = sweep_at(at(date(2025, 6, 23), 12))
    assert again.moved == 0
    assert recomputed(case) == events
    assert case.audit_events.filter(action="deadline_recomputed").count() == 1
    assert RuleSetBoundary.objects.filter(effective_on=RULES_22).count() == 1


def test_a_heavier_newer_rule_reached_moves_nothing(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        serious = cast.listed_case()
    serious.refresh_from_db()
    assert serious.publication_min_until == date(2026, 6, 2)  # 3 months until 第36号 applies
    sweep_at(at(date(2026, 3, 31)))
    result = sweep_at(at(date(2026, 4, 2)))
    assert result.moved == 0
    assert RuleSetBoundary.objects.get(effective_on=RULES_36).applied_at == at(date(2026, 4, 2))
    serious.refresh_from_db()
    assert serious.publication_min_until == date(2026, 6, 2)  # the newer 1-year minimum is heavier
    assert recomputed(serious) == 0


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_a_boundary_apply_it_once(cast: Cast) -> None:
    case = general_case_under_the_2023_rules(cast)
    with time_machine.travel(at(date(2025, 6, 23)), tick=False):
        outcomes = run_together(2, lambda _index: apply_reached_boundaries(timezone.now()))
    assert sorted(outcomes) == [0, 1], outcomes
    case.refresh_from_db()
    assert case.listed_until == date(2026, 3, 3)
    assert recomputed(case) == 1
    assert not RuleSetBoundary.objects.filter(applied_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_boundary_over_more_clocks_than_a_batch_moves_them_batch_by_batch_and_resumes(
        cast: Cast, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bounded batches, each its own transaction; a pass stopped half-way resumes, moving each clock once."""
    cases = [general_case_under_the_2023_rules(cast) for _ in range(5)]
    sweep_at(at(date(2025, 6, 21)))  # the boundaries before 22号, applied
    walked = boundaries.running_clocks().count()
    size = 2
    assert walked > 2 * size  # more clocks than two batches
    settings.SLA_BOUNDARY_BATCH_SIZE = size

    real = boundaries.move_clocks
    batches: list[tuple[int, bool, int]] = []  # (transaction id, in a transaction, clocks)
    stop_at = [2]

    def recorded(ids: list[int]) -> tuple[int, int]:
        batches.append((_transaction_id(), connection.in_atomic_block, len(ids)))
        if len(batches) in stop_at:
            raise RuntimeError("the sweeper stopped half-way")
        return real(ids)

    monkeypatch.setattr(boundaries, "move_clocks", recorded)
    with pytest.raises(RuntimeError):
        sweep_at(at(date(2025, 6, 23)))
    boundary = RuleSetBoundary.objects.get(effective_on=RULES_22)
    assert boundary.applied_at is None  # not finished …
    assert boundary.resume_after > 0  # … but the first batch is kept
    moved_first = boundary.moved
    assert sum(1 for case in cases if recomputed(case)) == moved_first

    stop_at.clear()
    resumed = sweep_at(at(date(2025, 6, 23)))
    assert resumed.moved == len(cases) - moved_first
    transactions = [batch[0] for batch in batches]
    assert len(set(transactions)) == len(transactions) >= 3  # several transactions
    assert all(in_atomic for _, in_atomic, _ in batches)
    assert all(count <= size for _, _, count in batches)
    # The stopped batch's clocks were walked again; none walked twice otherwise.
    assert sum(count for _, _, count in batches) - batches[1][2] == walked
    for case in cases:
        case.refresh_from_db()
        assert case.listed_until == date(2026, 3, 3)
        assert recomputed(case) == 1
    boundary.refresh_from_db()
    assert boundary.applied_at == at(date(2025, 6, 23)) and boundary.moved == len(cases)

    before = [recomputed(case) for case in cases]
    again = sweep_at(at(date(2025, 6, 23), 12))
    assert again.moved == 0
    assert [recomputed(case) for case in cases] == before


def _transaction_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return int(cursor.fetchone()[0])
