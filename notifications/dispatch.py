"""At most one queued dispatch of the outbox at a time, when the broker is Redis.

Publishing a delivery task after each commit cost a transition more client CPU than any
other single part of it (Celery builds the message, kombu a Redis client, then ``LPUSH``:
docs/benchmarks.md, "Transition"). On a Redis broker ``enqueue`` first sets a flag in the
broker's own database (``SET … NX EX``, one short round trip) and publishes the dispatch task
(``tasks.deliver_queued``, which names the flag) only when it set the flag. While the flag
stands, a dispatch is queued and not yet started, and the rows committed meanwhile wait for it
instead of queueing tasks of their own. The task clears the flag first, and only then claims every pending
delivery that is due (``delivery.deliver_pending``: ``FOR UPDATE SKIP LOCKED``, idempotent).

Why no delivery is lost:

- A publisher that found the flag had committed its rows before it looked (``enqueue`` runs
  after commit). The flag it saw goes away in one of two ways. The worker that took the queued
  task deletes it and then claims: the rows were committed before the delete, so the claim
  sees them. Or it expires after ``NOTIFICATIONS_DISPATCH_WINDOW_SECONDS`` (the task was lost:
  a broker restart, a failed publish whose delete failed too): the next commit after that
  queues a new dispatch, which sends every due row, and beat's ``deliver_pending`` runs every
  ``NOTIFICATIONS_PENDING_INTERVAL_SECONDS`` whatever happens, as it did for a lost task before.
- A row another worker holds locked (SKIP LOCKED) is that worker's to send; if it rolls back
  the row is pending again and the next dispatch or the sweep sends it.
- A row is due from its ``next_attempt_at``, the committing process's clock; a worker whose
  clock is behind by more than the queue's latency leaves it to the next dispatch or the sweep.

With eager tasks (the embedded default, tests) or another broker (RabbitMQ) nothing changes:
each commit queues ``deliver_message`` with its message ids.
"""

import logging
import threading
from typing import Any

import redis
from django.conf import settings

logger = logging.getLogger(__name__)


def flag_key(app: Any) -> str:
    """The flag of the queue the dispatch goes to: workers of another queue on the same Redis
    database (another installation) must never clear it."""
    return f"casework:notifications:dispatch-queued:{app.conf.task_default_queue}"

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def flag_client(app: Any) -> redis.Redis | None:
    """A Redis client on the broker's database, kept per process; None unless tasks are queued
    on a Redis broker (not eager)."""
    if app.conf.task_always_eager:
        return None
    url = app.conf.broker_url or ""
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://")) or ";" in url:
        return None
    client = _clients.get(url)
    if client is None:
        with _clients_lock:
            client = _clients.get(url)
            if client is None:
                timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("socket_connect_timeout", 2)
                client = _clients[url] = redis.Redis.from_url(
                    url, socket_connect_timeout=timeout, socket_timeout=timeout)
    return client


def claim_flag(app: Any, client: redis.Redis) -> bool:
    """Set the flag unless it stands: True when this caller must queue the dispatch."""
    return bool(client.set(flag_key(app), b"1", nx=True,
                           ex=settings.NOTIFICATIONS_DISPATCH_WINDOW_SECONDS))


def clear_flag(client: redis.Redis | None, key: str) -> None:
    """Let the next commit queue a dispatch: called by the dispatch before it claims rows, and
    by a publisher whose publish failed."""
    if client is None:
        return
    try:
        client.delete(key)
    except redis.RedisError:  # it expires on its own; the sweep sends whatever waits meanwhile
        logger.warning("Could not clear the dispatch flag %s", key, exc_info=True)


def queue_dispatch(task: Any, message_ids: list[int]) -> bool:
    """After a commit of a few messages: queue ``task`` (``tasks.deliver_queued``) unless a
    dispatch is already queued. False when the broker is not Redis (or tasks run eagerly):
    the caller queues the ids itself. A broker error is logged; the rows stay pending for the
    next dispatch or the beat sweep."""
    client = flag_client(task.app)
    if client is None:
        return False
    try:
        if not claim_flag(task.app, client):
            return True  # the queued dispatch sends these rows
    except redis.RedisError:  # the broker's own Redis: a publish would fail too
        logger.warning("Could not queue messages %s; deliver_pending will send them",
                       message_ids, exc_info=True)
        return True
    flag = flag_key(task.app)
    try:
        task.apply_async((flag,), retry=False)
    except Exception:
        clear_flag(client, flag)  # the next commit tries again
        logger.warning("Could not queue messages %s; deliver_pending will send them",
                       message_ids, exc_info=True)
    return True
