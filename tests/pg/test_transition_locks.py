"""The transition path under concurrency: only the rows a transition owns are locked, and
callers in many threads of one process get their committed result, never an exception."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from django.db import connection, transaction

from casework import services
from casework.models import Case, Objection
from casework.services.engine import TransitionResult
from tests.conftest import Cast
from tests.pg.concurrency import WAIT_TIMEOUT, backend_pid, run_together, wait_until_blocked_on_lock
from tests.pg.servers import api_token, uvicorn_server

THREADS = 8
ROUNDS = 13  # two transitions a round: 8 × 13 × 2 = 208 transitions


def filed_objection(cast: Cast, case: Case) -> Objection:
    return services.file_objection(case, cast.subject_user, "认定事实有误")


@pytest.mark.django_db(transaction=True)
def test_transitions_on_two_cases_of_one_department_do_not_wait_on_each_other(cast: Cast) -> None:
    """Same department, step and SLA policy: one held transaction must not stop the other."""
    first = filed_objection(cast, cast.listed_case())
    second = filed_objection(cast, cast.listed_case())
    assert first.case.owner_department_id == second.case.owner_department_id
    holding, release = threading.Event(), threading.Event()
    outcome: list[Any] = []

    def accept_and_hold() -> None:
        try:
            with transaction.atomic():
                services.advance(Objection.objects.get(pk=first.pk), "accept", cast.officer)
                holding.set()
                assert release.wait(WAIT_TIMEOUT)
            outcome.append("committed")
        except Exception as error:  # asserted below
            outcome.append(error)
            holding.set()
        finally:
            connection.close()

    holder = threading.Thread(target=accept_and_hold)
    holder.start()
    try:
        assert holding.wait(WAIT_TIMEOUT)
        with transaction.atomic():
            # Waiting on any row the first transaction locked fails this at once.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            result = services.advance(Objection.objects.get(pk=second.pk), "accept", cast.officer)
        assert result.state == "under_review"
    finally:
        release.set()
        holder.join(WAIT_TIMEOUT)
    assert outcome == ["committed"]
    assert set(Objection.objects.values_list("state", flat=True)) == {"under_review"}


@pytest.mark.django_db(transaction=True)
def test_a_transition_waiting_for_its_case_holds_no_lock_on_its_step_meanwhile(cast: Cast) -> None:
    """The case, its audit head and the step are locked by one statement, in that order: while
    it waits for the case, the step stays free (the lock order is case, then step)."""
    objection = filed_objection(cast, cast.listed_case())
    holding, release = threading.Event(), threading.Event()
    waiting: list[int] = []
    outcome: list[Any] = []

    def hold_the_case() -> None:
        try:
            with transaction.atomic():
                Case.objects.select_for_update().get(pk=objection.case_id)
                holding.set()
                assert release.wait(WAIT_TIMEOUT)
        finally:
            holding.set()
            connection.close()

    def accept() -> None:
        try:
            waiting.append(backend_pid())
            accepted = services.advance(Objection.objects.get(pk=objection.pk), "accept", cast.officer)
            outcome.append(accepted.state)
        except Exception as error:  # asserted below
            outcome.append(error)
        finally:
            waiting.append(0)
            connection.close()

    holder = threading.Thread(target=hold_the_case)
    holder.start()
    accepting = threading.Thread(target=accept)
    try:
        assert holding.wait(WAIT_TIMEOUT)
        accepting.start()
        while not waiting:
            time.sleep(0.01)
        wait_until_blocked_on_lock(waiting[0])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT id FROM casework_objection WHERE id = %s FOR UPDATE NOWAIT",
                           [objection.pk])
            assert cursor.fetchone() == (objection.pk,)
    finally:
        release.set()
        holder.join(WAIT_TIMEOUT)
        if accepting.is_alive() or waiting:
            accepting.join(WAIT_TIMEOUT)
    assert outcome == ["under_review"]


@pytest.mark.django_db(transaction=True)
def test_many_threads_in_one_process_get_their_results_and_no_exception(cast: Cast) -> None:
    cases = [cast.listed_case() for _ in range(THREADS)]

    def rounds(index: int) -> list[str]:
        states = []
        for _ in range(ROUNDS):
            objection = filed_objection(cast, Case.objects.get(pk=cases[index].pk))
            accepted = services.advance(objection, "accept", cast.officer)
            states.append(objection.state)  # the caller's own instance sees the committed state
            dismissed = services.advance(objection, "dismiss", cast.reviewer, {"reason": "证据不足"},
                                         expected_version=accepted.version)
            assert isinstance(dismissed, TransitionResult)
            states.append(objection.state)
        return states

    outcomes = run_together(THREADS, rounds)

    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert errors == []
    assert outcomes == [["under_review", "dismissed"] * ROUNDS] * THREADS
    assert Objection.objects.filter(state="dismissed").count() == THREADS * ROUNDS


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_over_http_under_uvicorn_answer_no_5xx(cast: Cast, tmp_path: Any) -> None:
    objections = [filed_objection(cast, cast.listed_case()) for _ in range(24)]
    token = api_token(cast.officer.username)
    with uvicorn_server(workers=2, log=tmp_path / "uvicorn.log") as base:
        def accept(objection: Objection) -> int:
            with httpx.Client(base_url=base, timeout=30,
                              headers={"Authorization": f"Token {token}"}) as client:
                answer = client.post(f"/api/v1/objections/{objection.pk}/transitions/accept/",
                                     json={"expected_version": objection.version})
                return answer.status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(accept, objections))
    assert statuses == [200] * len(objections), (tmp_path / "uvicorn.log").read_text()[-3000:]
    assert set(Objection.objects.values_list("state", flat=True)) == {"under_review"}
