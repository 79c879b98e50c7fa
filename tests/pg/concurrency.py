"""Threads that race on the real database, each on its own connection."""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

WAIT_TIMEOUT = 30.0


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released at once; return each result or exception.

    Each thread connects before the barrier (so the race is on the locks, not on
    connecting) and closes its connection at the end.
    """
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def runner(index: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=WAIT_TIMEOUT)
            outcomes[index] = work(index)
        except Exception as error:  # the test asserts on every outcome, errors included
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return outcomes


def backend_pid() -> int:
    """This thread's PostgreSQL backend (to watch it wait from another connection)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def wait_until_blocked_on_lock(pid: int) -> None:
    """Return once backend ``pid`` waits for a lock another transaction holds.

    pg_blocking_pids() reads the lock table live; pg_stat_activity would be a
    snapshot frozen for the caller's whole transaction.
    """
    deadline = time.monotonic() + WAIT_TIMEOUT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT cardinality(pg_blocking_pids(%s))", [pid])
            if cursor.fetchone()[0] > 0:
                return
        time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited on a lock")
