"""A benchmark's own PostgreSQL database, made anew for each run, and Django set up on it."""

import base64
import os

BASE_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def use_database(name: str) -> None:
    """Point Django at the benchmark's database; call before anything imports the settings."""
    os.environ["DATABASE_URL"] = f"{BASE_URL}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # A throwaway database: its audit chains are signed with a throwaway key (docs/security.md).
    os.environ.setdefault("AUDIT_HMAC_KEY", "casework-benchmark-audit-key")
    # And its identifiers with a fixed throwaway key, so a kept city reads back in the next run.
    os.environ.setdefault("IDENTIFIER_KEY", base64.b64encode(b"casework-benchmark-identifiers".ljust(64, b".")).decode())


def fresh_database(name: str) -> None:
    """Drop and create the database, set Django up and migrate it."""
    import django
    import psycopg
    from django.core.management import call_command

    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    django.setup()
    call_command("migrate", verbosity=0)
