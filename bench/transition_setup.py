"""Set-up of bench/transition.py: the city database and the objections its runs accept."""

import multiprocessing
import os
import time
from collections.abc import Callable

from bench.database import use_database


def city_database(name: str, cases: int, fresh: bool, progress: Callable[[str], None]) -> None:
    """Reuse the city in ``name`` when it holds ≥ ``cases`` cases, else build it (bench/city.py)."""
    from bench.city import open_city

    os.environ.setdefault("LOG_LEVEL", "ERROR")  # kombu warns that the memory broker has no host
    use_database(name)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"  # the outbox is written, delivery is a worker's job
    open_city(name, cases, fresh, progress)


def listed_cases(count: int) -> list[tuple[int, int, int]]:
    """(case, subject account, officer) for listed cases with no open objection, by department."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.id, sub.id, officer.id FROM casework_case c
            JOIN casework_department d ON d.id = c.owner_department_id
            JOIN casework_user officer ON officer.username = d.code || '_officer'
            JOIN LATERAL (SELECT u.id FROM casework_user u WHERE u.subject_id = c.subject_id
                          AND u.is_active ORDER BY u.id LIMIT 1) sub ON true
            WHERE c.state = 'listed' AND NOT EXISTS (
                SELECT 1 FROM casework_objection o WHERE o.case_id = c.id
                AND o.state IN ('filed', 'under_review'))
            ORDER BY c.id LIMIT %s
            """,
            [count],
        )
        return [tuple(row) for row in cursor.fetchall()]


def _file_objections(rows: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Child process: file one objection on each case; (objection, officer, version) for those filed."""
    from django.db import connection

    from casework import services
    from casework.models import Case, User
    from workflows.guards import RuleRefused

    connection.close()
    filed = []
    for case_id, subject_user_id, officer_id in rows:
        try:
            objection = services.file_objection(Case.objects.get(pk=case_id),
                                                User.objects.get(pk=subject_user_id), "认定事实有误，申请更正")
        except RuleRefused:
            continue
        filed.append((objection.pk, officer_id, objection.version))
    connection.close()
    return filed


def file_objections(count: int, progress: Callable[[str], None]) -> list[tuple[int, int, int]]:
    from django.db import connections

    rows = listed_cases(int(count * 1.1) + 20)
    if len(rows) < count:
        raise SystemExit(f"only {len(rows)} listed cases without an open objection are left: use --fresh")
    progress(f"filing {count:,} objections (not timed, 2 processes)…")
    started = time.perf_counter()
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        halves = pool.map(_file_objections, [rows[0::2], rows[1::2]])
    filed = [row for half in halves for row in half]
    progress(f"  {len(filed):,} filed in {time.perf_counter() - started:.0f} s")
    if len(filed) < count:
        raise SystemExit(f"only {len(filed)} objections could be filed")
    return filed[:count]
