"""The README's production server (uvicorn) started on the test database, for HTTP tests."""

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    settings = connection.settings_dict
    return (f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def api_token(username: str) -> str:
    """The key ``manage.py issue_token`` prints (the way an operator gets one)."""
    out = io.StringIO()
    call_command("issue_token", username, stdout=out)
    return out.getvalue().strip().splitlines()[-1].strip()


@contextmanager
def uvicorn_server(workers: int = 2, log: Path | None = None) -> Iterator[str]:
    """``DB_POOL=1 uvicorn config.asgi:application --workers N`` on the test database."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": database_url(), "DB_POOL": "1",
                   "API_TOKEN_CACHE_SECONDS": "0", "CELERY_TASK_ALWAYS_EAGER": "1"}
    environment.pop("REDIS_URL", None)  # the outbox stays pending; no broker is this test's business
    output = log.open("w") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--no-access-log"],
        cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/api/v1/public/listings/", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("uvicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
