"""Benchmark: the SLA sweep on a city of 625 000 cases (bench/city.py), 10 000 of its open clocks due.

Run (PostgreSQL must be up):

    .venv/bin/python bench/sla_sweep.py [--cases 625000] [--due 10000] [--workers 2]
                                        [--database casework_bench_sla] [--fresh]

The city is kept and reused by the next run when it holds that many cases (``--fresh``
rebuilds it). First, not timed, the city is swept of whatever is due by now (its own rungs).
Then exactly ``--due`` of its open clocks are made due: open clocks, not paused, of steps
whose breach escalates (objections, rectification verification, talks, measure feedback,
repairs, the statement window), chosen by a hash of their id, get by one UPDATE a due date
of yesterday and owe their breach rung now (the warning counted as fired; 督办 comes two
working days later). The rest of the city's open clocks — publication periods for the most
part, years away — stay as they were. A city of 625 000 cases has about 15 000 such step
clocks open; 10 000 due needs at least about 420 000 cases.

It measures (1) the time to sweep every due row, with 1 and with ``--workers`` sweeper
processes (the same rows made due again in between: the bench's own escalations and
timeline rows of them removed, the UPDATE repeated), (2) the time of a sweep with nothing
due, and records the claim query's plan. Celery runs eagerly here, so the digests' delivery
(the tasks each batch queues after its commit; a Celery worker's job in production) runs
inside the sweep: the 1-process run reports its share apart (``DeliveryTimer``). At the end the chosen clocks get back the values
they had and the bench's escalations and timeline rows of them go, so the next run finds the
city as this one did (the notices the escalations wrote to the outbox stay). Figures go to docs/benchmarks.md between the
markers of the "SLA sweep" section. Targets on the 2-core machine: ≤ 5 s, ≤ 10 ms.
"""

import argparse
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "casework_bench_sla"

from bench.city import open_city  # noqa: E402
from bench.report import write_section  # noqa: E402

CANDIDATES = """
SELECT d.id FROM workflows_deadline d JOIN workflows_policy p ON p.id = d.policy_id
WHERE d.closed_at IS NULL AND d.state IN ('running', 'breached') AND p.on_due = 'escalate'
  AND d.started_on < %(due_on)s AND d.due_on <> %(due_on)s  -- no earlier breach on that due date
ORDER BY md5(d.id::text) LIMIT %(due)s
"""
SAVED = ("state", "due_on", "due_at", "warn_at", "next_fire_at", "next_rung", "escalation_level", "failures")
RESTORE = """
UPDATE workflows_deadline AS d
SET state = v.state, due_on = v.due_on, due_at = v.due_at, warn_at = v.warn_at,
    next_fire_at = v.next_fire_at, next_rung = v.next_rung, escalation_level = v.escalation_level,
    failures = v.failures
FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::timestamptz[], %s::timestamptz[],
            %s::timestamptz[], %s::varchar[], %s::smallint[], %s::smallint[])
     AS v(id, state, due_on, due_at, warn_at, next_fire_at, next_rung, escalation_level, failures)
WHERE d.id = v.id
"""
MAKE_DUE = """
UPDATE workflows_deadline
SET state = 'running', due_on = %(due_on)s, due_at = %(due_at)s, warn_at = %(warn_at)s,
    next_fire_at = %(due_at)s, next_rung = 'breach', escalation_level = 1, failures = 0
WHERE id = ANY(%(ids)s)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=625_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default=DB_NAME)
    parser.add_argument("--fresh", action="store_true", help="rebuild the city even if it is there")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    city = open_city(args.database, args.cases, args.fresh)
    figures = run(args)
    figures["built"] = f"built by COPY in {city.seconds:.0f} s" if city else "reused from an earlier run"
    report = render(args, figures)
    print(report)
    if not args.no_write:
        write_section(report, "sla-sweep")


def settle() -> dict[str, int]:
    """Sweep what the city has due by now (not timed): its own warnings, breaches and exits."""
    from workflows.sweep import sweep

    result = sweep(batch_size=500)
    return {"claimed": result.claimed, "actions": result.actions, "failed": result.failed}


def choose(due: int) -> list[int]:
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute(CANDIDATES, {"due_on": timezone.localdate() - timedelta(days=1), "due": due})
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) < due:
        raise SystemExit(f"the city has only {len(ids):,} open step clocks that escalate; "
                         f"--due {due:,} needs a bigger city (--cases)")
    return ids


def forget_bench_rungs(ids: list[int], since: datetime) -> None:
    """Remove what the bench's sweeps wrote: their rungs, timeline rows and escalation digests.

    A digest's key is a hash of its items (clock, rung, due date), and each run makes the same
    clocks due on the same date: a digest left from an earlier run would be skipped as already
    written, and the next run would measure less work than a first sweep does.
    """
    from notifications.models import Delivery, Message
    from workflows.models import DeadlineEvent, Escalation

    Escalation.objects.filter(deadline_id__in=ids, fired_at__gte=since).delete()
    DeadlineEvent.objects.filter(deadline_id__in=ids, at__gte=since).delete()
    digests = Message.objects.filter(created_at__gte=since, event__startswith="escalation.")
    Delivery.objects.filter(message__in=digests).delete()
    digests.delete()


def saved(ids: list[int]) -> list[list[object]]:
    """The chosen clocks' columns the bench changes, as columns (id first), to restore them after."""
    from workflows.models import Deadline

    rows = list(Deadline.objects.filter(pk__in=ids).order_by("pk").values_list("pk", *SAVED))
    return [list(column) for column in zip(*rows, strict=True)]


def restore(ids: list[int], columns: list[list[object]], since: datetime) -> None:
    """Leave the city as found: the chosen clocks as they were, without the bench's rungs."""
    from django.db import connection

    forget_bench_rungs(ids, since)
    with connection.cursor() as cursor:
        cursor.execute(RESTORE, columns)


def make_due(ids: list[int], since: datetime) -> None:
    """The chosen clocks owe their breach rung now; the bench's earlier rungs of them are removed."""
    from django.db import connection
    from django.utils import timezone

    forget_bench_rungs(ids, since)
    due_on = timezone.localdate() - timedelta(days=1)
    warn_at = timezone.make_aware(datetime.combine(due_on - timedelta(days=1), datetime.min.time()))
    with connection.cursor() as cursor:
        cursor.execute(MAKE_DUE, {"ids": ids, "due_on": due_on, "warn_at": warn_at,
                                  "due_at": warn_at + timedelta(days=2)})
        assert cursor.rowcount == len(ids)
        # As autovacuum would (the bench server runs without it): the rows the previous run wrote
        # and forget_bench_rungs removed are dead; left there, each run's inserts of the same
        # (clock, rung, due date) keys check more dead duplicates in the unique index, and the
        # digests' reads scan the removed messages' index entries.
        cursor.execute("VACUUM ANALYZE workflows_deadline, workflows_escalation, workflows_deadlineevent, "
                       "notifications_message, notifications_delivery")


def city_clocks(ids: list[int]) -> dict[str, object]:
    from django.db.models import Count

    from workflows.models import Deadline

    steps = (Deadline.objects.filter(pk__in=ids).values("step").annotate(n=Count("*")).order_by("-n"))
    return {"cases": _count("casework_case"), "open": Deadline.objects.filter(closed_at__isnull=True).count(),
            "steps": ", ".join(f"{row['step']} {row['n']:,}" for row in steps)}


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return int(cursor.fetchone()[0])


def run(args: argparse.Namespace) -> dict[str, object]:
    from django.utils import timezone

    figures: dict[str, object] = {"settled": settle()}
    ids = choose(args.due)
    since, columns = timezone.now(), saved(ids)
    print(f"making {args.due:,} open clocks of the city due…", flush=True)
    try:
        measure(args, ids, since, figures)
    finally:
        restore(ids, columns, since)
    return figures


def measure(args: argparse.Namespace, ids: list[int], since: datetime, figures: dict[str, object]) -> None:
    from django.db import connection
    from django.utils import timezone

    from workflows.models import Escalation
    from workflows.sweep import sweep

    make_due(ids, since)
    figures.update(city_clocks(ids))
    figures["plan"] = claim_plan(connection)
    backend = backend_pid(connection)
    delivery = DeliveryTimer(backend)
    started, cpu, db_cpu = time.perf_counter(), time.process_time(), backend_cpu_s(backend)
    with delivery:
        result = sweep(batch_size=500)
    figures["one_worker_s"] = time.perf_counter() - started
    figures["one_worker_cpu_s"] = time.process_time() - cpu
    figures["one_worker_db_cpu_s"] = backend_cpu_s(backend) - db_cpu
    figures["delivery"] = delivery.figures()
    figures["one_worker_claimed"] = result.claimed
    figures["one_worker_fired"] = dict(result.fired)
    empty = []
    for _ in range(50):
        started = time.perf_counter()
        sweep(now=timezone.now())
        empty.append((time.perf_counter() - started) * 1000)
    figures["empty_ms_median"] = statistics.median(empty)
    figures["empty_ms_max"] = max(empty)

    make_due(ids, since)
    figures["workers"] = args.workers
    figures["n_workers_s"] = sweep_in_processes(args.workers)
    figures["n_workers_escalations"] = Escalation.objects.filter(deadline_id__in=ids, fired_at__gte=since).count()


class DeliveryTimer:
    """Times the digests' delivery inside the sweep: wall, sweeper CPU, backend CPU.

    The bench runs Celery eagerly (CELERY_TASK_ALWAYS_EAGER), so the delivery tasks that the
    sweep queues after each batch's commit (notifications.services.enqueue) run in the sweeper
    process, on its connection. In production a Celery worker runs them; the sweeper only
    writes the outbox rows and queues the tasks.
    """

    def __init__(self, backend: int) -> None:
        self.backend, self.wall, self.cpu, self.db_cpu, self.calls = backend, 0.0, 0.0, 0.0, 0

    def __enter__(self) -> "DeliveryTimer":
        from notifications import services

        self.original = services.enqueue

        def timed(message_ids: list[int]) -> None:
            started, cpu, db_cpu = time.perf_counter(), time.process_time(), backend_cpu_s(self.backend)
            try:
                self.original(message_ids)
            finally:
                self.wall += time.perf_counter() - started
                self.cpu += time.process_time() - cpu
                self.db_cpu += backend_cpu_s(self.backend) - db_cpu
                self.calls += 1

        services.enqueue = timed  # enqueue_after_commit looks the name up at each call
        return self

    def __exit__(self, *exc: object) -> None:
        from notifications import services

        services.enqueue = self.original

    def figures(self) -> dict[str, float]:
        return {"wall": self.wall, "cpu": self.cpu, "db_cpu": self.db_cpu, "calls": self.calls}


def backend_pid(connection: object) -> int:
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def backend_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of the PostgreSQL backend serving this process (same machine)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sweep_in_processes(workers: int) -> float:
    command = [sys.executable, "manage.py", "sla_sweep", "--batch-size", "500"]
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for _ in range(workers)]
    errors = [process.communicate()[1] for process in processes]
    elapsed = time.perf_counter() - started
    for process, error in zip(processes, errors, strict=True):
        if process.returncode != 0:
            raise SystemExit(f"a sweeper process failed:\n{error}")
    return elapsed


def claim_plan(connection: object) -> str:
    from django.db import transaction
    from django.utils import timezone

    from workflows.sweep import claim_query

    query = claim_query(timezone.now(), 500)  # the sweep's own statement (its join to the case)

    with transaction.atomic(), connection.cursor() as cursor:  # type: ignore[attr-defined]
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)  # EXPLAIN ANALYZE took the locks; give them back
    return plan


def render(args: argparse.Namespace, figures: dict[str, object]) -> str:
    import os

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    database = f" --database {args.database}" if args.database != DB_NAME else ""
    settled: dict[str, int] = figures["settled"]  # type: ignore[assignment]
    delivery: dict[str, float] = figures["delivery"]  # type: ignore[assignment]
    return f"""<!-- sla-sweep:start -->
## SLA sweep

`.venv/bin/python bench/sla_sweep.py --cases {args.cases} --due {args.due} --workers {args.workers}{database}`
({when}) on a city of `bench/city.py` ({figures['cases']:,} cases, {figures['built']}); PostgreSQL 15 on
the 2-core machine, shared with other processes and loaded while this ran (load average at the
end: {load}).

Before the timed runs the city was swept of what it had due by then (not timed: {settled['claimed']:,} clocks
claimed, {settled['actions']:,} due actions, {settled['failed']:,} failed).
Then {args.due:,} of its open step clocks that escalate, chosen by a hash of their id, were made
due by one UPDATE (due yesterday, each owes its breach rung now): {figures['steps']}.

| measure | figure | target |
|---|---|---|
| open deadlines of the city | {figures['open']:,} | |
| sweep all {args.due:,} due, 1 process | {figures['one_worker_s']:.2f} s ({figures['one_worker_claimed']:,} claimed) | ≤ 5 s |
| the same run's CPU: the sweeper process / its PostgreSQL backend | {figures['one_worker_cpu_s']:.2f} s / {figures['one_worker_db_cpu_s']:.2f} s | |
| of that run, delivering the digests (eager here, a Celery worker's job in production): wall / sweeper CPU / backend CPU | {delivery['wall']:.2f} s / {delivery['cpu']:.2f} s / {delivery['db_cpu']:.2f} s ({delivery['calls']} deliveries) | |
| the same run without the delivery: wall / sweeper CPU / backend CPU | {figures['one_worker_s'] - delivery['wall']:.2f} s / {figures['one_worker_cpu_s'] - delivery['cpu']:.2f} s / {figures['one_worker_db_cpu_s'] - delivery['db_cpu']:.2f} s | (≤ 5 s wall) |
| sweep all {args.due:,} due, {figures['workers']} processes at once | {figures['n_workers_s']:.2f} s (process start included) | |
| escalations written by the {figures['workers']} processes | {figures['n_workers_escalations']:,} (exactly one per due row) | |
| sweep with none due (median of 50 / max) | {figures['empty_ms_median']:.2f} ms / {figures['empty_ms_max']:.2f} ms | ≤ 10 ms |

Rungs fired by the 1-process run: {figures['one_worker_fired']}.

The claim query (`workflows/sweep.py`, partial index `deadline_due_fire` on `next_fire_at`
WHERE `next_fire_at IS NOT NULL`), with the rows due:

```
{figures['plan']}
```
Why the claim's cost follows the due rows: the index leaves out closed and paused clocks
(their `next_fire_at` is NULL, which a check constraint enforces for closed ones), and the
claim is a range scan `next_fire_at <= now` in index order that stops after the batch, so it
reads the due entries only, however many clocks are open.
<!-- sla-sweep:end -->
"""


if __name__ == "__main__":
    main()
