"""Backup and restore as docs/operations.md says: pg_dump, pg_restore into a fresh database,
and `verify_audit` passes on the restored copy (every chain whole, the same events)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from casework import services
from casework.models import AuditEvent
from tests.conftest import Cast
from tests.pg.notifications.helpers import ROOT


def libpq_env(database: str) -> dict[str, str]:
    settings = connection.settings_dict
    return {**os.environ, "PGHOST": settings["HOST"] or "127.0.0.1", "PGPORT": str(settings["PORT"] or 5432),
            "PGUSER": settings["USER"] or "postgres", "PGDATABASE": database}


def database_url(database: str) -> str:
    env = libpq_env(database)
    return f"postgres://{env['PGUSER']}@{env['PGHOST']}:{env['PGPORT']}/{database}"


@pytest.fixture
def restored_database() -> Iterator[str]:
    name = f"{connection.settings_dict['NAME']}_restored"
    env = libpq_env("postgres")
    subprocess.run(["dropdb", "--if-exists", name], env=env, check=True)
    subprocess.run(["createdb", name], env=env, check=True)
    yield name
    subprocess.run(["dropdb", "--if-exists", "--force", name], env=env, check=True)


@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_into_a_fresh_database_passes_verify_audit(
        cast: Cast, restored_database: str, tmp_path: Path) -> None:
    listed = cast.listed_case()
    services.advance(cast.notified_case(subject=cast.other_subject), "determine", cast.reviewer)
    events = AuditEvent.objects.count()
    dump = tmp_path / "casework.dump"
    source = connection.settings_dict["NAME"]

    subprocess.run(["pg_dump", "--format=custom", "--file", str(dump), source],
                   env=libpq_env(source), check=True)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored_database,
                    str(dump)], env=libpq_env(restored_database), check=True)
    result = subprocess.run([sys.executable, "manage.py", "verify_audit"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120,
                            env={**os.environ, "DATABASE_URL": database_url(restored_database)})

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(" 0 broken")
    counted = subprocess.run(["psql", "-tAc", "SELECT count(*) FROM casework_auditevent WHERE chain = "
                              f"'case:{listed.pk}'"], env=libpq_env(restored_database), check=True,
                             capture_output=True, text=True).stdout.strip()
    assert int(counted) == AuditEvent.objects.filter(chain=f"case:{listed.pk}").count()
    total = subprocess.run(["psql", "-tAc", "SELECT count(*) FROM casework_auditevent"],
                           env=libpq_env(restored_database), check=True, capture_output=True,
                           text=True).stdout.strip()
    assert int(total) == events
