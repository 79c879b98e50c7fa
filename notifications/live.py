"""Channel-layer sends from synchronous code (workers) on one event loop per process.

asgiref's ``async_to_sync`` runs each call on a new event loop, and channels_redis keeps
its connection pools per loop: every live push paid for a loop and a Redis connection.
Here one daemon thread per process runs one loop for the life of the process, so the
layer's connections are opened once and reused, and a batch's pushes go out together.

The in-memory layer (embedded mode) belongs to the server's loop: its queues cannot be
fed from another loop's thread, so it keeps ``async_to_sync``, which reuses that loop
when called from a request.
"""

import asyncio
import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

GroupEvent = tuple[str, dict[str, Any]]
# A push is a hint (the inbox is the record): never hold a worker longer than this for one batch.
SEND_TIMEOUT_SECONDS = 10.0
# Concurrent group_send calls per batch: enough to overlap Redis round trips, few connections.
CONCURRENCY = 16


class LoopThread:
    """An event loop running forever in a daemon thread of the process that created it."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="notifications-live",
                                       daemon=True)
        self.thread.start()

    def usable(self) -> bool:
        # After a fork (Celery's prefork pool) the child has the object but not the thread.
        return self.pid == os.getpid() and self.thread.is_alive()


_lock = threading.Lock()
_runner: LoopThread | None = None


def _forget_after_fork() -> None:
    global _lock, _runner
    _lock, _runner = threading.Lock(), None


os.register_at_fork(after_in_child=_forget_after_fork)


def process_loop() -> asyncio.AbstractEventLoop:
    global _runner
    with _lock:
        if _runner is None or not _runner.usable():
            _runner = LoopThread()
        return _runner.loop


def group_send_many(sends: Sequence[GroupEvent]) -> None:
    """Send each (group, event); failures are logged, never raised (the message is in the inbox)."""
    layer = get_channel_layer()
    if layer is None or not sends:
        return
    if isinstance(layer, InMemoryChannelLayer):
        # Its groups are this process's: a group no socket of this process joined has no one
        # to hear (group_send would do nothing), and a loop for nothing costs a thread.
        sends = [(group, event) for group, event in sends if layer.groups.get(group)]
        if sends:
            async_to_sync(send_all)(layer, sends)
        return
    future = asyncio.run_coroutine_threadsafe(send_all(layer, sends), process_loop())
    try:
        future.result(timeout=SEND_TIMEOUT_SECONDS)
    except Exception:
        future.cancel()
        logger.warning("Live push of %d events failed; the messages stay in the inbox", len(sends),
                       exc_info=True)


async def send_all(layer: BaseChannelLayer, sends: Sequence[GroupEvent]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send_one(group: str, event: dict[str, Any]) -> None:
        async with gate:
            try:
                await layer.group_send(group, event)
            except Exception:
                logger.warning("Live push to %s failed; the message stays in the inbox", group,
                               exc_info=True)

    await asyncio.gather(*(send_one(group, event) for group, event in sends))
