"""An idempotency key applies a transition once; a repeat replays the first result."""

from dataclasses import replace
from typing import Any

import pytest

from casework import services
from casework.exceptions import IdempotencyKeyReused
from casework.models import AuditEvent, Case, IdempotencyRecord, MeasureTask
from casework.services.engine import TransitionResult
from tests.conftest import Cast
from tests.pg.concurrency import run_together

KEY = "determine-2024-0001"
CLIENTS = 20

# The case chain from draft to listing: the notice and the decision each issue a document.
DRAFT_TO_LISTING = ["created", "notify", "documents_issued", "determine", "created", "documents_issued"]


def actions_of(case: Case) -> list[str]:
    return list(AuditEvent.objects.filter(case=case).order_by("seq").values_list("action", flat=True))


def state_of(case: Case) -> tuple[str, int, list[str], int]:
    case.refresh_from_db()
    return case.state, case.version, actions_of(case), MeasureTask.objects.filter(case=case).count()


@pytest.mark.django_db
def test_same_key_twice_replays_the_first_result_and_writes_once(cast: Cast) -> None:
    case = cast.notified_case()

    first = services.advance(case, "determine", cast.reviewer, idempotency_key=KEY)
    second = services.advance(case, "determine", cast.reviewer, idempotency_key=KEY)

    assert not first.replayed
    assert second == replace(first, replayed=True)
    assert state_of(case) == ("listed", first.version, DRAFT_TO_LISTING, 1)
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_same_key_from_concurrent_clients_applies_once_and_replays_to_the_rest(cast: Cast) -> None:
    case = cast.notified_case()

    def attempt(_index: int) -> TransitionResult:
        return services.advance(Case.objects.get(pk=case.pk), "determine", cast.reviewer,
                                idempotency_key=KEY)

    outcomes = run_together(CLIENTS, attempt)

    assert all(isinstance(outcome, TransitionResult) for outcome in outcomes), outcomes
    applied = [outcome for outcome in outcomes if not outcome.replayed]
    assert len(applied) == 1
    assert outcomes.count(replace(applied[0], replayed=True)) == CLIENTS - 1
    assert state_of(case) == ("listed", applied[0].version, DRAFT_TO_LISTING, 1)
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("reuse", ["other_case", "other_transition"])
def test_key_reused_for_another_request_is_refused_and_writes_nothing(cast: Cast, reuse: str) -> None:
    case = cast.notified_case()
    services.advance(case, "determine", cast.reviewer, idempotency_key=KEY)
    target, name = (
        (cast.notified_case(subject=cast.other_subject), "determine") if reuse == "other_case"
        else (case, "correct")
    )
    before = state_of(target)

    with pytest.raises(IdempotencyKeyReused):
        services.advance(target, name, cast.reviewer, idempotency_key=KEY)

    assert state_of(target) == before
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_key_raced_onto_two_cases_applies_on_one_and_refuses_the_other(cast: Cast) -> None:
    cases = [cast.notified_case(), cast.notified_case(subject=cast.other_subject)]
    before = [state_of(case) for case in cases]

    def attempt(index: int) -> Any:
        return services.advance(Case.objects.get(pk=cases[index].pk), "determine", cast.reviewer,
                                idempotency_key=KEY)

    outcomes = run_together(2, attempt)

    kinds = sorted(type(outcome).__name__ for outcome in outcomes)
    assert kinds == ["IdempotencyKeyReused", "TransitionResult"], outcomes
    refused = next(i for i, outcome in enumerate(outcomes) if isinstance(outcome, IdempotencyKeyReused))
    assert state_of(cases[refused]) == before[refused]
    assert state_of(cases[1 - refused])[0] == "listed"
    assert IdempotencyRecord.objects.count() == 1
