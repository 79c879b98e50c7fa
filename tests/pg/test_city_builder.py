"""The benchmark city (bench/city.py) still builds, and its rows hang together.

The builder writes with COPY, foreign-key triggers off, and is run by hand; a model column
added later once broke the COPY and nothing noticed. Here a city of a few hundred cases is
built in a subprocess (``build_city`` sets Django up on its own database) on a database of
its own, never the test database, which is dropped afterwards.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CASES = 400


def server_url() -> str:
    settings = connection.settings_dict
    return (f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}")


def build_and_count(database: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    done = subprocess.run([sys.executable, "-m", "tests.pg.city_census", f"{server_url()}/{database}",
                           str(CASES)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_small_city_builds_with_every_row_consistent() -> None:
    database = f"casework_test_city_{os.getpid()}"
    try:
        census = build_and_count(database)
    finally:
        with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    written, counted = census["written"], census["counted"]
    assert written["casework_case"] == counted["casework_case"] == CASES
    assert counted["casework_subject"] >= CASES // 2.5  # the demo seeder's subjects besides
    for table, rows in written.items():
        assert counted[table] >= rows, table  # reference rows (demo users) come on top
    for table in ("casework_case", "workflows_deadline", "workflows_escalation", "casework_measuretask"):
        assert counted[table] == written[table] > 0, table
    # One legal basis per determined case; one measure task per measure of a case.
    assert counted["casework_case_legal_bases"] == census["determined"] > 0
    assert counted["casework_measuretask"] == counted["casework_case_measures"]

    orphans = census["orphans"]
    assert orphans["casework_case.subject_id"] == 0  # every case has its subject
    assert {column: n for column, n in orphans.items() if n} == {}
    assert len(orphans) > 30  # every foreign key of the written tables was looked at

    assert census["open_deadlines"] > 0
    # The first sweep does not walk every open clock for boundaries the builder's rows already reflect.
    assert (census["pending_boundaries"], census["unapplied_boundaries"]) == (0, 0)
    targets = census["missing_targets"]
    assert set(targets) >= {"casework_case", "casework_objection", "casework_measuretask",
                            "casework_rectification", "casework_repairapplication"}
    assert {table: n for table, n in targets.items() if n["all"]} == {}  # open ones included

    # NOT NULL columns the builder does not write hold their model default (d50d938).
    defaults = census["unwritten_defaults"]
    assert "casework_objection.kind" in defaults
    assert {column: n for column, n in defaults.items() if n} == {}

    # The credit index: a row per listed case, each the row casework.indexing derives for it.
    index = census["credit_index"]
    assert index["indexed"] == index["listed"] == written["casework_creditindexentry"] > 0
    assert index["differing"] == 0
