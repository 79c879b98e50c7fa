"""The WebSocket endpoint on the configured channel layer (in-memory by default)."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from tests.conftest import Cast

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def session_headers(user: object) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return [ORIGIN, (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode())]


@pytest.mark.django_db(transaction=True)
def test_anonymous_connection_is_refused_with_4401() -> None:
    async def connect() -> tuple[bool, int | str | None]:
        communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN])
        return await communicator.connect()

    assert async_to_sync(connect)() == (False, 4401)


@pytest.mark.django_db(transaction=True)
def test_signed_in_user_gets_the_unread_count_on_connect(cast: Cast) -> None:
    headers = session_headers(cast.officer)

    async def hello() -> object:
        communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
        connected, _code = await communicator.connect()
        assert connected
        greeting = await communicator.receive_json_from()
        await communicator.disconnect()
        return greeting

    assert async_to_sync(hello)() == {"type": "hello", "unread": 0}
