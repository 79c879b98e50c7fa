"""Delivery: after commit, once per key, in the recipient's language; retries and failures."""

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from casework import services
from casework.models import Case, User
from notifications import delivery
from notifications.choices import DeliveryStatus
from notifications.models import Delivery, Message, Preference
from notifications.tasks import deliver_message
from notifications.transports.base import Transport, TransportError, get_transport
from tests.conftest import Cast


def statuses() -> dict[str, str]:
    return dict(Delivery.objects.values_list("key", "status"))


def test_committed_case_is_delivered_in_app_in_chinese_once(cast: Cast,
                                                            committed: Callable[..., Any]) -> None:
    case = committed(cast.open_case)
    rows = list(Delivery.objects.order_by("pk"))
    assert [(row.recipient.username, row.status, row.attempts) for row in rows] == [
        ("officer", "sent", 1), ("reviewer", "sent", 1),
    ]
    assert rows[0].title.startswith(f"【{case.number}】") and rows[0].read_at is None
    assert f"/cases/{case.pk}/" in rows[0].body
    # A redelivered task finds nothing pending: nothing is sent twice.
    assert delivery.deliver_message(rows[0].message_id) == []
    assert Delivery.objects.filter(attempts=1, status="sent").count() == 2


def test_uncommitted_change_sends_nothing(cast: Cast) -> None:
    cast.open_case()  # the test's transaction never commits: on_commit never fires
    assert set(statuses().values()) == {DeliveryStatus.PENDING}


def test_english_preference_renders_the_notice_in_english(cast: Cast, committed: Callable[..., Any]) -> None:
    Preference.objects.create(user=cast.subject_user, language="en")
    case = cast.open_case()
    committed(lambda: services.advance(case, "notify", cast.officer))
    notice = Delivery.objects.get(recipient=cast.subject_user)
    assert notice.title.startswith("[Notice] 市市场监管局 intends to put 鞍山某建材有限公司 on the serious")
    # The window runs from service (送达), so the notice states its length, not a date.
    assert "within 5 working days from service" in notice.body and "Rule: " in notice.body
    assert "Opening the notice in the subject portal serves it" in notice.body
    officer_copy = Delivery.objects.get(recipient=cast.officer, message__event="case.notify")
    assert officer_copy.title.startswith("【")


class Flaky(Transport):
    channel = "inapp"
    errors: list[TransportError] = []

    def send(self, delivery: Delivery) -> None:
        if self.errors:
            raise self.errors.pop(0)


@pytest.fixture
def flaky(settings: Any) -> type[Flaky]:
    settings.NOTIFICATIONS_TRANSPORTS = {"inapp": "tests.notifications.test_delivery.Flaky"}
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    get_transport.cache_clear()
    yield Flaky
    Flaky.errors = []
    get_transport.cache_clear()


def test_transient_errors_retry_with_exponential_backoff_then_fail(cast: Cast, flaky: type[Flaky]) -> None:
    cast.open_case()
    row = Delivery.objects.get(recipient=cast.officer)
    now = timezone.now()
    flaky.errors = [TransportError("timeout") for _ in range(3)]
    waits = []
    for _ in range(3):
        outcome = delivery.attempt(row.pk, now)
        row.refresh_from_db()
        waits.append(outcome.retry_in)
        if row.next_attempt_at:
            assert row.next_attempt_at == now + timedelta(seconds=outcome.retry_in)
    assert waits == [30.0, 60.0, None]
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == ("failed", 3, "timeout", None)
    assert Delivery.objects.exclude(pk=row.pk).get().status == "pending"


def test_permanent_error_is_recorded_and_not_retried(cast: Cast, flaky: type[Flaky]) -> None:
    cast.open_case()
    row = Delivery.objects.get(recipient=cast.officer)
    flaky.errors = [TransportError("no such user", permanent=True)]
    assert delivery.attempt(row.pk).status == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "no such user")
    assert delivery.attempt(row.pk).status == "skipped"


def test_admin_lists_failed_deliveries_and_retries_them(cast: Cast, flaky: type[Flaky],
                                                         committed: Callable[..., Any]) -> None:
    cast.open_case()
    row = Delivery.objects.get(recipient=cast.officer)
    flaky.errors = [TransportError("gone", permanent=True)]
    delivery.attempt(row.pk)
    admin = User.objects.create_superuser("admin", password="x", role="admin")
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/notifications/delivery/?failed=yes")
    assert listing.status_code == 200 and row.key in listing.content.decode()
    pending_key = Delivery.objects.exclude(pk=row.pk).get().key
    assert pending_key not in listing.content.decode()
    committed(lambda: client.post("/admin/notifications/delivery/", {
        "action": "retry", "_selected_action": [row.pk]}))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")


def test_broker_outage_keeps_the_transition_and_deliver_pending_sends_the_backlog(
        cast: Cast, committed: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(deliver_message, "apply_async", broker_down)
    case = committed(cast.open_case)
    assert Case.objects.filter(pk=case.pk).exists()
    assert set(statuses().values()) == {"pending"}
    assert "deliver_pending will send them" in caplog.text
    outcomes = committed(delivery.deliver_pending)
    assert [outcome.status for outcome in outcomes] == ["sent", "sent"]
    assert set(statuses().values()) == {"sent"}


def test_email_and_file_sms_carry_the_text_and_the_delivery_key(
        cast: Cast, committed: Callable[..., Any], settings: Any, tmp_path: Path) -> None:
    from notifications.transports import sms

    settings.SMS_GATEWAY, settings.SMS_FILE_PATH = "file", str(tmp_path / "sms.jsonl")
    sms.gateway.cache_clear()
    User.objects.filter(pk=cast.officer.pk).update(email="officer@example.org")
    Preference.objects.create(user=cast.officer, phone="13800000001")
    case = committed(cast.open_case)
    sms.gateway.cache_clear()
    sent_email = mail.outbox[0]
    email_row = Delivery.objects.get(channel="email")
    assert len(mail.outbox) == 1 and sent_email.to == ["officer@example.org"]
    assert sent_email.subject == email_row.title and f"/cases/{case.pk}/" in sent_email.body
    assert sent_email.extra_headers["Message-ID"].startswith(f"<{email_row.key.replace(':', '.')}@")
    lines = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert [(line["id"], line["to"]) for line in lines] == [
        (Delivery.objects.get(channel="sms").key, "13800000001")
    ]
    assert Message.objects.count() == 1 and set(statuses().values()) == {"sent"}


def test_a_service_acts_notice_is_rendered_with_the_documents_apps_model_label(
        cast: Cast, committed: Callable[..., Any]) -> None:
    # The service act (送达) lives in the documents app: its message names it by its own app,
    # not casework's, or every delivery of "served" raised LookupError and was retried.
    case = committed(cast.open_case)
    committed(lambda: services.advance(case, "notify", cast.officer))
    committed(lambda: cast.served(case))
    served = Message.objects.filter(context__model="serviceact")
    assert served.exists() and all(m.context["app"] == "documents" for m in served)
    rows = Delivery.objects.filter(message__in=served)
    assert rows.exists()
    assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.SENT}
