"""The Python client of docs/api.md runs as written: from draft to listing over HTTP (WSGI)."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from django.utils import translation

from config.wsgi import application
from tests.api.conftest import key_for
from tests.conftest import Cast

DOC = Path(settings.BASE_DIR) / "docs" / "api.md"
PYTHON_BLOCK = re.compile(r"### A client in Python \(httpx\).*?```python\n(.*?)```", re.DOTALL)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """The real WSGI handler closes the connection after each request: not inside a test."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # LocaleMiddleware activates the client's language in this thread: give the next test its own.
    with translation.override(translation.get_language()):
        yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_documented_client_takes_a_case_from_draft_to_listing(cast: Cast) -> None:
    match = PYTHON_BLOCK.search(DOC.read_text(encoding="utf-8"))
    assert match is not None, "docs/api.md lost its Python client example"
    example: dict[str, Any] = {}
    exec(compile(match.group(1), str(DOC), "exec"), example)  # noqa: S102 - our own documentation

    def connect(user: Any) -> httpx.Client:
        token = key_for(user)
        return example["connect"](token, base_url="http://testserver/api/v1",
                                  transport=httpx.WSGITransport(app=application))

    case = example["draft_to_listing"](connect(cast.officer), connect(cast.subject_user),
                                       connect(cast.reviewer))
    assert (case["state"], case["subject"], case["list_type"]) == ("listed", cast.subject.pk, "serious")
