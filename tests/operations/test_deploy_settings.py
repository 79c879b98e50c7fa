"""Production settings: `check --deploy` finds nothing, and the servers refuse the development key."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The production variables of docs/operations.md (the database is beside the point here)."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DEBUG", "SECRET_KEY", "HTTPS", "REDIS_URL", "DATABASE_URL"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "HTTPS": "1",
        "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "credit.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CASEWORK_VAR_DIR": str(tmp_path),
    })
    env.update(overrides)
    return env


def run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_with_the_production_variables_reports_no_warning(tmp_path: Path) -> None:
    result = run(production_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_without_https_warns_about_cookies_hsts_and_redirect(tmp_path: Path) -> None:
    result = run(production_env(tmp_path, HTTPS="0"), "manage.py", "check", "--deploy",
                 "--fail-level", "WARNING")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr, check


def test_the_asgi_server_refuses_to_start_with_the_development_key_when_debug_is_off(
        tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = run(env, "-c", "import config.asgi")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_the_asgi_server_starts_with_a_key_from_the_environment(tmp_path: Path) -> None:
    assert run(production_env(tmp_path), "-c", "import config.asgi").returncode == 0


def test_a_celery_worker_refuses_the_development_key_when_debug_is_off(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = run(env, "-m", "celery", "-A", "config", "worker", "--pool", "solo")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stdout + result.stderr
