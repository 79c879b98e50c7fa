"""The transport base class, its error and a lazy registry (one instance per channel)."""

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from notifications.models import Delivery

DEFAULT_TRANSPORTS = {
    "inapp": "notifications.transports.inapp.InAppTransport",
    "email": "notifications.transports.email.EmailTransport",
    "sms": "notifications.transports.sms.SmsTransport",
    "webhook": "notifications.transports.webhook.WebhookTransport",
}


class TransportError(Exception):
    """A send failed. Permanent errors are recorded and not retried; others retry with backoff."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Transport:
    """Sends one rendered delivery (``delivery.title``/``body`` are set before ``send``).

    ``send`` runs while the delivery row is locked and before it is marked sent; it
    passes ``delivery.key`` on as the idempotency key wherever the far side accepts one.
    """

    channel: ClassVar[str]
    # True only when send() has no effect outside this database until commit (the in-app
    # inbox): such rows are claimed, sent and marked many per transaction. Anything that
    # reaches another system keeps one transaction per delivery, so a crash can repeat at
    # most the one send in flight.
    batchable: ClassVar[bool] = False

    def send(self, delivery: "Delivery") -> None:
        raise NotImplementedError

    def send_batch(self, deliveries: Sequence["Delivery"]) -> None:
        """Send rendered deliveries of a batchable channel, inside their claim transaction."""
        for delivery in deliveries:
            self.send(delivery)


@cache
def get_transport(channel: str) -> Transport:
    paths = {**DEFAULT_TRANSPORTS, **getattr(settings, "NOTIFICATIONS_TRANSPORTS", {})}
    if channel not in paths:
        raise TransportError(f"no transport for channel {channel!r}", permanent=True)
    return import_string(paths[channel])()
