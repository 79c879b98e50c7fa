"""A private PostgreSQL primary and its streaming replica, and the app processes, for the scale-out run.

The primary is a fresh cluster of its own (not the machine's shared one: a base backup of
that would copy every other database on it); the replica is made from it with
``pg_basebackup -R`` and replays its WAL over streaming replication.
"""

import glob
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit(f"{name} not found under /usr/lib/postgresql/*/bin")
    return found[-1]


def as_postgres(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def wait_until(predicate: Callable[[], bool], timeout: float, failure: str) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise SystemExit(failure)
        time.sleep(0.05)
    return time.monotonic() - started


class Cluster:
    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.data = directory / f"pg{port}"

    def url(self, database: str = "casework") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "casework") -> str:
        return subprocess.run([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                               "-d", database, "-tAc", sql], check=True, capture_output=True,
                              text=True).stdout.strip()

    def init_primary(self) -> None:
        subprocess.run(as_postgres([pg_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True)

    def clone_from(self, primary: "Cluster") -> None:
        subprocess.run(as_postgres([pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
                                    "-U", "postgres", "-D", str(self.data), "-R", "-X", "stream",
                                    "-c", "fast"]), check=True, capture_output=True)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                   "-c wal_level=replica -c max_wal_senders=5 -c hot_standby=on -c fsync=off "
                   "-c max_connections=200")
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                                    str(self.directory / f"pg{self.port}.log"), "-w", "start"]),
                       check=True, capture_output=True)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
                           capture_output=True)


def make_workspace() -> Path:
    directory = Path(f"/tmp/casework-scale-{os.getpid()}")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o755)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    return directory


class Process:
    """One app process (server, worker, beat) in its own process group, logging to a file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.log = name, log_dir / f"{name}.log"
        self.popen = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                                      stdout=self.log.open("w"), stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


def server(name: str, port: int, env: dict[str, str], log_dir: Path) -> Process:
    return Process(name, [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
                          "--port", str(port), "--workers", "1", "--no-access-log"], env, log_dir)


def worker(name: str, env: dict[str, str], log_dir: Path) -> Process:
    return Process(name, [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info",
                          "--concurrency", "2", "--prefetch-multiplier", "1", "-Q", "celery,documents",
                          "-n", f"{name}@%h"],
                   env, log_dir)


def beat(env: dict[str, str], log_dir: Path) -> Process:
    return Process("beat", [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info",
                            "-s", str(log_dir / "celerybeat-schedule")], env, log_dir)
