"""Sending what the outbox holds: claim deliveries under a row lock, render, send, record.

A delivery is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and only while
pending, so a redelivered task, a second worker and ``deliver_pending`` can all
try the same row and exactly one sends it. The send happens inside the claim's
transaction: a worker killed mid-send rolls back and the row is pending again.

Rows of a batchable channel (in-app: nothing leaves this database before commit)
are claimed, sent and marked many per transaction, their texts rendered once per
message and language, and pushed live together after commit. Every other channel
reaches another system, so each of its rows keeps its own claim transaction
(``attempt``): a crash can repeat at most the one send in flight.
"""

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from notifications.choices import Channel, DeliveryStatus
from notifications.live import group_send_many
from notifications.models import Delivery, Message, Preference
from notifications.texts import Text, render
from notifications.transports.base import TransportError, get_transport
from notifications.transports.inapp import department_group

logger = logging.getLogger(__name__)

SENT_FIELDS = ["status", "attempts", "sent_at", "next_attempt_at", "last_error", "title", "body"]


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: str  # sent, retry, failed, skipped (locked elsewhere or no longer pending)
    retry_in: float | None = None
    message_id: int | None = None


# --- one delivery, one transaction (channels that reach another system) ----------------------

def attempt(delivery_id: int, now: datetime | None = None) -> Outcome:
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("message", "recipient__notification_preference", "endpoint")
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
    return Outcome(delivery_id, "sent", message_id=delivery.message_id)


def send(delivery: Delivery) -> None:
    slow_transport_delay()
    text = render(delivery.message.template, delivery.message.context, language_of(delivery))
    delivery.title, delivery.body = text.title, text.body
    get_transport(delivery.channel).send(delivery)


def slow_transport_delay() -> None:
    delay_ms = settings.NOTIFICATIONS_SEND_DELAY_MS
    if delay_ms:  # tests and benchmarks: a slow transport
        time.sleep(delay_ms / 1000)


def language_of(delivery: Delivery) -> str:
    if delivery.recipient_id is None:
        return settings.LANGUAGE_CODE
    recipient = delivery.recipient
    assert recipient is not None
    try:  # loaded with the delivery (select_related): no query per row
        return recipient.notification_preference.language
    except Preference.DoesNotExist:
        return settings.LANGUAGE_CODE


def mark_sent(delivery: Delivery, now: datetime) -> None:
    set_sent(delivery, now)
    delivery.save(update_fields=SENT_FIELDS)


def set_sent(delivery: Delivery, now: datetime) -> None:
    delivery.status = DeliveryStatus.SENT
    delivery.attempts += 1
    delivery.sent_at = now
    delivery.next_attempt_at = None
    delivery.last_error = ""


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
        return Outcome(delivery.pk, "failed", message_id=delivery.message_id)
    return Outcome(delivery.pk, "retry", backoff(delivery.attempts), delivery.message_id)


# --- many deliveries, one transaction (batchable channels) ------------------------------------

def batchable_channels() -> list[str]:
    return [channel for channel in Channel.values if get_transport(channel).batchable]


def claim_batch(rows: Q, after_id: int, limit: int) -> list[Delivery]:
    """Lock up to ``limit`` pending batchable rows past ``after_id``; rows locked elsewhere are skipped."""
    return list(
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("message", "recipient__notification_preference")
        .filter(rows, status=DeliveryStatus.PENDING, channel__in=batchable_channels(), pk__gt=after_id)
        .order_by("pk")[:limit]
    )


def send_batches(rows: Q, now: datetime, limit: int) -> list[Outcome]:
    """Claim, send and mark ``rows`` in transactions of at most ``limit`` deliveries each."""
    outcomes: list[Outcome] = []
    after_id = 0
    while True:
        with transaction.atomic():
            claimed = claim_batch(rows, after_id, limit)
            outcomes += send_claimed(claimed, now)
        if len(claimed) < limit:  # SKIP LOCKED still fills the limit when more rows are free
            return outcomes
        after_id = claimed[-1].pk  # keyset: a row left pending (a retry) is not claimed again here


def send_claimed(claimed: list[Delivery], now: datetime) -> list[Outcome]:
    texts: dict[tuple[int, str], Text] = {}
    # Messages of one template, context and language read the same (a breach digest's message to
    # the responsible office and the one to its head): rendered once. Only in-app rows are
    # batched, and that transport reads the context's link only, not what rendering adds to it.
    same: dict[tuple[str, str, str], Text] = {}
    rendered, outcomes = [], []
    for delivery in claimed:
        try:
            slow_transport_delay()
            key = (delivery.message_id, language_of(delivery))
            if key not in texts:  # once per message and language, not per recipient
                message = delivery.message
                content = (message.template, key[1], json.dumps(message.context, sort_keys=True, default=str))
                if content not in same:
                    same[content] = render(message.template, message.context, key[1])
                texts[key] = same[content]
            delivery.title, delivery.body = texts[key].title, texts[key].body
        except Exception as error:  # an unexpected bug: keep it visible, retry like a transient error
            logger.exception("Delivery %s raised", delivery.key)
            outcomes.append(record_failure(delivery, TransportError(repr(error)), now))
            continue
        rendered.append(delivery)
    for channel, group in groupby(sorted(rendered, key=lambda row: row.channel), lambda row: row.channel):
        outcomes += send_channel_batch(channel, list(group), now)
    return sorted(outcomes, key=lambda outcome: outcome.delivery_id)


def send_channel_batch(channel: str, deliveries: list[Delivery], now: datetime) -> list[Outcome]:
    try:
        get_transport(channel).send_batch(deliveries)
    except Exception as error:
        if not isinstance(error, TransportError):
            logger.exception("Batch of %d %s deliveries raised", len(deliveries), channel)
            error = TransportError(repr(error))
        return [record_failure(delivery, error, now) for delivery in deliveries]
    for delivery in deliveries:
        set_sent(delivery, now)
    save_sent(deliveries)
    return [Outcome(delivery.pk, "sent", message_id=delivery.message_id) for delivery in deliveries]


# One statement for a batch marked sent: bulk_update's CASE WHEN per field cost a sweep batch's
# digests a quarter of a second of Python each (bench/sla_sweep.py).
PG_MARK_SENT = """
UPDATE notifications_delivery AS d
SET status = v.status, attempts = v.attempts, sent_at = v.sent_at, next_attempt_at = v.next_attempt_at,
    last_error = v.last_error, title = v.title, body = v.body
FROM unnest(%s::bigint[], %s::varchar[], %s::smallint[], %s::timestamptz[], %s::timestamptz[],
            %s::text[], %s::varchar[], %s::text[])
     AS v(id, status, attempts, sent_at, next_attempt_at, last_error, title, body)
WHERE d.id = v.id
"""


def save_sent(deliveries: list[Delivery]) -> None:
    if len(deliveries) == 1:  # a single transition's message: a plain UPDATE
        deliveries[0].save(update_fields=SENT_FIELDS)
    elif connection.vendor != "postgresql":
        Delivery.objects.bulk_update(deliveries, SENT_FIELDS)
    elif deliveries:
        columns = [[d.pk for d in deliveries]]
        columns += [[getattr(d, name) for d in deliveries] for name in SENT_FIELDS]
        with connection.cursor() as cursor:
            cursor.execute(PG_MARK_SENT, columns)


# --- entry points -----------------------------------------------------------------------------

def deliver_messages(message_ids: list[int], now: datetime | None = None) -> list[Outcome]:
    """Every pending delivery of the messages; idempotent (a redelivered task finds nothing pending)."""
    now = now or timezone.now()
    outcomes = send_batches(Q(message_id__in=message_ids), now, settings.NOTIFICATIONS_PENDING_BATCH_SIZE)
    singles = (Delivery.objects.filter(message_id__in=message_ids, status=DeliveryStatus.PENDING)
               .exclude(channel__in=batchable_channels()).order_by("pk").values_list("pk", flat=True))
    outcomes += [attempt(delivery_id, now) for delivery_id in list(singles)]
    announce(outcomes)
    return outcomes


def deliver_message(message_id: int) -> list[Outcome]:
    return deliver_messages([message_id])


def announce(outcomes: Iterable[Outcome]) -> None:
    """Tell each addressed department's open screens that its cases moved: one hint per department.

    No text, a hint: the screen reloads. A bulk run of many messages for one department
    sends one hint with their count, not one per message.
    """
    sent = {outcome.message_id for outcome in outcomes
            if outcome.status == "sent" and outcome.message_id is not None}
    messages = (Message.objects.filter(pk__in=sent, department__isnull=False).order_by("pk")
                .values("pk", "department_id", "event", "case_id")) if sent else []
    latest: dict[int, Any] = {}
    counts: Counter[int] = Counter()
    for message in messages:
        latest[message["department_id"]] = message
        counts[message["department_id"]] += 1
    group_send_many([
        (department_group(department_id), {"type": "department.activity", "payload": {
            "type": "activity", "event": message["event"], "case_id": message["case_id"],
            "message_id": message["pk"], "count": counts[department_id]}})
        for department_id, message in latest.items()
    ])


def deliver_pending(now: datetime | None = None, batch_size: int | None = None) -> list[Outcome]:
    """Every pending delivery that is due: lost queue messages, broker outages, retries."""
    now = now or timezone.now()
    batch_size = batch_size or settings.NOTIFICATIONS_PENDING_BATCH_SIZE
    due = Q(next_attempt_at__lte=now)
    outcomes = send_batches(due, now, batch_size)
    last_id = 0
    while True:
        ids = list(Delivery.objects.filter(due, status=DeliveryStatus.PENDING, pk__gt=last_id)
                   .exclude(channel__in=batchable_channels()).order_by("pk")
                   .values_list("pk", flat=True)[:batch_size])
        outcomes += [attempt(delivery_id, now) for delivery_id in ids]
        if len(ids) < batch_size:
            break
        last_id = ids[-1]
    announce(outcomes)
    return sorted(outcomes, key=lambda outcome: outcome.delivery_id)
