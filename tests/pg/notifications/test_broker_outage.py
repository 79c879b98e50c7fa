"""Redis stopped while transitions happen: they commit; when Redis returns, the backlog is delivered."""

import socket
import time
from pathlib import Path
from typing import Any

import pytest

from casework import services
from casework.models import Case
from notifications.models import Delivery
from tests.conftest import Cast
from tests.pg.notifications.helpers import RedisServer, Worker, celery_broker, wait_until

CASES = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_transitions_commit_while_redis_is_down_and_the_backlog_is_delivered_after(
        cast: Cast, redis_url: str, workers: list[Worker], tmp_path: Path, settings: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    broker = RedisServer(free_port(), tmp_path)
    broker.start()
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [broker.url]}}}
    try:
        with celery_broker(broker.url):
            broker.stop()
            started = time.monotonic()
            cases = [cast.open_case() for _ in range(CASES)]
            for case in cases:
                services.advance(case, "notify", cast.officer)
            outage_seconds = time.monotonic() - started

            assert Case.objects.filter(state="notified").count() == CASES
            assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
            assert caplog.text.count("deliver_pending will send them") == CASES * 2

            broker.start()
            workers.append(Worker(broker.url, tmp_path / "after.log", "-B", "-s",
                                  str(tmp_path / "beat-schedule"),
                                  NOTIFICATIONS_PENDING_INTERVAL_SECONDS="1"))
            late = cast.open_case()  # queued normally again: the producer reconnects
            wait_until(lambda: not Delivery.objects.exclude(status="sent").exists(), 60,
                       "the backlog was not delivered after Redis came back")
    finally:
        broker.stop()

    # Each transition paid at most one refused connection, never a hang.
    assert outage_seconds < CASES * 2 * 2, outage_seconds
    assert Delivery.objects.filter(message__case=late).count() == 2
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}
