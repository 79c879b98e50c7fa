"""The Celery delivery path on each supported broker: Redis and RabbitMQ.

A real worker process takes the delivery tasks from the broker and sends every
delivery of the committed transitions exactly once.
"""

from pathlib import Path
from typing import Any

import pytest
from kombu import Connection

from config.celery import app
from notifications.models import Delivery
from tests.conftest import Cast
from tests.pg.notifications.helpers import Worker, celery_broker, require_rabbitmq, wait_until

CASES = 5


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest, redis_url: str) -> str:
    return redis_url if request.param == "redis" else require_rabbitmq()


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_broker_sends_every_delivery_exactly_once(
        cast: Cast, broker_url: str, redis_url: str, workers: list[Worker], tmp_path: Path,
        settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url]}}}
    # A queue of this test's own: another suite's worker on the same broker never takes its tasks.
    queue = f"casework-test-{tmp_path.name}"
    saved_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with celery_broker(broker_url):
            workers.append(Worker(redis_url, tmp_path / "worker.log", "-Q", queue, "--pool", "solo",
                                  CELERY_BROKER_URL=broker_url))
            for _ in range(CASES):
                cast.open_case()
            wait_until(lambda: not Delivery.objects.exclude(status="sent").exists(), 60,
                       f"deliveries left unsent on {broker_url}")
    finally:
        app.conf.task_default_queue = saved_queue
        with Connection(broker_url) as connection:
            connection.default_channel.queue_delete(queue)
    assert Delivery.objects.count() == CASES * 2
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}
    assert f"Connected to {broker_url.split('://')[0]}" in (tmp_path / "worker.log").read_text()
