"""Real Redis and real Celery worker processes for the notifications tests on PostgreSQL.

Redis-needing tests behave like tests/pg: skipped with the reason when REDIS_URL is
unset or does not answer, failed instead when CASEWORK_REQUIRE_SERVICES=1. They use
their own Redis database (CASEWORK_TEST_REDIS_DB, default 15), flushed first, so a
worker here never takes another suite's tasks.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parents[3]
REQUIRE_SERVICES = "CASEWORK_REQUIRE_SERVICES"


def with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def redis_missing_reason(url: str) -> str | None:
    if not url:
        return "needs the real Redis: set REDIS_URL=redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return f"needs the real Redis, {url} does not answer: {error}"
    return None


def require_redis() -> str:
    """The flushed test Redis URL, or skip (fail under CASEWORK_REQUIRE_SERVICES=1)."""
    url = os.environ.get("REDIS_URL", "")
    reason = redis_missing_reason(url)
    if reason is not None:
        if os.environ.get(REQUIRE_SERVICES) == "1":
            pytest.fail(f"{REQUIRE_SERVICES}=1 and this test {reason}", pytrace=False)
        pytest.skip(reason)
    test_url = with_db(url, int(os.environ.get("CASEWORK_TEST_REDIS_DB", "15")))
    redis.Redis.from_url(test_url).flushdb()
    return test_url


def rabbitmq_missing_reason(url: str) -> str | None:
    if not url:
        return "needs the real RabbitMQ: set RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672//"
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=0)
    except Exception as error:  # kombu raises the transport's own errors
        return f"needs the real RabbitMQ, {url} does not answer: {error}"
    return None


def require_rabbitmq() -> str:
    """RABBITMQ_URL, or skip (fail under CASEWORK_REQUIRE_SERVICES=1)."""
    url = os.environ.get("RABBITMQ_URL", "")
    reason = rabbitmq_missing_reason(url)
    if reason is not None:
        if os.environ.get(REQUIRE_SERVICES) == "1":
            pytest.fail(f"{REQUIRE_SERVICES}=1 and this test {reason}", pytrace=False)
        pytest.skip(reason)
    return url


def database_url() -> str:
    settings = connection.settings_dict
    return (f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}")


def reset_producers() -> None:
    # kombu keeps producer pools per connection URL: forgetting ours makes the next publish
    # take (or create) the pool of the URL now configured.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Queue this process's tasks on ``url`` for real (not eagerly)."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset_producers()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        reset_producers()


class Worker:
    """``celery -A config worker`` in its own process group, so SIGKILL takes its children too."""

    def __init__(self, redis_url: str, log: Path, *extra: str, **env: str) -> None:
        self.log = log
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info",
                   "--prefetch-multiplier", "1", "-n", f"{log.stem}@%h", *extra]
        environment = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": redis_url,
                       "CELERY_TASK_ALWAYS_EAGER": "0", **env}
        self.process = subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True,
                                        stdout=log.open("w"), stderr=subprocess.STDOUT)
        wait_until(lambda: " ready." in log.read_text(), 60, f"worker {log.stem} never became ready")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until(predicate: Callable[[], bool], timeout: float, failure: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(failure)
        time.sleep(0.05)


class RedisServer:
    """A private redis-server, so a test can stop and restart "the" broker without touching others."""

    def __init__(self, port: int, directory: Path) -> None:
        self.port, self.directory = port, directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: redis_missing_reason(self.url) is None, 10, "private redis did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
