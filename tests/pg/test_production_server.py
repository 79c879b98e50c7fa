"""The README's production command (uvicorn, 4 workers) serves live notices and honours revocations.

A real server process group, real sockets, the test database and the test Redis: a session
cookie and an API token both open ``/ws/notifications/`` and receive what another process
sends over the Redis channel layer; a revoked token is refused by every worker at once,
although each had it in its 30-second cache.
"""

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client
from websockets.sync.client import connect

from casework.models import User
from casework.services.accounts import issue_token, revoke_token
from notifications.transports.inapp import user_group
from tests.conftest import Cast
from tests.pg.notifications.helpers import require_redis
from tests.pg.servers import PORT, ReadmeServer

SOCKET = f"ws://127.0.0.1:{PORT}/ws/notifications/"
ORIGIN = f"http://127.0.0.1:{PORT}"
WORKERS = 4


@pytest.fixture(scope="module")
def server(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[ReadmeServer, str]]:
    redis_url = require_redis()
    with django_db_blocker.unblock():
        running = ReadmeServer(tmp_path_factory.mktemp("server") / "uvicorn.log", redis_url)
    yield running, redis_url
    running.stop()


@pytest.fixture
def redis_layer(server: tuple[ReadmeServer, str], settings: Any) -> str:
    """This process talks to the server's workers through the same Redis."""
    redis_url = server[1]
    settings.REDIS_URL = redis_url
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url]}}}
    return redis_url


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def pushed_to(user: User, socket: Any) -> dict[str, Any]:
    """Send a message to the user's group from this process; return what the socket received."""
    async_to_sync(get_channel_layer().group_send)(
        user_group(user.pk), {"type": "notification.message", "payload": {"type": "notification", "n": 1}})
    return json.loads(socket.recv(timeout=5))


@pytest.mark.django_db(transaction=True)
def test_the_readme_server_opens_the_socket_with_a_session_cookie(cast: Cast, redis_layer: str) -> None:
    headers = {"Cookie": session_cookie(cast.officer), "Origin": ORIGIN}

    with connect(SOCKET, additional_headers=headers, open_timeout=10) as socket:
        assert json.loads(socket.recv(timeout=5)) == {"type": "hello", "unread": 0}
        assert pushed_to(cast.officer, socket) == {"type": "notification", "n": 1}


@pytest.mark.django_db(transaction=True)
def test_the_readme_server_opens_the_socket_with_an_api_token(cast: Cast, redis_layer: str) -> None:
    key = issue_token(None, cast.officer, name="department system").key

    with connect(SOCKET, subprotocols=["casework.token", key], open_timeout=10) as socket:  # type: ignore[list-item]
        assert socket.subprotocol == "casework.token"
        assert json.loads(socket.recv(timeout=5)) == {"type": "hello", "unread": 0}
        assert pushed_to(cast.officer, socket) == {"type": "notification", "n": 1}
    with connect(SOCKET, additional_headers={"Authorization": f"Token {key}"}, open_timeout=10) as socket:
        assert socket.recv(timeout=5) == '{"type": "hello", "unread": 0}'


@pytest.mark.django_db(transaction=True)
def test_a_revoked_token_is_refused_by_every_worker_at_once(cast: Cast, redis_layer: str) -> None:
    admin = User.objects.create_superuser("root", password="x", role="admin")
    issued = issue_token(None, cast.officer, name="department system")
    headers = {"Authorization": f"Token {issued.key}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", headers=headers) as client:
        # Enough calls that every worker has the token in its cache.
        before = {client.get("/api/v1/cases/").status_code for _ in range(WORKERS * 8)}

        revoke_token(admin, issued.token)
        after = {client.get("/api/v1/cases/").status_code for _ in range(WORKERS * 8)}

    assert (before, after) == ({200}, {401})
