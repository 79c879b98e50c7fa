"""Live push end to end: transition commits → Redis broker → worker process → Redis channel layer
→ the WebSocket of the owner department's officer, within one second."""

import time
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from casework import services
from config.asgi import application
from tests.conftest import Cast
from tests.notifications.test_consumer import ORIGIN, session_headers
from tests.pg.notifications.helpers import Worker, celery_broker

PUSH_WITHIN_SECONDS = 1.0


async def connected(user: Any) -> WebsocketCommunicator:
    headers = await database_sync_to_async(session_headers)(user)
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


async def next_notification(communicator: WebsocketCommunicator, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        event = await communicator.receive_json_from(timeout=max(deadline - time.monotonic(), 0.001))
        if event["type"] == "notification":
            return event


@pytest.mark.django_db(transaction=True)
def test_owner_officer_gets_the_push_within_a_second_and_others_get_nothing(
        cast: Cast, redis_url: str, settings: Any, workers: list[Worker], tmp_path: Path) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url]}}}
    workers.append(Worker(redis_url, tmp_path / "push.log", "--pool", "solo"))

    async def scenario() -> None:
        officer, other_officer, subject, other_subject = [
            await connected(user) for user in
            (cast.officer, cast.other_officer, cast.subject_user, cast.other_subject_user)
        ]
        case = await database_sync_to_async(cast.open_case)()
        committed_at = time.monotonic()
        pushed = await next_notification(officer, PUSH_WITHIN_SECONDS)
        latency = time.monotonic() - committed_at
        assert latency < PUSH_WITHIN_SECONDS, latency
        assert (pushed["event"], pushed["case_id"], pushed["unread"]) == ("case.created", case.pk, 1)
        assert pushed["title"].startswith(f"【{case.number}】")

        await database_sync_to_async(services.advance)(case, "notify", cast.officer)
        told = await next_notification(subject, PUSH_WITHIN_SECONDS)
        assert (told["event"], told["legal"], told["unread"]) == ("case.notify", True, 1)
        assert (await next_notification(officer, PUSH_WITHIN_SECONDS))["event"] == "case.notify"
        for outsider in (other_officer, other_subject):
            assert await outsider.receive_nothing(timeout=0.5)
        for communicator in (officer, other_officer, subject, other_subject):
            await communicator.disconnect()

    with celery_broker(redis_url):
        async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_anonymous_connection_is_refused_on_the_redis_layer(redis_url: str, settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url]}}}

    async def connect() -> tuple[bool, int | str | None]:
        return await WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN]).connect()

    assert async_to_sync(connect)() == (False, 4401)
