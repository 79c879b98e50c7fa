"""In-app: the delivery row is the stored message; after commit it is pushed over Channels.

The push is a hint, not the record: if the channel layer is down the message is
still in the inbox and the client sees it (and the unread count) when it reconnects.
"""

import logging
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from notifications.models import Delivery
from notifications.transports.base import Transport

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def department_group(department_id: int) -> str:
    return f"dept.{department_id}"


class InAppTransport(Transport):
    channel = "inapp"

    def send(self, delivery: Delivery) -> None:
        transaction.on_commit(partial(push, delivery.pk), robust=True)


def push(delivery_id: int) -> None:
    from notifications.services import unread_count

    delivery = Delivery.objects.select_related("message").get(pk=delivery_id)
    payload = {
        "type": "notification", "id": delivery.pk, "event": delivery.message.event,
        "case_id": delivery.message.case_id, "title": delivery.title, "body": delivery.body,
        "link": delivery.message.context.get("link", ""), "legal": delivery.message.legal,
        "created_at": delivery.created_at.isoformat(),
        "unread": unread_count(delivery.recipient_id),
    }
    group_send(user_group(delivery.recipient_id), {"type": "notification.message", "payload": payload})


def group_send(group: str, event: dict[str, object]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        logger.warning("Live push to %s failed; the message stays in the inbox", group, exc_info=True)
