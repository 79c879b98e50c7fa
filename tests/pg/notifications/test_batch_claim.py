"""A batch claim on the real PostgreSQL: a row locked elsewhere is skipped, never waited for or sent twice."""

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from notifications import delivery
from notifications.models import Delivery, Message
from tests.conftest import Cast

WAIT_SECONDS = 30


def hold_lock(delivery_id: int, locked: threading.Event, release: threading.Event) -> None:
    """Another worker's claim transaction, sitting on one row until told to roll back."""
    try:
        with transaction.atomic():
            Delivery.objects.select_for_update().get(pk=delivery_id)
            locked.set()
            release.wait(WAIT_SECONDS)
            transaction.set_rollback(True)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_batch_skips_a_row_locked_elsewhere_and_a_later_run_sends_it_once(
        cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    pushes: list[Any] = []
    monkeypatch.setattr("notifications.services.enqueue", lambda message_ids: None)  # rows stay pending
    for module in ("notifications.transports.inapp", "notifications.delivery"):
        monkeypatch.setattr(f"{module}.group_send_many", lambda batch: pushes.extend(batch))
    for _ in range(3):
        cast.open_case()
    message_ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
    locked_row = Delivery.objects.order_by("pk")[2]
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_lock, args=(locked_row.pk, locked, release))
    holder.start()
    try:
        assert locked.wait(WAIT_SECONDS)
        first = delivery.deliver_messages(message_ids)
    finally:
        release.set()
        holder.join(WAIT_SECONDS)

    assert len(first) == 5 and {outcome.status for outcome in first} == {"sent"}
    assert locked_row.pk not in {outcome.delivery_id for outcome in first}
    locked_row.refresh_from_db()
    assert (locked_row.status, locked_row.attempts) == ("pending", 0)
    second = delivery.deliver_messages(message_ids)
    assert [(outcome.delivery_id, outcome.status) for outcome in second] == [(locked_row.pk, "sent")]
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    user_pushes = [event["payload"]["id"] for group, event in pushes if group.startswith("user.")]
    assert sorted(user_pushes) == sorted(Delivery.objects.values_list("pk", flat=True))
