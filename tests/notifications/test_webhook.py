"""Signed webhooks: a receiver in the test checks the signature; a tampered body fails."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from notifications.models import Delivery, WebhookEndpoint
from notifications.transports.webhook import sign, verify_signature
from tests.conftest import Cast

SECRET = "s3cret-of-the-joint-system"


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes, bool]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        valid = verify_signature(SECRET, self.headers["X-Casework-Timestamp"], body,
                                 self.headers["X-Casework-Signature"])
        self.received.append((dict(self.headers), body, valid))
        self.send_response(204 if valid else 401)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/casework"
    server.shutdown()


def test_receiver_verifies_the_signature_of_a_pushed_measure(
        cast: Cast, receiver: str, committed: Callable[..., Any]) -> None:
    WebhookEndpoint.objects.create(name="住建局信用平台", department=cast.joint, url=receiver, secret=SECRET)
    committed(cast.listed_case)
    assert len(Receiver.received) == 1
    headers, body, valid = Receiver.received[0]
    row = Delivery.objects.get(channel="webhook")
    assert valid and row.status == "sent"
    assert headers["X-Casework-Delivery"] == row.key
    payload = json.loads(body)
    assert (payload["event"], payload["audience"], payload["context"]["details"]["measure"]) == (
        "measuretask.created", "joint", cast.measure.title)


def test_tampered_body_fails_verification() -> None:
    body = json.dumps({"event": "measuretask.created", "case_id": 7}).encode()
    timestamp = str(int(time.time()))
    signature = sign(SECRET, timestamp, body)
    assert verify_signature(SECRET, timestamp, body, signature)
    assert not verify_signature(SECRET, timestamp, body.replace(b"7", b"8"), signature)
    assert not verify_signature("another secret", timestamp, body, signature)
    assert not verify_signature(SECRET, str(int(timestamp) + 1), body, signature)


def test_old_timestamp_fails_verification_as_a_replay() -> None:
    body, timestamp = b"{}", "1700000000"
    signature = sign(SECRET, timestamp, body)
    assert not verify_signature(SECRET, timestamp, body, signature, tolerance=300, now=1700000301)
    assert verify_signature(SECRET, timestamp, body, signature, tolerance=300, now=1700000300)


def test_receiver_refusal_with_4xx_is_a_permanent_failure(
        cast: Cast, receiver: str, committed: Callable[..., Any]) -> None:
    WebhookEndpoint.objects.create(name="错误密钥", department=cast.owner, url=receiver, secret="wrong")
    committed(cast.open_case)
    row = Delivery.objects.get(channel="webhook")
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "HTTP 401")
    assert list(Delivery.objects.exclude(channel="webhook").values_list("status", flat=True)) == [
        "sent", "sent"]
