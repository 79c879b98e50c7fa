"""Build a small city (bench/city.py) and count what the tests check; prints one JSON object.

Run in its own process, because ``build_city`` drops and creates its database and sets
Django up on it:

    python -m tests.pg.city_census postgres://postgres@127.0.0.1:5432/casework_test_city_123 400

The counts come from the database after the load, independently of the builder's own
counters: every foreign key column's orphans (foreign-key triggers are off during the
COPY, so nothing else would notice one), every deadline's missing target, the rows of
every NOT NULL column the builder does not write that differ from the model default, and
the credit index rows that differ from what ``casework.indexing`` derives for the case.
"""

import json
import sys
from typing import Any


def foreign_key_orphans(cursor: Any, tables: set[str]) -> dict[str, int]:
    from django.apps import apps

    orphans = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table not in tables:
            continue
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.related_model is None:
                continue
            target = field.related_model._meta
            cursor.execute(
                f'SELECT count(*) FROM {table} t LEFT JOIN {target.db_table} r '
                f'ON r."{target.pk.column}" = t."{field.column}" '
                f'WHERE t."{field.column}" IS NOT NULL AND r."{target.pk.column}" IS NULL'
            )
            orphans[f"{table}.{field.column}"] = cursor.fetchone()[0]
    return orphans


def missing_targets(cursor: Any) -> dict[str, dict[str, int]]:
    """Per target model: deadlines (open ones apart) whose target row does not exist."""
    from django.contrib.contenttypes.models import ContentType

    missing = {}
    cursor.execute("SELECT DISTINCT target_type_id FROM workflows_deadline")
    for (type_id,) in cursor.fetchall():
        model = ContentType.objects.get(pk=type_id).model_class()
        assert model is not None
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE d.closed_at IS NULL), count(*) FROM workflows_deadline d "
            f"LEFT JOIN {model._meta.db_table} t ON t.id = d.target_id "
            f"WHERE d.target_type_id = %s AND t.id IS NULL", [type_id])
        open_missing, all_missing = cursor.fetchone()
        missing[model._meta.db_table] = {"open": open_missing, "all": all_missing}
    return missing


def unwritten_defaults(written: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Per unwritten NOT NULL column with a model default: rows that do not hold it (by the ORM)."""
    from django.apps import apps

    differing = {}
    for model in apps.get_models():
        table = model._meta.db_table
        if table not in written:
            continue
        for field in model._meta.concrete_fields:
            if field.column in written[table] or field.null or field.primary_key:
                continue
            default = field.get_default()
            differing[f"{table}.{field.column}"] = model._default_manager.exclude(
                **{field.attname: default}).count()
    return differing


def index_disagreements() -> dict[str, int]:
    """Listed cases, index rows, and rows that differ from what ``casework.indexing`` derives."""
    from casework.indexing import entry_fields
    from casework.models import Case, CreditIndexEntry

    def plain(values: dict[str, Any]) -> Any:
        return json.loads(json.dumps(values, default=str, sort_keys=True))

    listed = Case.objects.filter(state="listed").select_related("subject", "owner_department")
    rows = {row["case_id"]: row for row in CreditIndexEntry.objects.values()}
    differing = 0
    for case in listed:
        derived = plain(entry_fields(case))
        stored = rows.get(case.pk)
        if stored is None or plain({key: stored[key] for key in derived}) != derived:
            differing += 1
    return {"listed": listed.count(), "indexed": len(rows), "differing": differing}


def pending_boundaries() -> int:
    """Rule-set boundaries the first sweep would still apply (workflows.boundaries)."""
    from django.utils import timezone

    from workflows.boundaries import reached_days
    from workflows.models import RuleSetBoundary

    applied = RuleSetBoundary.objects.filter(applied_at__isnull=False).values_list("effective_on", flat=True)
    return len(reached_days(timezone.now()) - set(applied))


def census(url: str, cases: int) -> dict[str, Any]:
    from bench.city import build_city

    city = build_city(url, cases=cases, progress=lambda *_: None)
    from django.db import connection

    from bench.city_tables import COLUMNS

    counts = {}
    with connection.cursor() as cursor:
        for table in city.rows:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM casework_case WHERE listed_from IS NOT NULL")
        determined = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM workflows_deadline WHERE closed_at IS NULL")
        open_deadlines = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM workflows_rulesetboundary WHERE applied_at IS NULL")
        unapplied_boundaries = cursor.fetchone()[0]
        orphans = foreign_key_orphans(cursor, set(COLUMNS))
        targets = missing_targets(cursor)
    return {"written": city.rows, "counted": counts, "determined": determined,
            "open_deadlines": open_deadlines, "unapplied_boundaries": unapplied_boundaries,
            "pending_boundaries": pending_boundaries(), "orphans": orphans, "missing_targets": targets,
            "unwritten_defaults": unwritten_defaults(COLUMNS), "credit_index": index_disagreements()}


if __name__ == "__main__":
    print(json.dumps(census(sys.argv[1], int(sys.argv[2]))))
