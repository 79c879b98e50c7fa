"""SMS through a gateway: console (default) or file here; a carrier's API is one more gateway.

SMS_GATEWAY names the gateway ("console", "file" or a dotted path to an SmsGateway
subclass); SMS_FILE_PATH is the file gateway's JSON-lines file.
"""

import json
import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications.models import Delivery, Preference
from notifications.transports.base import Transport, TransportError

logger = logging.getLogger(__name__)


class SmsGateway:
    def send(self, phone: str, text: str, message_id: str) -> None:
        """Send ``text``; ``message_id`` is the idempotency key (carriers call it out-id)."""
        raise NotImplementedError


class ConsoleGateway(SmsGateway):
    def send(self, phone: str, text: str, message_id: str) -> None:
        logger.info("SMS to %s [%s]: %s", phone, message_id, text)


class FileGateway(SmsGateway):
    def send(self, phone: str, text: str, message_id: str) -> None:
        line = json.dumps({"id": message_id, "to": phone, "text": text,
                           "at": timezone.now().isoformat()}, ensure_ascii=False)
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as sink:
            sink.write(line + "\n")


GATEWAYS = {"console": ConsoleGateway, "file": FileGateway}


@cache
def gateway() -> SmsGateway:
    name = settings.SMS_GATEWAY
    return (GATEWAYS[name] if name in GATEWAYS else import_string(name))()


class SmsTransport(Transport):
    channel = "sms"

    def send(self, delivery: Delivery) -> None:
        phone = Preference.objects.filter(user=delivery.recipient_id).values_list("phone", flat=True)
        number = phone.first() or ""
        if not number:
            raise TransportError("recipient has no mobile number", permanent=True)
        link = delivery.message.context.get("link", "")
        gateway().send(number, f"{delivery.title} {link}".strip(), delivery.key)
