"""Where an objection accept waits on the database: each statement's round trip and server CPU.

bench/transition.py runs ``statement_costs`` in its own process (one connection, no other
client) for the engine and for the floor: every statement is timed from the client (its round
trip: sending, the server's work, the answer read back and converted) and the PostgreSQL
backend's CPU is read before and after it (``backend_cpu``: /proc/<pid>/schedstat, the server
runs on this machine; a backend that has answered is asleep, so its run time is up to date).
For the engine the COMMIT and what runs after it (the ``on_commit`` hooks: the delivery dispatch
flag's ``SET NX`` on a Redis broker, the live push) are timed too.

Alone, on the city of bench/transition.py (its objections filed first, not timed):

    .venv/bin/python bench/transition_server.py --database casework_bench_<name> [--accepts 40]
    DB_PREPARED_STATEMENTS=0 .venv/bin/python bench/transition_server.py …   # the fixed SQL unprepared
"""

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.transition_cpu import backend_cpu  # noqa: E402

_TABLE = re.compile(r'\b(FROM|INTO|(?<!FOR )UPDATE|JOIN)\s+"?(\w+)"?')


def label(sql: str) -> str:
    """A statement named by what it does: its verbs and tables (``SELECT casework_case, … FOR UPDATE``)."""
    words: list[str] = []
    for verb, table in _TABLE.findall(sql):
        if table in {"unnest", "messages", "closed", "opened", "event", "p0", "p1", "p2", "c", "u0", "u1",
                     "u2", "o", "head", "deliveries", "timeline"}:
            continue
        word = f"{'SELECT' if verb in ('FROM', 'JOIN') else 'INSERT' if verb == 'INTO' else 'UPDATE'} {table}"
        if word not in words:
            words.append(word)
    head = "WITH " if sql.lstrip().upper().startswith("WITH") else ""
    lock = " FOR UPDATE" if "FOR UPDATE" in sql.upper() else ""
    return head + ", ".join(words) + lock


class Costs:
    """Round trip and server CPU per statement label, over several transitions."""

    def __init__(self) -> None:
        self.statements: dict[str, list[tuple[float, float]]] = {}
        self.parts: dict[str, list[tuple[float, float]]] = {}
        self.transitions: list[tuple[float, float, float]] = []  # wall, client CPU, server CPU

    def timed(self, pid: int, name: str, action: Callable[[], Any], into: dict[str, list[tuple[float, float]]]
              ) -> Any:
        server, begun = backend_cpu([pid]), time.perf_counter()
        result = action()
        wall = time.perf_counter() - begun
        into.setdefault(name, []).append((wall, backend_cpu([pid])[pid] - server[pid]))
        return result

    def rows(self) -> list[tuple[str, float, float, float, float]]:
        """(what, times per transition, round trip ms, its median, server CPU ms) in the order first seen."""
        count = len(self.transitions)
        found = []
        for name, values in [*self.statements.items(), *self.parts.items()]:
            found.append((name, len(values) / count, statistics.mean(v[0] for v in values) * 1000,
                          statistics.median(v[0] for v in values) * 1000,
                          statistics.mean(v[1] for v in values) * 1000))
        return found


def engine_costs(jobs: list[tuple[int, int, int]], warm: int) -> Costs:
    """``advance(objection, "accept")`` (with the caller's ``Objection.objects.get``) over ``jobs``,
    the first ``warm`` untimed."""
    from django.db import connection

    from casework import services
    from casework.models import Objection, User

    officers = {pk: User.objects.get(pk=pk) for pk in {job[1] for job in jobs}}
    costs = Costs()
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        return costs.timed(pid, label(sql), lambda: execute(sql, params, many, context), costs.statements)

    commit, hooks = connection._commit, connection.run_and_clear_commit_hooks
    try:
        for index, (objection_id, officer_id, version) in enumerate(jobs):
            timing = index >= warm
            if timing:
                connection._commit = lambda: costs.timed(pid, "COMMIT", commit, costs.parts)  # type: ignore[method-assign]
                connection.run_and_clear_commit_hooks = (  # type: ignore[method-assign]
                    lambda: costs.timed(pid, "after COMMIT (on_commit hooks)", hooks, costs.parts))
            server, cpu, begun = backend_cpu([pid]), time.process_time(), time.perf_counter()
            if timing:
                with connection.execute_wrapper(wrapper):
                    services.advance(Objection.objects.get(pk=objection_id), "accept", officers[officer_id],
                                     expected_version=version)
                costs.transitions.append((time.perf_counter() - begun, time.process_time() - cpu,
                                          backend_cpu([pid])[pid] - server[pid]))
            else:
                services.advance(Objection.objects.get(pk=objection_id), "accept", officers[officer_id],
                                 expected_version=version)
    finally:
        connection._commit, connection.run_and_clear_commit_hooks = commit, hooks  # type: ignore[method-assign]
    return costs


def floor_costs(floor: Any, jobs: list[tuple[int, int, int]], actors: dict[int, tuple[int, int]], warm: int
                ) -> Costs:
    """``floor.accept`` over ``jobs`` (psycopg prepares a statement from its sixth run: ``warm``
    untimed transitions first), every ``floor.execute`` timed, the COMMIT too."""
    costs = Costs()
    pid = floor.connection.info.backend_pid
    plain = floor.execute
    for index, (objection_id, officer_id, _version) in enumerate(jobs):
        if index < warm:
            floor.accept(objection_id, actors[officer_id])
            continue
        floor.execute = lambda sql, params=None: costs.timed(pid, label(sql), lambda: plain(sql, params),
                                                             costs.statements)
        server, cpu, begun = backend_cpu([pid]), time.process_time(), time.perf_counter()
        floor.accept(objection_id, actors[officer_id])
        costs.transitions.append((time.perf_counter() - begun, time.process_time() - cpu,
                                  backend_cpu([pid])[pid] - server[pid]))
        floor.execute = plain
    return costs


def render_costs(ways: dict[str, Costs]) -> str:
    """A table per way: each statement's round trip and server CPU, and the whole transition."""
    out = []
    for name, costs in ways.items():
        wall, server = (statistics.mean(t[i] for t in costs.transitions) * 1000 for i in (0, 2))
        rows = costs.rows()
        out.append(f"{name} ({len(costs.transitions)} transitions in one process, timed as above): {wall:.2f} ms "
                   f"each, server CPU {server:.2f} ms; the statements' round trips "
                   f"{sum(r[1] * r[2] for r in rows if r[0] in costs.statements):.2f} ms, their server CPU "
                   f"{sum(r[1] * r[4] for r in rows if r[0] in costs.statements):.2f} ms\n")
        out.append("| statement | per transition | round trip ms | median | server CPU ms |")
        out.append("|---|---:|---:|---:|---:|")
        for what, times, trip, median, backend in rows:
            out.append(f"| {what} | {times:.2f} | {trip:.3f} | {median:.3f} | {backend:.3f} |")
        out.append("")
    return "\n".join(out).rstrip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="casework_bench_transition")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--accepts", type=int, default=40, help="timed accepts of each way")
    parser.add_argument("--warm", type=int, default=10, help="untimed accepts of each way first")
    args = parser.parse_args()
    from bench.database import BASE_URL
    from bench.transition_setup import city_database, file_objections
    from bench.transition_ways import Floor, floor_template

    city_database(args.database, args.cases, False, print)
    from casework import services
    from casework.models import Objection, User

    per_way = args.accepts + args.warm
    jobs = file_objections(1 + 2 * per_way, print)
    first, officer, _version = jobs[0]
    services.advance(Objection.objects.get(pk=first), "accept", User.objects.get(pk=officer))
    actors = {u.pk: (u.pk, u.department_id) for u in User.objects.filter(pk__in={job[1] for job in jobs})}
    floor = Floor(f"{BASE_URL}/{args.database}", floor_template(first))
    print(render_costs({"engine": engine_costs(jobs[1:1 + per_way], args.warm),
                        "floor": floor_costs(floor, jobs[1 + per_way:], actors, args.warm)}))


if __name__ == "__main__":
    main()
