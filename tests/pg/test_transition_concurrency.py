"""Concurrent writers on one case, on the real PostgreSQL row locks."""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from casework import audit, services
from casework.audit import verify_chains
from casework.exceptions import Conflict, NotAvailable
from casework.models import AuditEvent, Case, MeasureTask, Rectification
from casework.services.engine import TransitionResult
from tests.conftest import Cast
from tests.pg.concurrency import WAIT_TIMEOUT, backend_pid, run_together, wait_until_blocked_on_lock

ATTEMPTS = 50
APPENDS = 40

# The case chain from draft to listing: the notice and the decision each issue a document.
DRAFT_TO_LISTING = ["created", "notify", "documents_issued", "determine", "created", "documents_issued"]


def actions_of(case: Case) -> list[str]:
    return list(AuditEvent.objects.filter(case=case).order_by("seq").values_list("action", flat=True))


def only_results(outcomes: list[Any]) -> list[TransitionResult]:
    return [outcome for outcome in outcomes if isinstance(outcome, TransitionResult)]


def determine_in_threads(cast: Cast, case: Case, **options: Any) -> list[Any]:
    def attempt(_index: int) -> TransitionResult:
        own_copy = Case.objects.get(pk=case.pk)
        return services.advance(own_copy, "determine", cast.reviewer, **options)

    return run_together(ATTEMPTS, attempt)


@pytest.mark.django_db(transaction=True)
def test_concurrent_transition_applies_exactly_once(cast: Cast) -> None:
    case = cast.notified_case()
    version = case.version

    outcomes = determine_in_threads(cast, case, expected_version=version)

    results = only_results(outcomes)
    refusals = [outcome for outcome in outcomes if not isinstance(outcome, TransitionResult)]
    assert len(results) == 1
    assert results[0].state == "listed" and results[0].version == version + 1
    assert len(refusals) == ATTEMPTS - 1
    assert all(type(refusal) is Conflict for refusal in refusals), {repr(r) for r in refusals}
    assert {(refusal.expected, refusal.actual) for refusal in refusals} == {(version, version + 1)}
    case.refresh_from_db()
    assert (case.state, case.version) == ("listed", version + 1)
    assert actions_of(case) == DRAFT_TO_LISTING
    assert AuditEvent.objects.get(case=case, action="determine").pk == results[0].audit_event_id
    assert MeasureTask.objects.filter(case=case).count() == 1
    assert all(broken is None for _chain, broken in verify_chains())


@pytest.mark.django_db(transaction=True)
def test_concurrent_transition_without_expected_version_applies_once_others_not_available(
    cast: Cast,
) -> None:
    case = cast.notified_case()
    version = case.version

    outcomes = determine_in_threads(cast, case)

    results = only_results(outcomes)
    refusals = [outcome for outcome in outcomes if not isinstance(outcome, TransitionResult)]
    assert len(results) == 1 and results[0].version == version + 1
    assert len(refusals) == ATTEMPTS - 1
    # The losers queue on the case lock, then find the case already listed.
    assert all(type(refusal) is NotAvailable for refusal in refusals), {repr(r) for r in refusals}
    assert {refusal.code for refusal in refusals} == {"transition_not_available"}
    case.refresh_from_db()
    assert (case.state, case.version) == ("listed", version + 1)
    assert actions_of(case) == DRAFT_TO_LISTING
    assert MeasureTask.objects.filter(case=case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_to_one_chain_queue_without_fork_or_gap(cast: Cast) -> None:
    case = cast.open_case()
    first_seq = AuditEvent.objects.filter(case=case).count() + 1

    def append(index: int) -> int:
        with transaction.atomic():
            event = audit.append(obj=case, action="note", actor=cast.system, case=case,
                                 payload={"writer": index})
        return event.seq

    outcomes = run_together(APPENDS, append)

    assert sorted(outcomes) == list(range(first_seq, first_seq + APPENDS)), outcomes
    writers = AuditEvent.objects.filter(case=case, action="note").values_list("payload", flat=True)
    assert sorted(payload["writer"] for payload in writers) == list(range(APPENDS))
    assert list(verify_chains()) == [(f"case:{case.pk}", None)]


@pytest.mark.django_db(transaction=True)
def test_record_change_and_advance_on_one_step_do_not_deadlock(cast: Cast) -> None:
    """advance() locks case then step; record_change() must take them in the same order.

    The test holds the case lock (as advance() does first), lets record_change()
    start and block, then advances the same step inside that transaction. Taking
    the step before the case in record_change() makes PostgreSQL kill one side
    with a deadlock.
    """
    case = cast.listed_case()
    rectification = services.order_rectification(case, cast.officer, "补缴欠款并提交凭证")
    old_due, version = Rectification.objects.values_list("due_on", "version").get(pk=rectification.pk)
    new_due = timezone.localdate() + timedelta(days=30)
    mover_pid: list[int] = []
    mover_outcome: list[Any] = []
    pid_known = threading.Event()

    def move_deadline() -> None:
        try:
            mover_pid.append(backend_pid())
            pid_known.set()
            step = Rectification.objects.get(pk=rectification.pk)
            services.record_change(step, "deadline_moved", cast.system, {"due_on": (old_due, new_due)})
            mover_outcome.append("done")
        except Exception as error:  # asserted below
            mover_outcome.append(error)
        finally:
            connection.close()

    mover = threading.Thread(target=move_deadline)
    with transaction.atomic():
        Case.objects.select_for_update().get(pk=case.pk)
        mover.start()
        assert pid_known.wait(WAIT_TIMEOUT)
        wait_until_blocked_on_lock(mover_pid[0])
        services.advance(rectification, "submit", cast.subject_user, {"note": "已补缴"})
    mover.join(WAIT_TIMEOUT)

    assert mover_outcome == ["done"]
    rectification.refresh_from_db()
    # Both writes count: a client still holding the submitted version gets a conflict.
    assert (rectification.state, rectification.due_on, rectification.version) == (
        "submitted", new_due, version + 2
    )
    assert actions_of(case)[-2:] == ["submit", "deadline_moved"]
    assert all(broken is None for _chain, broken in verify_chains())
