from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg.notifications.helpers import Worker, require_redis


@pytest.fixture
def redis_url() -> str:
    return require_redis()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[Worker]]:
    """Workers a test starts; whatever still runs at the end is stopped."""
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()
