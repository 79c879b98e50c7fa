"""One queued dispatch at a time on a Redis broker (notifications/dispatch.py): no delivery is lost.

A real Redis and a real worker: the commits made while a dispatch is queued publish nothing,
the dispatch sends their rows; a flag whose task was lost stops standing after its window and
the next commit queues a dispatch that sends every row left behind.
"""

import time
from pathlib import Path
from typing import Any

import pytest
import redis

from config.celery import app
from notifications import dispatch, tasks
from notifications.models import Delivery
from notifications.services import enqueue
from tests.conftest import Cast
from tests.pg.notifications.helpers import Worker, celery_broker, wait_until

CASES = 12


def queued_tasks(url: str) -> int:
    return int(redis.Redis.from_url(url).llen(app.conf.task_default_queue))


@pytest.mark.django_db(transaction=True)
def test_commits_while_a_dispatch_is_queued_publish_nothing_and_the_dispatch_sends_their_rows(
        cast: Cast, redis_url: str, workers: list[Worker], tmp_path: Path, settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url]}}}
    flags = redis.Redis.from_url(redis_url)
    with celery_broker(redis_url):
        for _ in range(CASES):
            cast.open_case()
        # No worker yet: the first commit queued the one dispatch, the others found its flag.
        assert queued_tasks(redis_url) == 1
        assert flags.exists(dispatch.flag_key(app))
        assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
        workers.append(Worker(redis_url, tmp_path / "worker.log", "--concurrency", "2"))
        wait_until(lambda: not Delivery.objects.exclude(status="sent").exists(), 60,
                   "rows committed while the dispatch was queued were not sent")
        assert not flags.exists(dispatch.flag_key(app))  # cleared by the dispatch
        # With the worker idle, a commit queues a dispatch of its own again.
        late = cast.open_case()
        wait_until(lambda: not Delivery.objects.filter(message__case=late).exclude(status="sent").exists(),
                   60, "a commit after the dispatch ran was not sent")

    assert Delivery.objects.count() == (CASES + 1) * 2
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_a_flag_whose_dispatch_was_lost_stops_standing_and_the_next_dispatch_sends_every_row(
        cast: Cast, redis_url: str, workers: list[Worker], tmp_path: Path, settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url]}}}
    settings.NOTIFICATIONS_DISPATCH_WINDOW_SECONDS = 1
    with celery_broker(redis_url):
        workers.append(Worker(redis_url, tmp_path / "worker.log", "--concurrency", "2"))
        # A dispatch was queued and lost (a broker restart): its flag stands, no task waits.
        assert dispatch.claim_flag(app, redis.Redis.from_url(redis_url))
        stranded = [cast.open_case() for _ in range(3)]
        assert queued_tasks(redis_url) == 0
        time.sleep(1.2)  # the window passes
        cast.open_case()
        wait_until(lambda: not Delivery.objects.exclude(status="sent").exists(), 60,
                   "rows committed under a lost dispatch's flag were not sent")

    assert Delivery.objects.filter(message__case__in=stranded).count() == 6
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_the_dispatch_clears_its_flag_before_it_claims_any_row(
        cast: Cast, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    flags = redis.Redis.from_url(redis_url)
    standing_at_claim: list[bool] = []

    def claim(*args: Any, **kwargs: Any) -> list[Any]:
        standing_at_claim.append(bool(flags.exists(dispatch.flag_key(app))))
        return []

    monkeypatch.setattr(tasks.delivery, "deliver_pending", claim)
    with celery_broker(redis_url):
        client = dispatch.flag_client(app)
        assert client is not None and dispatch.claim_flag(app, client)
        tasks.deliver_queued()
    assert standing_at_claim == [False]


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_messages_goes_as_tasks_of_its_ids_for_every_worker_to_share(
        redis_url: str, settings: Any) -> None:
    """A sweep's digests or an import's notices: one dispatch would leave all of them to one
    worker, so a batch of NOTIFICATIONS_MESSAGES_PER_TASK or more is queued by ids, flag untouched."""
    settings.NOTIFICATIONS_MESSAGES_PER_TASK = 100
    flags = redis.Redis.from_url(redis_url)
    with celery_broker(redis_url):
        enqueue(list(range(1, 251)))
        assert queued_tasks(redis_url) == 3
        assert not flags.exists(dispatch.flag_key(app))
        enqueue([251, 252])  # a transition's few messages take the flag and one dispatch
        assert queued_tasks(redis_url) == 4
        assert flags.exists(dispatch.flag_key(app))
        enqueue([253])
        assert queued_tasks(redis_url) == 4
