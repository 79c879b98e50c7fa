"""A worker killed with SIGKILL mid-batch: after a new worker starts, every delivery is sent exactly once."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from notifications.models import Delivery, Preference
from notifications.tasks import deliver_pending
from tests.conftest import Cast
from tests.pg.notifications.helpers import Worker, celery_broker, wait_until

CASES = 40
SLOW_SEND_MS = "100"  # the kill must land while sends are still in flight


def slow_worker_env(sms_file: Path) -> dict[str, str]:
    # A short visibility timeout makes Redis hand the killed worker's unacknowledged tasks out
    # again during the test, so the redelivery path runs too (and must send nothing twice).
    return {"NOTIFICATIONS_SEND_DELAY_MS": SLOW_SEND_MS, "SMS_GATEWAY": "file",
            "SMS_FILE_PATH": str(sms_file), "CELERY_VISIBILITY_TIMEOUT_SECONDS": "5"}


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_batch_then_new_worker_sends_every_delivery_exactly_once(
        cast: Cast, redis_url: str, workers: list[Worker], tmp_path: Path, settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url]}}}
    for user, phone in ((cast.officer, "13800000001"), (cast.reviewer, "13800000002")):
        Preference.objects.create(user=user, phone=phone)
    sms_file = tmp_path / "sms.jsonl"
    env = slow_worker_env(sms_file)
    with celery_broker(redis_url):
        first = Worker(redis_url, tmp_path / "first.log", "--concurrency", "2", **env)
        workers.append(first)
        for _ in range(CASES):
            cast.open_case()
        total = Delivery.objects.count()
        wait_until(lambda: Delivery.objects.filter(status="sent").count() >= total // 3, 60,
                   "the first worker sent too little before the kill")
        first.kill()
        pending_after_kill = Delivery.objects.filter(status="pending").count()
        workers.append(Worker(redis_url, tmp_path / "second.log", "--concurrency", "2", **env))
        deliver_pending.delay()  # what beat does every NOTIFICATIONS_PENDING_INTERVAL_SECONDS
        wait_until(lambda: not Delivery.objects.exclude(status="sent").exists(), 120,
                   "deliveries left unsent after the second worker started")

    assert total == CASES * 4 and pending_after_kill > 0
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}
    sent_keys = Counter(json.loads(line)["id"] for line in sms_file.read_text().splitlines())
    sms_keys = set(Delivery.objects.filter(channel="sms").values_list("key", flat=True))
    assert set(sent_keys) == sms_keys and len(sms_keys) == CASES * 2
    assert [key for key, count in sent_keys.items() if count != 1] == []
