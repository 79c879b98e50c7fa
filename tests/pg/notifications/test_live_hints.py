"""The leadership office's transition hints on a shared (Redis) channel layer: the transitions one
process commits within ``HINT_WINDOW_SECONDS`` reach the pages as one hint, their count summed."""

import asyncio
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from oversight import live
from tests.conftest import Cast


@pytest.mark.django_db(transaction=True)
def test_hints_within_the_window_travel_as_one_and_a_later_one_follows(
        cast: Cast, redis_url: str, settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url]}}}
    [group] = live.leadership_groups()  # read once: cached for the hints below
    layer = get_channel_layer()
    assert layer is not None

    async def scenario() -> tuple[float, list[dict[str, Any]], list[dict[str, Any]]]:
        channel = await layer.new_channel()
        await layer.group_add(group, channel)

        async def hints_within(seconds: float) -> list[dict[str, Any]]:
            received = []
            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                try:
                    received.append((await asyncio.wait_for(layer.receive(channel), left))["payload"])
                except TimeoutError:
                    break
            return received

        started = time.monotonic()
        for _ in range(5):
            await sync_to_async(live.hint_transition)()
        took = time.monotonic() - started
        first = await hints_within(live.HINT_WINDOW_SECONDS * 4)
        await sync_to_async(live.hint_transition)()
        return took, first, await hints_within(live.HINT_WINDOW_SECONDS * 4)

    took, first, second = async_to_sync(scenario)()
    assert took < live.HINT_WINDOW_SECONDS  # nothing waited for Redis
    assert first == [{"type": "activity", "event": "oversight.changed", "reason": "transition", "count": 5}]
    assert second == [{"type": "activity", "event": "oversight.changed", "reason": "transition", "count": 1}]
