"""/healthz answers while the process lives; /readyz names each dependency that is down, with 503."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
# Nothing listens on port 1: a refused connection, as when the service is stopped.
DEAD_POSTGRES = "postgres://postgres@127.0.0.1:1/casework"
DEAD_REDIS = "redis://127.0.0.1:1/0"
READYZ = ("from django.test import Client; r = Client().get('/readyz');"
          "print(r.status_code, r.content.decode())")


def readyz_in_a_process(tmp_path: Path, **env: str) -> tuple[int, dict[str, dict[str, object]]]:
    """/readyz of a process configured with ``env`` (the test's own database stays untouched)."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "ALLOWED_HOSTS": "testserver",
                   "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": "",
                   "CASEWORK_VAR_DIR": str(tmp_path), **env}
    environment.pop("CELERY_BROKER_URL", None)
    code = f"import django; django.setup(); {READYZ}"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(status), json.loads(body)["checks"]


def test_healthz_answers_without_touching_a_dependency() -> None:
    response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readyz_is_ok_when_every_dependency_answers() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert all(check["ok"] for check in response.json()["checks"].values())


def test_readyz_fails_with_503_when_postgresql_is_unreachable(tmp_path: Path) -> None:
    status, checks = readyz_in_a_process(tmp_path, DATABASE_URL=DEAD_POSTGRES)
    assert status == 503
    assert checks["database:default"]["ok"] is False
    assert "OperationalError" in str(checks["database:default"]["detail"])
    assert checks["broker"]["ok"] and checks["channel_layer"]["ok"]


def test_readyz_fails_with_503_when_redis_is_unreachable(tmp_path: Path) -> None:
    status, checks = readyz_in_a_process(tmp_path, REDIS_URL=DEAD_REDIS)
    assert status == 503
    assert (checks["broker"]["ok"], checks["channel_layer"]["ok"]) == (False, False)
    assert checks["database:default"]["ok"] is True


def test_readyz_fails_when_the_read_replica_is_unreachable(tmp_path: Path) -> None:
    status, checks = readyz_in_a_process(tmp_path, DATABASE_REPLICA_URL=DEAD_POSTGRES)
    assert status == 503
    assert (checks["database:default"]["ok"], checks["database:replica"]["ok"]) == (True, False)
