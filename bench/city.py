"""A realistic city on PostgreSQL: 1 000 000 cases with their steps, clocks and escalations.

Run (PostgreSQL must be up; the database is dropped and made anew):

    .venv/bin/python bench/city.py [--cases 1000000] [--seed 20260301] [--today 2026-12-02]
                                   [--database casework_city_bench]

or from another benchmark::

    from bench.city import build_city
    city = build_city("postgres://postgres@127.0.0.1:5432/casework_city_bench", cases=1_000_000)

What it writes: the plan annex's departments, catalogues and demo users (the demo
seeder's own code), an officer and a reviewer for every determining department, one
subject (a valid 统一社会信用代码) and its account per 2.5 cases, and the cases —
drafts, notified, withdrawn, listed and exited (repaired, expired, revoked) over five
years of history, on both lists and all three classes — with their objections,
rectifications, talks, measure tasks, repair applications, every clock they opened
(closed on time or late, cancelled, or still open: running, breached or paused by an
open objection), the escalations the sweep fired (warnings of the last 13 weeks only)
and the credit index of the listed cases (bench/city_index.py). Not written: audit
events, evidence, notifications. The rows are generated
in Python from one seeded random stream (bench/city_life.py: the case, its steps, their
clocks, the COPY files in bench/city_tables.py) into COPY files and
loaded with COPY, secondary indexes dropped during the load and rebuilt after, and
foreign-key triggers off for the load (the generator keeps every reference valid).
The same seed and the same ``today`` give the same rows.
"""

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "casework_city_bench"
DEFAULT_SEED = 20260301
CASES_PER_SUBJECT = 2.5
HISTORY_DAYS = 5 * 365
# Determining departments with more cases than the rest (市场监管, 税务, 生态环境, 人社, 交通).
HEAVY = {"scjgj": 8.0, "sswj": 8.0, "sthjj": 5.0, "rsj": 4.0, "jtysj": 3.0}
BIG_TABLES = ("casework_case", "casework_case_legal_bases", "casework_case_measures",
              "casework_objection", "casework_rectification", "casework_talk", "casework_measuretask",
              "casework_repairapplication", "workflows_deadline", "workflows_escalation",
              "casework_subject", "casework_user", "casework_escalationnote", "casework_escalationanswer")


@dataclass(frozen=True)
class City:
    database_url: str
    cases: int
    seed: int
    today: date
    rows: dict[str, int]
    seconds: float


def build_city(database_url: str, cases: int = 1_000_000, seed: int = DEFAULT_SEED,
               today: date | None = None, progress: Any = print) -> City:
    """Drop and rebuild the database at ``database_url`` as a city of ``cases`` cases."""
    started = time.perf_counter()
    _setup_django(database_url)
    from django.utils import timezone

    from bench.city_calendar import Policies, WorkingDays

    today = today or timezone.localdate()
    now = datetime.combine(today, datetime.now().time(), timezone.get_current_timezone())
    rng = random.Random(seed)
    ref = _reference(rng, cases)
    days = WorkingDays(today - timedelta(days=HISTORY_DAYS + 60), today + timedelta(days=4 * 365))
    progress(f"reference data ready; generating {cases:,} cases (seed {seed}, today {today})…")
    with tempfile.TemporaryDirectory(prefix="city-") as directory:
        rows, counters = _generate(rng, days, Policies(), ref, now, cases, Path(directory), progress)
        progress("loading with COPY…")
        _load(Path(directory), rows, counters)
    seconds = time.perf_counter() - started
    progress(f"city built in {seconds:.0f} s: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    return City(database_url, cases, seed, today, rows, seconds)


def open_city(name: str, cases: int, fresh: bool = False, progress: Any = print) -> City | None:
    """Reuse the city in database ``name`` if it holds ≥ ``cases`` cases, else build it there.

    Django is set up on ``name`` either way (a reused city is migrated first). Returns the
    city built, or None when one was reused.
    """
    import psycopg

    from bench.database import BASE_URL, use_database

    count = -1
    if not fresh:
        try:
            with psycopg.connect(f"{BASE_URL}/{name}") as probe:
                count = probe.execute("SELECT count(*) FROM casework_case").fetchone()[0]
        except psycopg.Error:
            count = -1
    use_database(name)
    if count >= cases:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        progress(f"reusing the city in {name}: {count:,} cases")
        return None
    progress(f"building a city of {cases:,} cases in {name} (bench/city.py, COPY)…")
    return build_city(f"{BASE_URL}/{name}", cases=cases, progress=progress)


def _setup_django(database_url: str) -> None:
    import os

    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.conf import settings

    if not settings.configured or not getattr(django.apps.apps, "ready", False):
        os.environ["DATABASE_URL"] = database_url
        django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.settings_dict["NAME"] != name:
        raise SystemExit(f"Django is set up on {connection.settings_dict['NAME']}, not {name}")
    connection.close()
    call_command("migrate", verbosity=0)


def _reference(rng: random.Random, cases: int) -> Any:
    """Departments, catalogues and users through the demo seeder; officers for every department."""
    import io

    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType

    from bench.city_tables import Department, Reference
    from casework.choices import DepartmentKind, Role
    from casework.demo.catalogue import DemoCity, seed_catalogues, seed_departments, seed_subjects, seed_users
    from casework.models import Department as DepartmentModel
    from casework.models import LegalBasis, Measure, Subject, User

    demo = DemoCity(out=io.StringIO())
    seed_departments(demo)
    seed_catalogues(demo)
    seed_subjects(demo)
    seed_users(demo)
    password = make_password("anshan-demo")
    owners, weights, joint = [], [], {}
    for department in DepartmentModel.objects.order_by("code"):
        discipline = (rng.uniform(0.03, 0.30), rng.uniform(1.5, 10.0))
        if department.kind == DepartmentKind.JOINT:
            joint[department.pk] = Department(department.pk, department.code, 0, 0, *discipline)
            continue
        if department.kind != DepartmentKind.DETERMINING:
            continue
        officer, reviewer = (User.objects.get_or_create(username=f"{department.code}_{role}", defaults={
            "password": password, "role": role, "department": department,
            "is_department_head": role == Role.REVIEWER})[0] for role in (Role.OFFICER, Role.REVIEWER))
        owners.append(Department(department.pk, department.code, officer.pk, reviewer.pk, *discipline))
        # A determining department can also carry out another's measures (市应急局 does both).
        joint[department.pk] = owners[-1]
        weights.append(HEAVY.get(department.code, 2.0 if department.level == "county" else 1.0))
    types = {model: ContentType.objects.get(app_label="casework", model=model).pk
             for model in ("case", "objection", "rectification", "talk", "measuretask", "repairapplication")}
    ndrc = DepartmentModel.objects.get(kind=DepartmentKind.NDRC)
    bases = [(b.pk, b.allows_serious_list, b.allows_focus_list) for b in LegalBasis.objects.order_by("pk")]
    measures = [(m.pk, m.department_id, tuple(t.strip() for t in m.list_types.split(",")))
                for m in Measure.objects.order_by("pk")]
    first_subject = (Subject.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    first_user = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    leader = User.objects.get(username="ldxzbgs_leader")
    return Reference(owners, weights, joint, ndrc.pk, types, bases, measures, first_subject, first_user,
                     leader.pk, leader.department_id)


def _generate(rng: random.Random, days: Any, policies: Any, ref: Any, now: datetime, cases: int,
              directory: Path, progress: Any) -> tuple[dict[str, int], dict[tuple[int, int], int]]:
    from django.db import connection

    from bench.city_life import Life
    from bench.city_tables import COLUMNS, WITH_IDS, Tables

    next_ids = {table: _max_id(connection, table) + 1 for table in WITH_IDS}
    files = {table: open(directory / f"{table}.tsv", "w", encoding="utf-8") for table in COLUMNS}
    tables = Tables(files, next_ids)
    subjects = max(int(cases / CASES_PER_SUBJECT), 1)
    _write_subjects(tables, subjects, ref, now)
    life = Life(rng, days, policies, ref, tables, now)
    for number in range(cases):
        life.case(rng.randrange(subjects), HISTORY_DAYS)
        if number and number % 100_000 == 0:
            progress(f"  {number:,} cases generated")
    for file in files.values():
        file.close()
    return tables.counts, life.counters


def _max_id(connection: Any, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        return int(cursor.fetchone()[0])


def subject_identifier(number: int) -> tuple[str, str]:
    """(kind, 统一社会信用代码) of the city's subject ``number``: enterprises 91…, individual businesses 92…

    Numbers at or past the city's subject count give valid codes no subject has.
    """
    from casework.identifiers import org_code_check_char, uscc_check_char

    body = f"C{number:07d}"
    prefix = "92" if number % 7 == 0 else "91"
    first17 = prefix + "210300" + body + org_code_check_char(body)
    return ("individual_business" if prefix == "92" else "enterprise"), first17 + uscc_check_char(first17)


def _write_subjects(tables: Any, count: int, ref: Any, now: datetime) -> None:
    """Subjects with valid 统一社会信用代码 and their accounts."""
    from casework.crypto import encrypt

    for number in range(count):
        kind, identifier = subject_identifier(number)
        subject_id = tables.new_id("casework_subject")
        # COPY bypasses the model field: the column holds the ciphertext (casework/crypto.py).
        tables.row("casework_subject", subject_id, kind, f"鞍山某企业{number}有限公司", encrypt(identifier))
        tables.row("casework_user", tables.new_id("casework_user"), "!", False, f"city_subject_{number}",
                   "", "", "", False, True, now, "subject", False, None, subject_id)
    assert tables.next_ids["casework_subject"] - count == ref.first_subject
    assert tables.next_ids["casework_user"] - count == ref.first_subject_user


def _load(directory: Path, rows: dict[str, int], counters: dict[tuple[int, int], int]) -> None:
    from django.db import connection, transaction

    from bench.city_index import fill_credit_index
    from bench.city_tables import COLUMNS

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers during the load
        dropped = _drop_secondary_indexes(cursor)
        defaulted = _default_unwritten_columns(cursor, COLUMNS)
        for table, columns in COLUMNS.items():
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy, \
                    open(directory / f"{table}.tsv", encoding="utf-8") as source:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
        for definition in dropped:
            cursor.execute(definition)
        rows["casework_creditindexentry"] = fill_credit_index(cursor)
        _mark_boundaries_applied(cursor)
        for table, column in defaulted:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
        for table in BIG_TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT coalesce(max(id), 1) FROM {table}))")
        with cursor.copy("COPY casework_casenumbercounter (department_id, year, last) FROM STDIN") as copy:
            for (department_id, year), last in counters.items():
                copy.write_row((department_id, year, last))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _mark_boundaries_applied(cursor: Any) -> None:
    """Record every rule-set boundary reached as applied, moving nothing (workflows/boundaries.py).

    The generator gives each clock the policy row in force on its start day and does not model
    the moves of 从旧兼从轻 at a boundary. Left unrecorded, the first sweep on the city would walk
    every open publication clock in one transaction (370 000 at 625 000 cases: more than eight
    minutes) to move none that the builder would not have written as they are.
    """
    cursor.execute(
        """
        INSERT INTO workflows_rulesetboundary (effective_on, applied_at, moved, failed, resume_after)
        SELECT DISTINCT effective_from, now(), 0, 0, 0 FROM workflows_policy
        WHERE effective_from <= (now() AT TIME ZONE %s)::date
        ON CONFLICT (effective_on) DO UPDATE SET applied_at = excluded.applied_at
        """,
        [_time_zone()],
    )


def _time_zone() -> str:
    from django.conf import settings

    return str(settings.TIME_ZONE)


def _default_unwritten_columns(cursor: Any, written: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """Give every NOT NULL column the builder does not write its model default, for the load only.

    The builder writes the columns it knows (bench/city_tables.py ``COLUMNS``); a field added to a
    model later with a Python-side default would otherwise fail the COPY with a not-null error.
    Returns the (table, column) pairs whose default is dropped again after the load.
    """
    from django.apps import apps
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    defaulted = []
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table not in written:
            continue
        for field in model._meta.concrete_fields:
            if field.column in written[table] or field.null or field.primary_key:
                continue
            if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
                continue
            default = field.get_default()  # "" for a text field without one
            if default is None:
                continue
            value = field.get_db_prep_save(default, connection)
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{field.column}" SET DEFAULT %s', [value])
            defaulted.append((table, field.column))
    return defaulted


def _drop_secondary_indexes(cursor: Any) -> list[str]:
    """Drop the plain indexes of the big tables (not those behind constraints); return their DDL."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [list(BIG_TABLES)],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    from bench.database import BASE_URL
    from bench.report import write_section

    city = build_city(f"{BASE_URL}/{args.database}", cases=args.cases, seed=args.seed, today=args.today)
    if not args.no_write:
        write_section(render(city), "city")


def render(city: City) -> str:
    import os

    rows = "\n".join(f"| `{table}` | {count:,} |" for table, count in city.rows.items())
    name = city.database_url.rsplit("/", 1)[1]
    database = f" --database {name}" if name != DEFAULT_DATABASE else ""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"""<!-- city:start -->
## The city for benchmarks (`bench/city.py`)

`.venv/bin/python bench/city.py --cases {city.cases} --seed {city.seed}{database}` (today {city.today}):
built in {city.seconds:.0f} s, COPY included (the generation is single-threaded Python; on a shared
2-core machine it waits for the CPU; load average {load} at the end). Rows:

| table | rows |
|---|---:|
{rows}
<!-- city:end -->
"""


if __name__ == "__main__":
    main()
