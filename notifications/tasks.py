"""Celery tasks: they take ids, are queued after commit, and are idempotent (delivery.attempt).

deliver_message takes a batch of message ids (one task per batch, not per delivery);
every row it sends is claimed under a lock while pending, so running it twice sends
nothing twice.

acks_late: a worker killed mid-task leaves the message unacknowledged and the
broker redelivers it; whatever it had already sent is not pending any more and
is skipped. Transient failures come back with exponential backoff (retry_delivery);
deliver_pending, run by beat (or the embedded runner), sends whatever a lost
queue message or a broker outage left behind.
"""

from celery import shared_task

from notifications import delivery, dispatch
from notifications.delivery import Outcome


def schedule_retries(outcomes: list[Outcome]) -> None:
    # Eager mode would run a retry at once and spin through every attempt: leave it to
    # the periodic deliver_pending, which honours next_attempt_at.
    if retry_delivery.app.conf.task_always_eager:
        return
    for outcome in outcomes:
        if outcome.status == "retry":
            retry_delivery.apply_async((outcome.delivery_id,), countdown=outcome.retry_in)


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


@shared_task(acks_late=True, ignore_result=True)
def deliver_message(message_ids: int | list[int]) -> dict[str, int]:
    """Deliver a batch of messages (``services.enqueue``); a bare id is a task queued before batching."""
    outcomes = delivery.deliver_messages([message_ids] if isinstance(message_ids, int) else message_ids)
    schedule_retries(outcomes)
    return summary(outcomes)


@shared_task(acks_late=True, ignore_result=True)
def retry_delivery(delivery_id: int) -> dict[str, int]:
    outcomes = [delivery.attempt(delivery_id)]
    schedule_retries(outcomes)
    return summary(outcomes)


@shared_task(acks_late=True, ignore_result=True)
def deliver_pending() -> dict[str, int]:
    return summary(delivery.deliver_pending())


@shared_task(acks_late=True, ignore_result=True)
def deliver_queued(flag: str = "") -> dict[str, int]:
    """The one queued dispatch of a Redis broker (notifications/dispatch.py): clear the flag the
    publisher set (named in the task: the worker may consume another queue than its own default),
    so a commit from now on queues the next dispatch, then send every due pending row."""
    app = deliver_queued.app
    dispatch.clear_flag(dispatch.flag_client(app), flag or dispatch.flag_key(app))
    outcomes = delivery.deliver_pending()
    schedule_retries(outcomes)
    return summary(outcomes)
