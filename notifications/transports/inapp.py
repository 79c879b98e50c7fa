"""In-app: the delivery row is the stored message; after commit it is pushed over Channels.

The push is a hint, not the record: if the channel layer is down the message is
still in the inbox and the client sees it (and the unread count) when it reconnects.
"""

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Count

from notifications.choices import Channel, DeliveryStatus
from notifications.live import group_send_many
from notifications.models import Delivery
from notifications.transports.base import Transport

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def department_group(department_id: int) -> str:
    return f"dept.{department_id}"


class InAppTransport(Transport):
    channel = "inapp"
    batchable = True  # the inbox is this database: nothing leaves it before commit

    def send(self, delivery: Delivery) -> None:
        transaction.on_commit(partial(push, delivery.pk), robust=True)

    def send_batch(self, deliveries: Sequence[Delivery]) -> None:
        transaction.on_commit(partial(push_rows, list(deliveries)), robust=True)


def push(delivery_id: int) -> None:
    push_rows([Delivery.objects.select_related("message").get(pk=delivery_id)])


def push_rows(deliveries: list[Delivery]) -> None:
    """One push per delivery, each with its recipient's unread count (one query for all of them)."""
    # In-app deliveries always have a recipient; the filter tells the type checker so.
    addressed = [(delivery, user_id) for delivery in deliveries
                 if (user_id := delivery.recipient_id) is not None]
    unread = unread_counts({user_id for _, user_id in addressed})
    group_send_many([
        (user_group(user_id),
         {"type": "notification.message", "payload": payload(delivery, unread.get(user_id, 0))})
        for delivery, user_id in addressed
    ])


def payload(delivery: Delivery, unread: int) -> dict[str, Any]:
    message = delivery.message
    return {
        "type": "notification", "id": delivery.pk, "event": message.event, "case_id": message.case_id,
        "title": delivery.title, "body": delivery.body, "link": message.context.get("link", ""),
        "legal": message.legal, "created_at": delivery.created_at.isoformat(), "unread": unread,
    }


def unread_counts(user_ids: set[int]) -> dict[int, int]:
    rows = (Delivery.objects.filter(recipient_id__in=user_ids, channel=Channel.INAPP,
                                    status=DeliveryStatus.SENT, read_at__isnull=True)
            .values("recipient_id").annotate(unread=Count("pk")).order_by())
    return {row["recipient_id"]: row["unread"] for row in rows}


def group_send(group: str, event: dict[str, object]) -> None:
    group_send_many([(group, event)])

