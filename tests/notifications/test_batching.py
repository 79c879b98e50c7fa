"""Batch delivery: one task per batch of messages, each row claimed while pending, sent once."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import User
from notifications import delivery, services
from notifications.models import Delivery, Message, Preference
from notifications.tasks import deliver_message
from notifications.texts import render
from tests.conftest import Cast

Sends = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def pushed(monkeypatch: pytest.MonkeyPatch) -> Sends:
    """Every (group, event) handed to the channel layer, user pushes and department hints alike."""
    sends: Sends = []
    for module in ("notifications.transports.inapp", "notifications.delivery"):
        monkeypatch.setattr(f"{module}.group_send_many", lambda batch: sends.extend(batch))
    return sends


def pending_messages(cast: Cast, count: int) -> list[int]:
    for _ in range(count):
        cast.open_case()  # the test transaction never commits: the rows stay pending
    return list(Message.objects.order_by("pk").values_list("pk", flat=True))


def test_redelivered_batch_task_sends_nothing_twice(cast: Cast, committed: Callable[..., Any],
                                                     pushed: Sends) -> None:
    message_ids = pending_messages(cast, 3)
    first = committed(lambda: deliver_message.delay(message_ids).get())
    pushes_after_first = list(pushed)
    again = committed(lambda: deliver_message.delay(message_ids).get())
    assert first == {"sent": 6} and again == {}
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert pushed == pushes_after_first
    user_pushes = [event["payload"]["id"] for group, event in pushed if group.startswith("user.")]
    assert sorted(user_pushes) == sorted(Delivery.objects.values_list("pk", flat=True))


def test_a_bare_message_id_queued_before_batching_is_still_delivered(cast: Cast,
                                                                     committed: Callable[..., Any]) -> None:
    [message_id] = pending_messages(cast, 1)
    assert committed(lambda: deliver_message.delay(message_id).get()) == {"sent": 2}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_enqueue_queues_one_task_per_batch_of_message_ids(monkeypatch: pytest.MonkeyPatch,
                                                          settings: Any) -> None:
    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(deliver_message, "apply_async", lambda args, **options: queued.append(args))
    settings.NOTIFICATIONS_MESSAGES_PER_TASK = 2
    services.enqueue([11, 12, 13, 14, 15])
    assert queued == [([11, 12],), ([13, 14],), ([15],)]


def test_a_task_of_many_message_ids_is_logged_as_their_range_not_each_id(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    queued: list[tuple[Any, str]] = []
    monkeypatch.setattr(deliver_message, "apply_async",
                        lambda args, **options: queued.append((args, options["argsrepr"])))
    settings.NOTIFICATIONS_MESSAGES_PER_TASK = 100
    services.enqueue(list(range(1, 151)))
    services.enqueue([7, 8])
    assert queued == [((list(range(1, 101)),), "([1, …, 100] (100 ids),)"),
                      ((list(range(101, 151)),), "([101, …, 150] (50 ids),)"),
                      (([7, 8],), "([7, 8],)")]


def test_batch_renders_each_message_once_per_language(cast: Cast, committed: Callable[..., Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    User.objects.create(username="officer-2", role=cast.officer.role, department=cast.officer.department)
    Preference.objects.create(user=cast.reviewer, language="en")
    [message_id] = pending_messages(cast, 1)
    languages: list[str] = []

    def counting_render(template: str, context: dict[str, Any], language: str) -> Any:
        languages.append(language)
        return render(template, context, language)

    monkeypatch.setattr(delivery, "render", counting_render)
    outcomes = committed(lambda: delivery.deliver_messages([message_id]))
    assert [outcome.status for outcome in outcomes] == ["sent", "sent", "sent"]
    assert sorted(languages) == ["en", "zh-hans"]
    titles = dict(Delivery.objects.values_list("recipient__username", "title"))
    assert titles["officer"] == titles["officer-2"] != titles["reviewer"]


def test_batch_renders_messages_of_one_template_and_context_once(cast: Cast, committed: Callable[..., Any],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    [message_id] = pending_messages(cast, 1)
    first = Message.objects.get(pk=message_id)
    twin = Message.objects.create(key=f"{first.key}:twin", event=first.event, template=first.template,
                                  audience=first.audience, legal=first.legal, case=first.case,
                                  department=first.department, context=first.context)
    Delivery.objects.create(message=twin, channel="inapp", recipient=cast.officer,
                            key=f"{twin.pk}:inapp:twin", next_attempt_at=timezone.now())
    other = Message.objects.create(key=f"{first.key}:other", event=first.event, template=first.template,
                                   audience=first.audience, legal=first.legal, case=first.case,
                                   department=first.department, context={**first.context, "link": "/other/"})
    Delivery.objects.create(message=other, channel="inapp", recipient=cast.officer,
                            key=f"{other.pk}:inapp:other", next_attempt_at=timezone.now())
    contexts: list[dict[str, Any]] = []

    def counting_render(template: str, context: dict[str, Any], language: str) -> Any:
        contexts.append(context)
        return render(template, context, language)

    monkeypatch.setattr(delivery, "render", counting_render)
    outcomes = committed(lambda: delivery.deliver_messages([message_id, twin.pk, other.pk]))
    assert {outcome.status for outcome in outcomes} == {"sent"}
    assert len(contexts) == 2  # the twin's text is the first message's; the other context renders anew
    texts = {row.message_id: (row.title, row.body) for row in Delivery.objects.all()}
    assert texts[twin.pk] == texts[message_id] and texts[other.pk][0] == texts[message_id][0]


def test_batch_costs_the_same_queries_for_one_message_or_ten(cast: Cast, pushed: Sends) -> None:
    message_ids = pending_messages(cast, 11)
    with CaptureQueriesContext(connection) as one:
        delivery.deliver_messages(message_ids[:1])
    with CaptureQueriesContext(connection) as ten:
        delivery.deliver_messages(message_ids[1:])
    assert len(ten) == len(one)
    assert Delivery.objects.filter(status="sent").count() == 22


def test_department_hears_one_activity_hint_per_batch(cast: Cast, committed: Callable[..., Any],
                                                      pushed: Sends) -> None:
    message_ids = pending_messages(cast, 3)
    committed(lambda: delivery.deliver_messages(message_ids))
    hints = [(group, event["payload"]) for group, event in pushed if group.startswith("dept.")]
    last = Message.objects.get(pk=message_ids[-1])
    assert hints == [(f"dept.{cast.officer.department_id}", {
        "type": "activity", "event": "case.created", "case_id": last.case_id, "message_id": last.pk,
        "count": 3})]
    assert len([group for group, _event in pushed if group.startswith("user.")]) == 6


def test_push_carries_the_recipients_unread_count_after_the_batch(
        cast: Cast, committed: Callable[..., Any], pushed: Sends) -> None:
    message_ids = pending_messages(cast, 2)
    committed(lambda: delivery.deliver_messages(message_ids))
    unread = {(group, event["payload"]["unread"]) for group, event in pushed if group.startswith("user.")}
    assert unread == {(f"user.{cast.officer.pk}", 2), (f"user.{cast.reviewer.pk}", 2)}
