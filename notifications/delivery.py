"""Sending what the outbox holds: claim a delivery under a row lock, render, send, record.

A delivery is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and only while
pending, so a redelivered task, a second worker and ``deliver_pending`` can all
try the same row and exactly one sends it. The send happens inside the claim's
transaction: a worker killed mid-send rolls back and the row is pending again.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.choices import DeliveryStatus
from notifications.models import Delivery, Message, Preference
from notifications.texts import render
from notifications.transports.base import TransportError, get_transport
from notifications.transports.inapp import department_group, group_send

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: str  # sent, retry, failed, skipped (locked elsewhere or no longer pending)
    retry_in: float | None = None


def attempt(delivery_id: int, now: datetime | None = None) -> Outcome:
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("message", "recipient", "endpoint")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING).first()
        )
        if delivery is None:
            return Outcome(delivery_id, "skipped")
        try:
            send(delivery)
        except TransportError as error:
            return record_failure(delivery, error, now)
        except Exception as error:  # an unexpected bug: keep it visible, retry like a transient error
            logger.exception("Delivery %s raised", delivery.key)
            return record_failure(delivery, TransportError(repr(error)), now)
        mark_sent(delivery, now)
    return Outcome(delivery_id, "sent")


def send(delivery: Delivery) -> None:
    delay_ms = settings.NOTIFICATIONS_SEND_DELAY_MS
    if delay_ms:  # tests and benchmarks: a slow transport
        time.sleep(delay_ms / 1000)
    text = render(delivery.message.template, delivery.message.context, language_of(delivery))
    delivery.title, delivery.body = text.title, text.body
    get_transport(delivery.channel).send(delivery)


def language_of(delivery: Delivery) -> str:
    if delivery.recipient_id is None:
        return settings.LANGUAGE_CODE
    preference = Preference.objects.filter(user_id=delivery.recipient_id).first()
    return preference.language if preference else settings.LANGUAGE_CODE


def mark_sent(delivery: Delivery, now: datetime) -> None:
    delivery.status = DeliveryStatus.SENT
    delivery.attempts += 1
    delivery.sent_at = now
    delivery.next_attempt_at = None
    delivery.last_error = ""
    delivery.save(update_fields=["status", "attempts", "sent_at", "next_attempt_at", "last_error",
                                 "title", "body"])


def backoff(attempts: int) -> float:
    """Exponential: base, 2×base, 4×base … capped."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return float(min(settings.NOTIFICATIONS_RETRY_MAX_SECONDS, base * 2 ** max(attempts - 1, 0)))


def record_failure(delivery: Delivery, error: TransportError, now: datetime) -> Outcome:
    delivery.attempts += 1
    delivery.last_error = error.reason[:2000]
    gives_up = error.permanent or delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
    if gives_up:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        logger.warning("Delivery %s failed for good: %s", delivery.key, error.reason)
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff(delivery.attempts))
    delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    if gives_up:
        return Outcome(delivery.pk, "failed")
    return Outcome(delivery.pk, "retry", backoff(delivery.attempts))


def deliver_message(message_id: int) -> list[Outcome]:
    ids = list(Delivery.objects.filter(message_id=message_id, status=DeliveryStatus.PENDING)
               .order_by("pk").values_list("pk", flat=True))
    outcomes = [attempt(delivery_id) for delivery_id in ids]
    if any(outcome.status == "sent" for outcome in outcomes):
        announce(message_id)
    return outcomes


def announce(message_id: int) -> None:
    """Tell the addressed department's open screens that one of its cases moved (no text: a hint)."""
    message = Message.objects.filter(pk=message_id).values("department_id", "event", "case_id").first()
    if message is None or message["department_id"] is None:
        return
    payload = {"type": "activity", "event": message["event"], "case_id": message["case_id"],
               "message_id": message_id}
    group_send(department_group(message["department_id"]), {"type": "department.activity",
                                                             "payload": payload})


def deliver_pending(now: datetime | None = None, batch_size: int | None = None) -> list[Outcome]:
    """Every pending delivery that is due: lost queue messages, broker outages, retries."""
    now = now or timezone.now()
    batch_size = batch_size or settings.NOTIFICATIONS_PENDING_BATCH_SIZE
    outcomes: list[Outcome] = []
    last_id = 0
    while True:
        ids = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now,
                                           pk__gt=last_id).order_by("pk").values_list("pk", flat=True)
                   [:batch_size])
        outcomes += [attempt(delivery_id, now) for delivery_id in ids]
        if len(ids) < batch_size:
            return outcomes
        last_id = ids[-1]
