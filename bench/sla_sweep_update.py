"""Benchmark: the SLA sweep's batch UPDATE alone, with the indexes of workflows_deadline before and after 0025/0026.

Run on a city of bench/city.py (PostgreSQL must be up):

    .venv/bin/python bench/sla_sweep_update.py run [--database casework_bench_city1m] [--repeat 3]
    .venv/bin/python bench/sla_sweep_update.py create   # the five indexes 0025 and 0026 dropped
    .venv/bin/python bench/sla_sweep_update.py run      # now with them
    .venv/bin/python bench/sla_sweep_update.py drop     # back to the current indexes

``run`` takes 10 000 of the city's open clocks whose breach escalates (as bench/sla_sweep.py
chooses them) and runs the sweep's statement (workflows.sweep.PG_UPDATE) on them in 20
batches of 500, in one transaction rolled back, ``--repeat`` times; it prints the median
statement's time and the backend's CPU for the 20. ``create`` builds the dropped indexes
(under the names ``x_…``) as plain indexes outside a transaction, so the first run after it
pays their first page splits: compare the runs after the first.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.database import BASE_URL  # noqa: E402

TRACKED = ("('statement_window','objection_accept','objection_decide','objection_re_review',"
           "'record_withdrawal','rectification_period','rectification_verify','talk_schedule',"
           "'talk_record','measure_acknowledge','measure_report','measure_terminate',"
           "'repair_decide','repair_answer')")
DROPPED = {
    "x_case_state": "(case_id, state)",
    "x_department": "(department_id)",
    "x_policy": "(policy_id)",
    "x_target_type": "(target_type_id)",
    "x_late_tracked": f"(closed_at) INCLUDE (due_at, opened_at, state) WHERE step IN {TRACKED}"
                      " AND (closed_at IS NULL OR closed_at > due_at)",
}
CLOCKS = """
SELECT d.id, 'breached', 2, coalesce(d.next_fire_at, now()) + interval '2 days', 'leadership', 0
FROM workflows_deadline d JOIN workflows_policy p ON p.id = d.policy_id
WHERE d.closed_at IS NULL AND d.state IN ('running', 'breached') AND p.on_due = 'escalate'
ORDER BY md5(d.id::text) LIMIT 10000
"""


def backend_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_once(connection: object, rows: list[tuple[object, ...]], statement: str) -> tuple[float, float]:
    pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[attr-defined]
    times = []
    with connection.transaction(force_rollback=True):  # type: ignore[attr-defined]
        cpu = backend_cpu_s(pid)
        for start in range(0, len(rows), 500):
            columns = [list(column) for column in zip(*rows[start:start + 500], strict=True)]
            started = time.perf_counter()
            connection.execute(statement, columns)  # type: ignore[attr-defined]
            times.append((time.perf_counter() - started) * 1000)
        cpu = backend_cpu_s(pid) - cpu
    return statistics.median(times), cpu


def main() -> None:
    import psycopg

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["run", "create", "drop"])
    parser.add_argument("--database", default="casework_bench_city1m")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with psycopg.connect(f"{BASE_URL}/{args.database}", autocommit=True) as connection:
        if args.action == "create":
            for name, definition in DROPPED.items():
                connection.execute(f"CREATE INDEX IF NOT EXISTS {name} ON workflows_deadline {definition}")
            return
        if args.action == "drop":
            for name in DROPPED:
                connection.execute(f"DROP INDEX IF EXISTS {name}")
            return
        import django

        from bench.database import use_database

        use_database(args.database)
        django.setup()
        from workflows.sweep import PG_UPDATE

        indexes = connection.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'workflows_deadline'").fetchone()[0]
        rows = connection.execute(CLOCKS).fetchall()
        for _ in range(args.repeat):
            median, cpu = run_once(connection, rows, PG_UPDATE)
            print(f"{indexes} indexes: {len(rows) // 500} UPDATEs of 500, median {median:.1f} ms, "
                  f"backend CPU {cpu:.2f} s (load average {', '.join(f'{v:.1f}' for v in os.getloadavg())})")


if __name__ == "__main__":
    main()
