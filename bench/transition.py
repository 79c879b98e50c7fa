"""Benchmark: one transition (an objection accepted, 异议受理) five ways, with 1 and 2 processes.

Run (PostgreSQL must be up; ``make bench-transition``):

    .venv/bin/python bench/transition.py [--cases 100000] [--transitions 200] [--rounds 2]
                                         [--database casework_bench_transition] [--fresh]

The database is a city of ``bench/city.py`` (≥ 100 000 cases, built with COPY); it is kept and
reused by the next run when it already holds that many cases (``--fresh`` rebuilds it). Each
run files the objections it will accept (the engine's ``file_objection``, in two processes,
not timed) on listed cases of every determining department, then measures, rounds alternating,
with 1 and with 2 client processes (each its own connection, ``--transitions`` per process):

- ``engine``: ``services.advance(objection, "accept", officer)`` — locks the case and the
  objection, closes the acceptance clock and opens the review clock (with their deadline
  events), saves the objection, appends to the case's audit chain and moves its head,
  updates the credit index only when a field it shows changes (not on 受理) and writes the messages and deliveries of the outbox;
- ``floor``: the same row writes (same tables, same rows, same recipients) by psycopg in one
  transaction, with no ORM, a statement per kind of write: the reference of the goal;
- ``floor-merged``: the same rows by psycopg in two statements (the locking read, then one
  statement of data-modifying CTEs for every write): the fewest round trips the engine's
  merges allow, the least any implementation has to do (``engine ÷ floor-merged`` is shown,
  not judged);
- ``peer``: a plain django-fsm-2 model (an ``FSMField``, a transition, ``save()``) and one log
  row, no engine: what a typical Django project pays;
- ``http``: ``POST /api/v1/objections/{id}/transitions/accept/`` under the README's production
  server command (uvicorn), one keep-alive client per process.

It prints throughput, the ratios to the floor and to the peer, p50/p99 latency, the client
processes' CPU time per transition (what the load of a shared machine changes least), their
PostgreSQL backends' CPU time per transition (the server runs on this machine: /proc), SQL statements
per transition (counted with a connection ``execute_wrapper``; BEGIN/COMMIT not counted) and the
1 → 2 process scaling, then each statement's round trip and server CPU for the engine and the floor
(bench/transition_server.py) and a cProfile of the engine's transition, and writes them to
docs/benchmarks.md between the "transition" markers (``--no-write`` to skip).
"""

import argparse
import cProfile
import functools
import io
import multiprocessing
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.database import BASE_URL  # noqa: E402
from bench.transition_cpu import backend_cpu  # noqa: E402
from bench.transition_server import engine_costs, floor_costs, render_costs  # noqa: E402
from bench.transition_setup import city_database, file_objections  # noqa: E402
from bench.transition_ways import (  # noqa: E402
    Floor,
    FloorMerged,
    floor_template,
    peer_accept,
    peer_rows,
    readme_server,
    tokens_for,
)

DEFAULT_DATABASE = "casework_bench_transition"
VARIANTS = ("engine", "floor", "floor-merged", "peer", "http")
FLOORS = {"floor": Floor, "floor-merged": FloorMerged}
COSTED, COSTED_WARM = 40, 10  # transitions of each way whose statements are timed one by one
PRELUDE = 61 + 2 * COSTED  # accepted before the rounds: rows checks, HTTP statements, profile, costs
WARM = 3  # untimed transitions each client process runs first (connections, caches)
GOAL_FLOOR_RATIO = 0.5
GOAL_SCALING = 1.6


@dataclass
class Slot:
    variant: str
    processes: int
    transitions: int
    seconds: float
    latencies: list[float]
    statements: int
    cpu: float = 0.0  # CPU seconds of the client processes over the timed transitions
    server_cpu: float = 0.0  # CPU seconds of their PostgreSQL backends over the same transitions


@dataclass
class Figures:
    slots: list[Slot] = field(default_factory=list)

    def of(self, variant: str, processes: int) -> dict[str, float]:
        mine = [s for s in self.slots if s.variant == variant and s.processes == processes]
        transitions = sum(s.transitions for s in mine)
        latencies = sorted(x for s in mine for x in s.latencies)
        return {
            "throughput": transitions / sum(s.seconds for s in mine),
            "p50": _percentile(latencies, 50) * 1000, "p99": _percentile(latencies, 99) * 1000,
            "statements": sum(s.statements for s in mine) / transitions if transitions else 0.0,
            "cpu": sum(s.cpu for s in mine) / transitions * 1000 if transitions else 0.0,
            "server_cpu": sum(s.server_cpu for s in mine) / transitions * 1000 if transitions else 0.0,
            "transitions": transitions,
        }


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(percent / 100 * len(values) + 0.5) - 1))
    return values[index]


# --- one slot: N processes, each its own connection ------------------------------------------------------

def _client(variant: str, jobs: list[tuple[int, int, int]], context: dict[str, Any], barrier: Any,
            results: Any, index: int = 0) -> None:
    """Child process: WARM untimed transitions, wait for the others, then the timed ones."""
    from django.db import connection

    connection.close()
    run = _runner(variant, context)
    for job in jobs[:WARM]:
        run(job)
    counter = _statement_counter(variant, context)
    backends = _backends(variant, context, index)
    barrier.wait()
    server = backend_cpu(backends())
    started, cpu = time.perf_counter(), time.process_time()
    latencies = []
    with counter:
        for job in jobs[WARM:]:
            begun = time.perf_counter()
            run(job)
            latencies.append(time.perf_counter() - begun)
    ended, cpu = time.perf_counter(), time.process_time() - cpu
    after = backend_cpu(backends())
    server_cpu = sum(seconds - server.get(pid, 0.0) for pid, seconds in after.items())
    results.put((started, ended, latencies, counter.count, cpu, server_cpu))


# --- the PostgreSQL server's CPU (it runs on this machine) --------------------------------------------------

def _backends(variant: str, context: dict[str, Any], index: int) -> Callable[[], list[int]]:
    """The PostgreSQL backends a client's transitions run on: its own connection's; for ``http``
    every backend of the database but this process's (the server's pool), counted by the
    first client only."""
    from django.db import connection

    if variant in FLOORS:
        pid = context["floor_instance"].connection.info.backend_pid
        return lambda: [pid]
    if variant != "http":
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        return lambda: [pid]
    if index:
        return list

    def server_pool() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid()")
            return [pid for (pid,) in cursor.fetchall()]
    return server_pool


class _Counter:
    def __init__(self, floor: "Floor | None" = None) -> None:
        self.count = 0
        self.floor = floor
        self._wrapper: Any = None

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> "_Counter":
        if self.floor is not None:
            self.floor.statements = 0
        elif self._wrapper is not False:
            from django.db import connection

            self._wrapper = connection.execute_wrapper(self)
            self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.floor is not None:
            self.count = self.floor.statements
        elif self._wrapper:
            self._wrapper.__exit__(*exc)


def _statement_counter(variant: str, context: dict[str, Any]) -> _Counter:
    if variant in FLOORS:
        return _Counter(floor=context["floor_instance"])
    counter = _Counter()
    if variant == "http":
        counter._wrapper = False  # counted in-process once, see http_statements()
    return counter


def _runner(variant: str, context: dict[str, Any]) -> Callable[[tuple[int, int, int]], None]:
    if variant == "engine":
        from casework import services
        from casework.models import Objection, User

        officers: dict[int, Any] = {}

        def engine(job: tuple[int, int, int]) -> None:
            objection_id, officer_id, version = job
            if officer_id not in officers:
                officers[officer_id] = User.objects.get(pk=officer_id)
            services.advance(Objection.objects.get(pk=objection_id), "accept", officers[officer_id],
                             expected_version=version)
        return engine
    if variant in FLOORS:
        floor = FLOORS[variant](f"{BASE_URL}/{context['database']}", context["template"])
        context["floor_instance"] = floor
        actors = context["actors"]
        return lambda job: floor.accept(job[0], actors[job[1]])
    if variant == "peer":
        return lambda job: peer_accept(job[0], job[1])
    import httpx

    client = httpx.Client(base_url=context["base"], timeout=60)
    tokens = context["tokens"]

    def http(job: tuple[int, int, int]) -> None:
        answer = client.post(f"/api/v1/objections/{job[0]}/transitions/accept/",
                             json={"expected_version": job[2]},
                             headers={"Authorization": f"Token {tokens[job[1]]}"})
        if answer.status_code != 200:
            raise RuntimeError(f"HTTP {answer.status_code}: {answer.text[:300]}")
    return http


def run_slot(variant: str, processes: int, jobs: list[tuple[int, int, int]], context: dict[str, Any],
             per_process: int) -> Slot:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    chunk = WARM + per_process
    children = [ctx.Process(target=_client, args=(variant, jobs[i * chunk:(i + 1) * chunk], context,
                                                  barrier, results, i)) for i in range(processes)]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=600) for _ in children]
    for child in children:
        child.join(60)
        if child.exitcode != 0:
            raise SystemExit(f"a {variant} client failed (exit {child.exitcode})")
    started, ended = min(o[0] for o in outcomes), max(o[1] for o in outcomes)
    latencies = [x for o in outcomes for x in o[2]]
    return Slot(variant, processes, len(latencies), ended - started, latencies, sum(o[3] for o in outcomes),
                sum(o[4] for o in outcomes), sum(o[5] for o in outcomes))


# --- statements of the HTTP path and a profile of the engine's ---------------------------------------------

def http_statements(objection_id: int, version: int, token: str) -> int:
    from django.db import connection
    from django.test import Client

    counter = _Counter()
    with connection.execute_wrapper(counter):
        answer = Client(HTTP_HOST="127.0.0.1").post(
            f"/api/v1/objections/{objection_id}/transitions/accept/", data={"expected_version": version},
            content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 200, answer.content[:300]
    return counter.count


def engine_profile(jobs: list[tuple[int, int, int]]) -> str:
    """cProfile of ``advance`` over ``jobs`` in this process: where the engine's time goes."""
    from casework import services
    from casework.models import Objection, User

    officers = {pk: User.objects.get(pk=pk) for pk in {job[1] for job in jobs}}
    profile = cProfile.Profile()
    for objection_id, officer_id, version in jobs:
        objection = Objection.objects.get(pk=objection_id)
        profile.enable()
        services.advance(objection, "accept", officers[officer_id], expected_version=version)
        profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(r"/(casework|workflows|notifications|oversight)/", 22)
    wall = max(row[3] for row in stats.stats.values())  # type: ignore[attr-defined]
    lines = [line.replace(str(ROOT) + "/", "") for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return (f"{len(jobs)} transitions, {wall / len(jobs) * 1000:.1f} ms each under the profiler "
            "(cumulative seconds; the project's functions only)\n" + "\n".join(lines[start:]))


def rows_written(action: Callable[[], None]) -> dict[str, int]:
    """Rows each table gained while ``action`` ran (to check the floor writes what the engine writes)."""
    from django.db import connection

    tables = ("workflows_deadline", "workflows_deadlineevent", "casework_auditevent",
              "notifications_message", "notifications_delivery")

    def counts() -> dict[str, int]:
        with connection.cursor() as cursor:
            return {t: cursor.execute(f"SELECT max(id) FROM {t}") and cursor.fetchone()[0] or 0
                    for t in tables}

    before = counts()
    action()
    after = counts()
    return {t: after[t] - before[t] for t in tables}


def alike_first(jobs: list[tuple[int, int, int]], count: int) -> list[tuple[int, int, int]]:
    """``jobs`` with ``count`` acceptances that write the same number of rows first (the same
    officer, so the same department's staff, and a subject with as many accounts and e-mail
    addresses): the rows checks compare the engine's and the floors' on alike objections."""
    from django.db import connection

    head = jobs[:200]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.id, (SELECT count(*) + count(*) FILTER (WHERE u.email <> '') FROM casework_user u "
            "WHERE u.subject_id = c.subject_id AND u.is_active) FROM casework_objection o "
            "JOIN casework_case c ON c.id = o.case_id WHERE o.id = ANY(%s)", [[job[0] for job in head]])
        channels = dict(cursor.fetchall())
    groups: dict[tuple[int, int], list[int]] = {}
    for index, job in enumerate(head):
        groups.setdefault((job[1], channels[job[0]]), []).append(index)
    chosen = max(groups.values(), key=len)[:count]
    taken = set(chosen)
    return [jobs[i] for i in chosen] + [job for i, job in enumerate(jobs) if i not in taken]


# --- the run ---------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--transitions", type=int, default=200, help="timed transitions per process per slot")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--fresh", action="store_true", help="rebuild the city even if it is there")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    def progress(text: str) -> None:
        # UTC throughout: Django's setup sets TZ to Asia/Shanghai part-way through the run.
        print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {text}", flush=True)

    begun = time.perf_counter()
    city_database(args.database, args.cases, args.fresh, progress)
    from django.db import connection

    from casework.models import User

    per_slot = {p: p * (WARM + args.transitions) for p in (1, 2)}
    pooled = ("engine", "floor", "floor-merged", "http")
    needed = args.rounds * sum(per_slot.values()) * len(pooled) + PRELUDE
    filed = file_objections(needed, progress)
    jobs = alike_first(filed, 1 + len(FLOORS))
    officer_ids = {job[1] for job in jobs}
    actors = {u.pk: (u.pk, u.department_id) for u in User.objects.filter(pk__in=officer_ids)}
    tokens = tokens_for(officer_ids)

    # One acceptance through the engine for the floors' template, one by each floor (their rows
    # checked against the engine's), one through the API's view in-process for the HTTP path's
    # statement count, fifty-seven profiled; then forty by the engine and forty by the floor with
    # each statement timed (ten of each untimed first).
    from casework import services
    from casework.models import Objection

    first, first_officer, _v1 = jobs[0]
    engine_rows = rows_written(lambda: services.advance(
        Objection.objects.get(pk=first), "accept", User.objects.get(pk=first_officer)))
    template = floor_template(first)
    floors_rows = {}
    for index, (name, way) in enumerate(FLOORS.items(), start=1):
        floor = way(f"{BASE_URL}/{args.database}", template)
        objection_id, officer_id, _version = jobs[index]
        floors_rows[name] = rows_written(functools.partial(floor.accept, objection_id, actors[officer_id]))
        floor.connection.close()
    progress(f"rows per transition — engine {engine_rows}, "
             + ", ".join(f"{name} {rows}" for name, rows in floors_rows.items()))
    http_count = http_statements(jobs[3][0], jobs[3][2], tokens[jobs[3][1]])
    profile = engine_profile(jobs[4:61])
    floor = Floor(f"{BASE_URL}/{args.database}", template)
    costs = render_costs({"engine": engine_costs(jobs[61:61 + COSTED], COSTED_WARM),
                          "floor": floor_costs(floor, jobs[61 + COSTED:PRELUDE], actors, COSTED_WARM)})
    floor.connection.close()
    left = len(jobs) - PRELUDE
    pools = {variant: iter(range(PRELUDE + i * left // len(pooled), PRELUDE + (i + 1) * left // len(pooled)))
             for i, variant in enumerate(pooled)}
    peer_ids = peer_rows(args.rounds * sum(per_slot.values()))
    peer_pool = iter(peer_ids)
    peer_actor = next(iter(officer_ids))

    figures = Figures()
    context: dict[str, Any] = {"database": args.database, "template": template, "actors": actors,
                               "tokens": tokens}
    with readme_server(args.database) as (base, server_command):
        context["base"] = base
        for round_number in range(1, args.rounds + 1):
            for processes in (1, 2):
                for variant in VARIANTS:
                    count = per_slot[processes]
                    if variant == "peer":
                        slot_jobs = [(next(peer_pool), peer_actor, 1) for _ in range(count)]
                    else:
                        slot_jobs = [jobs[next(pools[variant])] for _ in range(count)]
                    slot = run_slot(variant, processes, slot_jobs, context, args.transitions)
                    figures.slots.append(slot)
                    progress(f"round {round_number}/{args.rounds}, {processes} process(es), {variant:12}: "
                             f"{slot.transitions / slot.seconds:7.1f}/s, p50 "
                             f"{statistics.median(slot.latencies) * 1000:6.2f} ms, CPU client "
                             f"{slot.cpu / slot.transitions * 1000:5.2f} ms, server "
                             f"{slot.server_cpu / slot.transitions * 1000:5.2f} ms")
    connection.close()
    load = os.getloadavg()
    report = render(figures, args, http_count, profile, costs, engine_rows, floors_rows, server_command,
                    time.perf_counter() - begun, load)
    print(report)
    if not args.no_write:
        from bench.report import write_section

        write_section(report, "transition")
        progress("figures written to docs/benchmarks.md")



def broker_note() -> str:
    """What the broker publish after each commit costs in these runs, said with the figures."""
    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "memory://"
    if url.startswith(("redis://", "rediss://")):
        return ("Broker: Redis (`REDIS_URL`). No Celery worker runs during the benchmark, so the "
                "delivery dispatch flag (`notifications/dispatch.py`) is cleared only when it expires: "
                "one publish per `NOTIFICATIONS_DISPATCH_WINDOW_SECONDS`, the best case of the "
                "coalescing. With an idle worker that clears it at once, each commit also publishes "
                "the dispatch task (about 1.2–1.4 ms more client CPU per transition, measured with "
                "`bench/transition_cpu.py` on a loaded machine).")
    return (f"Broker: `{url.split(':', 1)[0]}` (no `REDIS_URL`): every commit publishes its delivery task "
            "(no dispatch flag on this broker).")

def render(figures: Figures, args: Any, http_count: int, profile: str, costs: str, engine_rows: dict[str, int],
           floors_rows: dict[str, dict[str, int]], server_command: str, seconds: float,
           load: tuple[float, ...]) -> str:
    table = ["| way | processes | transitions/s | ÷ floor | ÷ peer | p50 ms | p99 ms | client CPU ms "
             "| server CPU ms | statements | 2 ÷ 1 |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    floor = {p: figures.of("floor", p)["throughput"] for p in (1, 2)}
    peer = {p: figures.of("peer", p)["throughput"] for p in (1, 2)}
    verdicts = []
    for variant in VARIANTS:
        for processes in (1, 2):
            f = figures.of(variant, processes)
            statements = f"{f['statements']:.1f}" if variant != "http" else f"{http_count} (in-process)"
            scaling = (f"{f['throughput'] / figures.of(variant, 1)['throughput']:.2f}×"
                       if processes == 2 else "")
            table.append(f"| {variant} | {processes} | {f['throughput']:.1f} | "
                         f"{f['throughput'] / floor[processes]:.2f} | {f['throughput'] / peer[processes]:.2f} | "
                         f"{f['p50']:.2f} | {f['p99']:.2f} | {f['cpu']:.2f} | {f['server_cpu']:.2f} | "
                         f"{statements} | {scaling} |")
    for processes in (1, 2):
        ratio = figures.of("engine", processes)["throughput"] / floor[processes]
        verdicts.append(f"engine ÷ floor at {processes} process(es): {ratio:.2f} "
                        f"({'met' if ratio >= GOAL_FLOOR_RATIO else 'missed'}, goal ≥ {GOAL_FLOOR_RATIO})")
    merged = [figures.of("engine", p)["throughput"] / figures.of("floor-merged", p)["throughput"] for p in (1, 2)]
    verdicts.append(f"engine ÷ floor-merged at 1 and 2 processes: {merged[0]:.2f} and {merged[1]:.2f} "
                    "(informational: the goal is judged against the floor)")
    scaling = figures.of("engine", 2)["throughput"] / figures.of("engine", 1)["throughput"]
    verdicts.append(f"engine scaling 1 → 2 processes: {scaling:.2f}× "
                    f"({'met' if scaling >= GOAL_SCALING else 'missed'}, goal ≥ {GOAL_SCALING}×)")
    rows = ", ".join(f"{table_name} +{count}" for table_name, count in engine_rows.items())
    same = "; ".join(f"{name}'s are " + ("the same" if found == engine_rows else f"NOT the same ({found})")
                     for name, found in floors_rows.items())
    return f"""<!-- transition:start -->
## Transition (an objection accepted) — engine, raw-SQL floors, django-fsm-2 peer, HTTP

`.venv/bin/python bench/transition.py --cases {args.cases} --transitions {args.transitions} \
--rounds {args.rounds}` (`make bench-transition` runs it with its defaults), database `{args.database}`: the city of `bench/city.py`
(≥ {args.cases:,} cases), {args.rounds} rounds alternating, {args.transitions} timed transitions
per client process per slot after {WARM} untimed ones; each process has its own connection.
Run {time.strftime("%Y-%m-%d %H:%M", time.gmtime())} UTC, {seconds:.0f} s in all; load average at the end \
{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} ({os.cpu_count()} cores, shared with whatever else ran). "client CPU ms":
the client process's CPU time per transition (`time.process_time`; the database server's is not in it),
the figure that depends least on the load. "server CPU ms": the CPU time of the PostgreSQL backend
serving the client process's connection (it runs on this machine: its run time in `/proc/<pid>/schedstat`
before and after the timed transitions), per transition; for http, every backend of the database
(the server's connection pool).

- engine: `services.advance(objection, "accept", officer)` (with the `Objection.objects.get` a caller does)
- floor: the same row writes with psycopg, one transaction (`bench/transition_ways.py`, `Floor.accept`)
- floor-merged: the same rows with psycopg in two statements, the case and its audit chain's head locked and read
  with the subject's accounts, then every write in one statement of data-modifying CTEs (`FloorMerged.accept`):
  the fewest round trips the engine's merges allow (the audit hash is computed between the two)
- peer: a plain django-fsm-2 model (`FSMField`, `@transition`, `save()`) and one log row
- http: `POST /api/v1/objections/{{id}}/transitions/accept/` under `{server_command}`, one keep-alive
  client per process; its statements counted once in-process through the same view (token lookup included)

{broker_note()}

Rows written by one acceptance: {rows}, plus the objection, the closed clock and the audit head updated (the
credit index is not: both sides of 受理 are open objections); the {same}.

{chr(10).join(table)}

{chr(10).join("- " + v for v in verdicts)}

Where the time of one transition goes between client and database (`bench/transition_server.py`: in one
process, each statement timed from the client, its round trip, and the backend's CPU read before and after
it; the engine's fixed SQL runs as prepared statements, and psycopg prepares the floor's from their sixth
run):

{costs}

Where the engine's time goes (cProfile of `advance` in one process, the project's functions by cumulative time):

```
{profile}
```
<!-- transition:end -->
"""


if __name__ == "__main__":
    main()
