"""A deadline that a sweep breaches reaches the leadership office's pages live (over the
notifications WebSocket): one hint after the sweep's commit, then the figures are read again."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from config.asgi import application
from oversight import dashboard
from tests.conftest import Cast
from tests.notifications.test_consumer import session_headers
from workflows.choices import DeadlineState, Rung
from workflows.models import Deadline, Policy
from workflows.sweep import sweep


def clock_falling_due(cast: Cast) -> Deadline:
    """A running objection-acceptance clock whose due time has just passed (the breach rung is due)."""
    case = cast.open_case()
    Deadline.objects.all().delete()
    now = timezone.now()
    policy = Policy.objects.filter(step="objection_accept").order_by("pk").first()
    assert policy is not None
    return Deadline.objects.create(
        case=case, target_type=ContentType.objects.get_for_model(case), target_id=case.pk,
        step="objection_accept", policy=policy, party=policy.party, department=cast.owner,
        state=DeadlineState.RUNNING, started_on=now.date() - timedelta(days=3), length=2,
        due_on=now.date() - timedelta(days=1), due_at=now - timedelta(seconds=1),
        next_fire_at=now - timedelta(seconds=1), next_rung=Rung.BREACH, escalation_level=1,
    )


@pytest.mark.django_db(transaction=True)
def test_a_sweep_breach_sends_the_leadership_office_one_hint(cast: Cast) -> None:
    clock = clock_falling_due(cast)
    headers = session_headers(cast.leadership_user)

    async def scenario() -> list[dict[str, object]]:
        communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
        assert (await communicator.connect())[0]
        assert (await communicator.receive_json_from())["type"] == "hello"
        await database_sync_to_async(sweep)()
        received = []
        while not await communicator.receive_nothing(timeout=0.5):
            received.append(await communicator.receive_json_from())
        await communicator.disconnect()
        return received

    received = async_to_sync(scenario)()
    # (the hint of the case's opening, sent up to oversight.live.HINT_WINDOW_SECONDS after its
    # commit on a Redis layer, may arrive here too)
    hints = [event for event in received if event.get("event") == "oversight.changed"
             and event.get("reason") != "transition"]
    assert hints == [{"type": "activity", "event": "oversight.changed", "reason": "sweep", "count": 1}]
    clock.refresh_from_db()
    assert clock.state == DeadlineState.BREACHED
    assert dashboard.build().cell(cast.owner.pk, "objection").overdue == 1


@pytest.mark.django_db(transaction=True)
def test_other_departments_get_no_oversight_hint(cast: Cast) -> None:
    clock_falling_due(cast)
    headers = session_headers(cast.other_officer)

    async def scenario() -> list[dict[str, object]]:
        communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
        assert (await communicator.connect())[0]
        await communicator.receive_json_from()
        await database_sync_to_async(sweep)()
        received = []
        while not await communicator.receive_nothing(timeout=0.5):
            received.append(await communicator.receive_json_from())
        await communicator.disconnect()
        return received

    assert [e for e in async_to_sync(scenario)() if e.get("event") == "oversight.changed"] == []
