"""Notifications tests run Celery eagerly, whatever REDIS_URL says (the real broker is tests/pg/)."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from config.celery import app


@pytest.fixture(autouse=True)
def eager_celery() -> Iterator[None]:
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Run ``action`` and then what it queued for after commit (delivery, live push)."""

    def run(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run
