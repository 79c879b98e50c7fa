"""The README's production server (uvicorn) started on the test database, for HTTP tests.

``uvicorn_server`` runs uvicorn with chosen options; ``ReadmeServer`` runs the README's command
exactly as written (the port through ``UVICORN_PORT``); ``asgi_server`` runs uvicorn with DEBUG
off on the test Redis (its channel layer carries the live pushes) for the browser tests, serving
the static files ``collect_static`` wrote into a directory of the test's own.
"""

import io
import os
import re
import signal
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


def collect_static(static_root: Path) -> Path:
    """``collectstatic`` as `make run` runs it, into ``static_root`` (never the checkout's var/static/,
    whose copy may be older than the source)."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": database_url(), "STATIC_ROOT": str(static_root)})
    return static_root


@contextmanager
def asgi_server(redis_url: str, log: Path, static_root: Path) -> Iterator[str]:
    """uvicorn (DEBUG off) on the test database and the test Redis, Celery eager, WhiteNoise
    serving ``static_root`` (filled by ``collect_static``)."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": redis_url, "DEBUG": "0",
                   "CELERY_TASK_ALWAYS_EAGER": "1", "SECRET_KEY": "browser-test-" + "k" * 50,
                   "AUDIT_HMAC_KEY": "browser-test-audit-" + "a" * 40, "STATIC_ROOT": str(static_root)}
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log"], cwd=ROOT, env=environment, stdout=output,
            stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/accounts/login/", timeout=2)
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError("uvicorn did not start: " + log.read_text()) from None
                    time.sleep(0.3)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)


PORT = int(os.environ.get("CASEWORK_TEST_SERVER_PORT", "8121"))


def readme_server_command() -> str:
    """The one uvicorn command of the README's production paragraph, exactly as written."""
    commands = re.findall(r"`([^`]*uvicorn config\.asgi:application[^`]*)`", (ROOT / "README.md").read_text())
    assert len(commands) == 1, commands
    return commands[0]


class ReadmeServer:
    """``bash -c '<the README's command>'`` in its own process group; the port comes from UVICORN_PORT."""

    def __init__(self, log: Path, redis_url: str) -> None:
        self.url = f"http://127.0.0.1:{PORT}"
        environment = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
                       "DATABASE_URL": database_url(), "REDIS_URL": redis_url,
                       "UVICORN_PORT": str(PORT), "UVICORN_HOST": "127.0.0.1"}
        self.log = log
        self.process = subprocess.Popen(["bash", "-c", readme_server_command()], cwd=ROOT,
                                        env=environment, start_new_session=True,
                                        stdout=log.open("w"), stderr=subprocess.STDOUT)
        self._wait_until_up(60)

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/api/v1/public/listings/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not answer in {timeout} s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
