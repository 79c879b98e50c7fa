"""HTTP through the ASGI entry point: one crossing into sync code, same answers as WSGI."""

import asyncio
from typing import Any

import pytest
from asgiref.sync import iscoroutinefunction
from asgiref.testing import ApplicationCommunicator

from config.asgi import application
from config.handlers import OneHopASGIHandler


def test_the_middleware_chain_is_built_in_sync_mode() -> None:
    assert not iscoroutinefunction(OneHopASGIHandler()._middleware_chain)


async def get(path: str) -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 50000),
             "server": ("127.0.0.1", 80)}
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start: dict[str, Any] = await communicator.receive_output(timeout=10)
    body = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    return start["status"], body


@pytest.mark.django_db(transaction=True)
def test_the_public_exit_list_answers_over_asgi() -> None:
    status, body = asyncio.run(get("/api/v1/public/exits/"))
    assert status == 200
    assert body.startswith(b'{"count":0')


@pytest.mark.django_db(transaction=True)
def test_an_unknown_path_is_a_404_over_asgi() -> None:
    status, _body = asyncio.run(get("/no/such/page/"))
    assert status == 404
