"""Signed webhooks to other departments' systems.

The body is JSON. Headers: ``X-Casework-Timestamp`` (Unix seconds),
``X-Casework-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the
endpoint's secret>`` and ``X-Casework-Delivery`` (the idempotency key: a receiver
that has seen it already answers 2xx and does nothing). A receiver checks with
``verify_signature``; the timestamp in the signed text stops replays older than
the tolerance.
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from notifications.models import Delivery
from notifications.transports.base import Transport, TransportError

SIGNATURE_HEADER = "X-Casework-Signature"
TIMESTAMP_HEADER = "X-Casework-Timestamp"
DELIVERY_HEADER = "X-Casework-Delivery"
# Worth retrying: the receiver is overloaded or asked us to come back later.
TRANSIENT_STATUSES = {408, 425, 429}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str,
                     tolerance: int = 300, now: float | None = None) -> bool:
    """True when ``signature`` is ours for this body and the timestamp is within ``tolerance`` s."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


def payload(delivery: Delivery) -> dict[str, Any]:
    message = delivery.message
    return {
        "delivery": delivery.key, "event": message.event, "audience": message.audience,
        "legal": message.legal, "case_id": message.case_id, "title": delivery.title,
        "body": delivery.body, "context": message.context,
    }


class WebhookTransport(Transport):
    channel = "webhook"

    def send(self, delivery: Delivery) -> None:
        endpoint = delivery.endpoint
        if endpoint is None or not endpoint.active:
            raise TransportError("endpoint missing or inactive", permanent=True)
        body = json.dumps(payload(delivery), ensure_ascii=False, sort_keys=True).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body), DELIVERY_HEADER: delivery.key,
        })
        post(request)


def post(request: urllib.request.Request) -> None:
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS):
            return
    except urllib.error.HTTPError as error:
        permanent = 400 <= error.code < 500 and error.code not in TRANSIENT_STATUSES
        raise TransportError(f"HTTP {error.code}", permanent=permanent) from error
    except (urllib.error.URLError, OSError) as error:
        raise TransportError(f"unreachable: {error}") from error
