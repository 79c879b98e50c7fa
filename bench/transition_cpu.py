"""Client and server CPU per objection accept of two code trees, alternated on one city database.

A change to the engine's hot path is judged by the CPU time one ``advance(objection, "accept")``
costs the client process (``time.process_time``: what a shared machine's load changes least),
old and new code alternated in one run so that both see the same load:

    git archive <old commit> | tar -x -C /tmp/old     # the tree to compare with
    .venv/bin/python bench/transition_cpu.py --database casework_bench_<name> /tmp/old .

The database is the city of bench/transition.py (reused when it holds ≥ ``--cases`` cases,
else built); the objections are filed by this tree's engine (not timed). Each round runs every
tree once, in a child process started in that tree (its own imports), the order reversed every
other round: 5 untimed accepts, then ``--accepts`` timed ones. Prints each run and each tree's
figures: the client's CPU, the CPU of its PostgreSQL backend (``backend_cpu``: the server runs on
this machine) and the wall time, per accept. ``--profile cumulative`` prints a cProfile (CPU
time) of the project's functions.
Tasks are queued on the broker of REDIS_URL (set it to a Redis database of its own) or in memory.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARM = 5


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, os.getcwd())
    from bench.database import use_database

    os.environ.setdefault("LOG_LEVEL", "ERROR")
    use_database(args.database)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"  # the outbox is written, delivery is a worker's job
    import django

    django.setup()
    from casework import services
    from casework.models import Objection, User

    jobs = json.loads(Path(args.jobs).read_text())
    officers: dict[int, User] = {}

    def accept(job: list[int]) -> None:
        objection_id, officer_id, version = job
        if officer_id not in officers:
            officers[officer_id] = User.objects.get(pk=officer_id)
        services.advance(Objection.objects.get(pk=objection_id), "accept", officers[officer_id],
                         expected_version=version)

    for job in jobs[:WARM]:
        accept(job)
    from django.db import connection

    backend = connection.connection.info.backend_pid
    server = backend_cpu([backend])
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile(time.process_time)
        profile.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    for job in jobs[WARM:]:
        accept(job)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    server_cpu = backend_cpu([backend]).get(backend, 0.0) - server.get(backend, 0.0)
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats(args.profile).print_stats(
            r"/(casework|workflows|notifications|oversight|operations)/", 40)
    timed = len(jobs) - WARM
    print(json.dumps({"cpu_ms": cpu / timed * 1000, "wall_ms": wall / timed * 1000,
                      "server_ms": server_cpu / timed * 1000}))


def backend_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds each PostgreSQL backend process has used so far (the server runs on this
    machine): the scheduler's run time of /proc/<pid>/schedstat (nanoseconds), else utime +
    stime of /proc/<pid>/stat (clock ticks); a backend gone or not on this machine is left out."""
    found = {}
    for pid in pids:
        try:
            found[pid] = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def driver(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.transition_setup import city_database, file_objections

    city_database(args.database, args.cases, False, print)
    trees = [str(Path(tree).resolve()) for tree in args.trees]
    per_run = args.accepts + WARM
    jobs = file_objections(per_run * len(trees) * args.rounds, print)
    figures: dict[str, list[tuple[float, float, float]]] = {tree: [] for tree in trees}
    with tempfile.TemporaryDirectory() as scratch:
        run = 0
        for round_number in range(args.rounds):
            for tree in trees if round_number % 2 == 0 else trees[::-1]:
                path = Path(scratch) / f"jobs{run}.json"
                path.write_text(json.dumps(jobs[run * per_run:(run + 1) * per_run]))
                run += 1
                command = [sys.executable, str(Path(__file__).resolve()), "--child",
                           "--database", args.database, "--jobs", str(path)]
                if args.profile:
                    command += ["--profile", args.profile]
                out = subprocess.run(command, cwd=tree, capture_output=True, text=True)
                if out.returncode:
                    raise SystemExit(out.stderr[-3000:])
                if args.profile:
                    print(out.stderr)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                figures[tree].append((result["cpu_ms"], result["server_ms"], result["wall_ms"]))
                print(f"round {round_number + 1} {tree}: CPU {result['cpu_ms']:.2f} ms, server CPU "
                      f"{result['server_ms']:.2f} ms, wall {result['wall_ms']:.2f} ms per accept "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
    for tree, runs in figures.items():
        for index, name in enumerate(("CPU", "server CPU", "wall")):
            values = [run[index] for run in runs]
            print(f"{tree}: {name} per accept {' / '.join(f'{v:.2f}' for v in values)} ms "
                  f"(mean {sum(values) / len(values):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", help="code trees to compare (e.g. an old commit's and .)")
    parser.add_argument("--database", default="casework_bench_transition")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--accepts", type=int, default=150, help="timed accepts per tree per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--profile", default="", help="a pstats sort key: profile the timed accepts")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
    else:
        driver(args)


if __name__ == "__main__":
    main()
