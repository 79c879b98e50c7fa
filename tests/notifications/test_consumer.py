"""The WebSocket endpoint on the configured channel layer (in-memory by default)."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from casework.models import User
from casework.services.accounts import issue_token, revoke_token
from config.asgi import application
from tests.api.conftest import key_for
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
        return await communicator.connect(timeout=10)

    assert async_to_sync(connect)() == (False, 4401)


@pytest.mark.django_db(transaction=True)
def test_signed_in_user_gets_the_unread_count_on_connect(cast: Cast) -> None:
    headers = session_headers(cast.officer)

    async def hello() -> object:
        communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
        connected, _code = await communicator.connect(timeout=10)
        assert connected
        greeting = await communicator.receive_json_from(timeout=10)
        await communicator.disconnect()
        return greeting

    assert async_to_sync(hello)() == {"type": "hello", "unread": 0}


def connect_with(**options: object) -> tuple[bool, object, object]:
    async def run() -> tuple[bool, object, object]:
        communicator = WebsocketCommunicator(application, "/ws/notifications/", **options)  # type: ignore[arg-type]
        connected, detail = await communicator.connect(timeout=10)
        greeting = await communicator.receive_json_from(timeout=10) if connected else None
        await communicator.disconnect()
        return connected, detail, greeting

    return async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
def test_another_systems_client_connects_with_its_token_in_a_header_without_an_origin(cast: Cast) -> None:
    key = key_for(cast.officer)

    connected, _detail, greeting = connect_with(headers=[(b"authorization", f"Token {key}".encode())])

    assert (connected, greeting) == (True, {"type": "hello", "unread": 0})


@pytest.mark.django_db(transaction=True)
def test_a_browser_client_sends_its_token_as_a_subprotocol_and_the_key_is_not_echoed(cast: Cast) -> None:
    key = key_for(cast.officer)

    connected, subprotocol, greeting = connect_with(subprotocols=["casework.token", key])

    assert (connected, subprotocol, greeting) == (True, "casework.token", {"type": "hello", "unread": 0})


@pytest.mark.django_db(transaction=True)
def test_an_unknown_or_revoked_token_is_refused_with_4401(cast: Cast) -> None:
    issued = issue_token(None, cast.officer, name="socket")
    revoke_token(User.objects.create_superuser("root", password="x", role="admin"), issued.token)

    assert connect_with(subprotocols=["casework.token", issued.key])[:2] == (False, 4401)
    assert connect_with(headers=[(b"authorization", b"Token cw_nosuchkey")])[:2] == (False, 4401)
