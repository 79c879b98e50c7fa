"""Benchmark (not a test): 10 000 messages through 2 Celery workers, and WebSocket push latency.

Needs PostgreSQL and Redis; it migrates the database it is given, so point it at a scratch one:

    createdb -h 127.0.0.1 -U postgres casework_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_bench \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python -m bench.notifications [--messages 10000]

``--messages-per-task 1`` queues one task per message (the shape of single transitions)
instead of ``services.enqueue``'s batches.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("AUDIT_HMAC_KEY", "casework-benchmark-audit-key")  # a throwaway database
django.setup()

from asgiref.sync import async_to_sync  # noqa: E402
from channels.db import database_sync_to_async  # noqa: E402
from channels.testing import WebsocketCommunicator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from casework.choices import DepartmentKind, Role  # noqa: E402
from casework.models import Department, User  # noqa: E402
from config.asgi import application  # noqa: E402
from config.celery import app  # noqa: E402
from notifications.choices import Audience, Channel  # noqa: E402
from notifications.delivery import deliver_messages  # noqa: E402
from notifications.models import Delivery, Message  # noqa: E402
from notifications.services import enqueue, enqueue_after_commit  # noqa: E402
from notifications.tasks import deliver_message  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONTEXT = {"event": "bench.ping", "case_number": "BENCH-1", "subject": "基准测试主体",
           "object_label": "case", "transition": "ping", "actor": "bench", "at": "", "link": ""}


def bench_user() -> User:
    department, _ = Department.objects.get_or_create(
        code="bench", defaults={"name": "基准测试部门", "kind": DepartmentKind.DETERMINING})
    user, _ = User.objects.get_or_create(username="bench-officer",
                                         defaults={"role": Role.OFFICER, "department": department})
    return user


def write_messages(user: User, count: int, tag: str) -> list[int]:
    messages = Message.objects.bulk_create(
        Message(key=f"bench:{tag}:{i}", event="bench.ping", template="owner_step",
                audience=Audience.OWNER, department=user.department, context=CONTEXT)
        for i in range(count))
    Delivery.objects.bulk_create(
        Delivery(message=m, channel=Channel.INAPP, recipient=user, key=f"{m.pk}:inapp:u{user.pk}")
        for m in messages)
    return [m.pk for m in messages]


def start_workers(count: int) -> list[subprocess.Popen[bytes]]:
    workers = [subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "warning", "--concurrency", "1",
         "--prefetch-multiplier", "1", "-n", f"bench{i}@%h"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(count)]
    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=0.5) or []) < count:
        if time.monotonic() > deadline:
            raise SystemExit("workers did not start")
    return workers


def in_process(user: User, batch: int) -> dict[str, float]:
    """Delivery without Celery: one message alone, then a batch (time and queries per message)."""
    ids = write_messages(user, batch + 2, f"inprocess{time.time_ns()}")
    deliver_messages(ids[:1])  # warm up: templates, the push loop, the Redis connection
    with CaptureQueriesContext(connection) as one_queries:
        started = time.monotonic()
        deliver_messages(ids[1:2])
        one_s = time.monotonic() - started
    with CaptureQueriesContext(connection) as batch_queries:
        started = time.monotonic()
        deliver_messages(ids[2:])
        batch_s = time.monotonic() - started
    return {"one_ms": one_s * 1000, "one_queries": len(one_queries), "batch": batch,
            "batch_ms_per_message": batch_s * 1000 / batch, "batch_queries": len(batch_queries)}


def queue(ids: list[int], per_task: int | None) -> None:
    if per_task is None:
        enqueue(ids)  # what the services do: batches of NOTIFICATIONS_MESSAGES_PER_TASK
        return
    for start in range(0, len(ids), per_task):
        deliver_message.apply_async((ids[start:start + per_task],))


def throughput(user: User, count: int, per_task: int | None) -> dict[str, float]:
    ids = write_messages(user, count, f"throughput{time.time_ns()}")
    started = time.monotonic()
    queue(ids, per_task)
    queued = time.monotonic() - started
    pending = Delivery.objects.filter(message_id__in=ids, status="pending")
    while pending.exists():
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    return {"messages": count, "enqueue_s": queued, "total_s": elapsed, "per_s": count / elapsed}


def write_one(user: User, tag: str) -> float:
    with transaction.atomic():
        ids = write_messages(user, 1, tag)
        enqueue_after_commit(ids)
    return time.monotonic()  # on_commit (the publish) has run: this is the commit time


def latency(user: User, samples: int) -> dict[str, float]:
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())]

    async def measure() -> list[float]:
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=5)
        seconds = []
        for i in range(samples):
            started = time.monotonic()
            await database_sync_to_async(write_one)(user, f"latency{time.time_ns()}:{i}")
            while (await socket.receive_json_from(timeout=5))["type"] != "notification":
                pass
            seconds.append(time.monotonic() - started)
        await socket.disconnect()
        return seconds

    seconds = sorted(async_to_sync(measure)())
    return {"samples": samples, "p50_ms": statistics.median(seconds) * 1000,
            "p99_ms": seconds[int(len(seconds) * 0.99) - 1] * 1000, "max_ms": seconds[-1] * 1000}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--messages-per-task", type=int, default=None)
    args = parser.parse_args(argv)
    if not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        raise SystemExit("needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    call_command("migrate", verbosity=0)
    app.control.purge()
    user = bench_user()
    report: dict[str, Any] = {"in_process": in_process(user, 100)}
    workers = start_workers(args.workers)
    try:
        report["throughput"] = throughput(user, args.messages, args.messages_per_task)
        report["latency"] = latency(user, args.samples)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
    print(report)


if __name__ == "__main__":
    main()
