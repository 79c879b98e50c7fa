"""Benchmark: the credit check (GET /api/v1/credit-check/{identifier}/) on a city of 625 000 cases.

Needs PostgreSQL and wrk, the HTTP load generator from Debian: ``apt-get install -y wrk``
(``make bench-credit-check`` installs it). Run:

    .venv/bin/python bench/credit_check.py [--cases 625000] [--duration 30] [--connections 2 4 8]
                                           [--database casework_bench_api] [--fresh]

The data is a city of ``bench/city.py`` in its own database (``casework_bench_api``): 625 000
cases give its 250 000 subjects (one per 2.5 cases, valid 统一社会信用代码) in every state, and
the credit index of the listed ones (``bench/city_index.py``, the rows ``casework.indexing``
writes). The city is kept and reused by the next run when it holds that many cases
(``--fresh`` rebuilds it). The script adds a system client with the ``credit_check`` scope in
the joint department with the most live measure tasks, starts the ASGI server (uvicorn,
4 workers by default, a psycopg connection pool), and wrk, in a second process, asks for a
random mix of listed and never-seen identifiers. Figures go to docs/benchmarks.md between
the "credit-check" markers. Targets on the 2-core machine: p99 ≤ 20 ms, ≥ 500 requests per second.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "casework_bench_api"
PORT = 8765
SAMPLE_IDENTIFIERS = 2000

from bench.city import CASES_PER_SUBJECT, open_city, subject_identifier  # noqa: E402
from bench.report import write_section  # noqa: E402


def client_token() -> str:
    """A system client's token with the credit_check scope, in the busiest joint department."""
    from django.contrib.auth.models import Group
    from django.db.models import Count

    from casework.api.permissions import SCOPE_CREDIT_CHECK, SCOPE_GROUP_PREFIX
    from casework.choices import DepartmentKind, Role
    from casework.models import Department, MeasureTask, User
    from casework.services.accounts import issue_token
    from workflows.measure_task import LIVE_STATES

    busiest = (MeasureTask.objects.filter(state__in=LIVE_STATES, case__state="listed",
                                          department__kind=DepartmentKind.JOINT)
               .values("department_id").annotate(n=Count("*")).order_by("-n", "department_id").first())
    assert busiest is not None, "the city has no live measure task"
    department = Department.objects.get(pk=busiest["department_id"])
    client, _ = User.objects.get_or_create(username="bench_approvals",
                                           defaults={"role": Role.SYSTEM, "department": department})
    client.groups.add(Group.objects.get_or_create(name=SCOPE_GROUP_PREFIX + SCOPE_CREDIT_CHECK)[0])
    return issue_token(None, client, name="benchmark").key


def city_figures() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM casework_case), (SELECT count(*) FROM casework_subject), "
                       "(SELECT count(*) FROM casework_creditindexentry)")
        cases, subjects, indexed = cursor.fetchone()
    return {"cases": cases, "subjects": subjects, "indexed": indexed}


def sample_identifiers(city_subjects: int) -> tuple[list[str], list[str]]:
    """Half the identifiers of listed subjects (from the index), half valid codes no subject has."""
    from casework.models import CreditIndexEntry

    rng = random.Random(20250303)
    indexed = list(CreditIndexEntry.objects.order_by("case_id").values_list("case_id", flat=True))
    chosen = rng.sample(indexed, min(SAMPLE_IDENTIFIERS // 2, len(indexed)))
    known = list(CreditIndexEntry.objects.filter(case_id__in=chosen).values_list("identifier", flat=True))
    unknown = [subject_identifier(rng.randrange(city_subjects, 4 * city_subjects))[1]
               for _ in range(SAMPLE_IDENTIFIERS // 2)]
    mixed = known + unknown
    rng.shuffle(mixed)
    return known, mixed


def start_server(workers: int) -> subprocess.Popen[bytes]:
    # Capacity, not the throttle: the one benchmark token would be throttled within a second.
    env = {**os.environ, "DB_POOL": "1", "DEBUG": "0", "CREDIT_CHECK_SYSTEM_RATE": "off"}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "uvicorn"), "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(PORT), "--workers", str(workers), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/public/exits/?page_size=1", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the ASGI server did not start")


def check_answer(token: str, identifier: str) -> dict[str, object]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1/credit-check/{identifier}/",
                                     headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def lua_script(token: str, identifiers: list[str]) -> str:
    table = ",".join(f'"{identifier}"' for identifier in identifiers)
    return f"""
local ids = {{{table}}}
local headers = {{["Authorization"] = "Token {token}"}}
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/v1/credit-check/" .. ids[math.random(#ids)] .. "/", headers)
end
"""


def run_wrk(script: Path, duration: int, connections: int) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script),
               f"http://127.0.0.1:{PORT}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    print(output)

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        assert match, output
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        return float(match.group(1)) * scale

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "p50": latency("50"), "p90": latency("90"), "p99": latency("99"),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "requests": float(re.search(r"(\d+) requests in", output).group(1)),  # type: ignore[union-attr]
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def render(args: argparse.Namespace, seeded: dict[str, object], runs: list[tuple[int, dict[str, float]]]) -> str:
    built = (f"built by COPY in {seeded['build_seconds']:.0f} s" if seeded["build_seconds"] is not None
             else "reused from an earlier run")
    lines = [
        "<!-- credit-check:start -->",
        "## Credit check (信用前置筛查) — `GET /api/v1/credit-check/{identifier}/`",
        "",
        f"`.venv/bin/python bench/credit_check.py --cases {args.cases} --duration {args.duration}"
        + (f" --database {args.database}" if args.database != DB_NAME else "") + "` "
        "(wrk from Debian; `make bench-credit-check` installs it).",
        "",
        f"- data: a city of `bench/city.py` (database `{args.database}`, {built}): "
        f"{seeded['cases']:,} cases in every state on {seeded['subjects']:,} subjects, "
        f"{seeded['indexed']:,} listed cases in the credit index",
        f"- server: uvicorn (uvloop, httptools), {args.workers} workers, `config.asgi:application` (one sync crossing per request, `config/handlers.py`), token cache, psycopg connection pool (`DB_POOL=1`), DEBUG off",
        "- load: wrk, 2 threads, in a second process on the same 2-core machine; a system client's "
        f"token (scope `credit_check`, department {seeded['department']}); identifiers drawn at random, "
        "half of listed subjects, half valid codes no subject has",
        "- each request: one indexed read of the credit index (the token and its scopes are cached per process, `API_TOKEN_CACHE_SECONDS`)",
        "",
        "| connections | requests | req/s | p50 ms | p90 ms | p99 ms | non-2xx |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for connections, figures in runs:
        lines.append(f"| {connections} | {figures['requests']:.0f} | {figures['rps']:.0f} | "
                     f"{figures['p50']:.2f} | {figures['p90']:.2f} | {figures['p99']:.2f} | "
                     f"{figures['errors']:.0f} |")
    met_at = [str(c) for c, figures in runs if figures["p99"] <= 20 and figures["rps"] >= 500]
    verdict = f"both met at {', '.join(met_at)} connections" if met_at else "NOT met at any load"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines += ["", f"Targets: p99 ≤ 20 ms and ≥ 500 req/s — {verdict}. Past the point where the "
              "workers are busy, more connections only queue up and lengthen p99. "
              f"Load average when the run ended: {load} (2 cores shared with other processes: "
              "the machine was loaded while this ran).",
              "<!-- credit-check:end -->"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # 625 000 cases: 250 000 subjects (bench/city.py writes one per 2.5 cases).
    parser.add_argument("--cases", type=int, default=625_000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, nargs="+", default=[2, 4, 8])
    # Two per core: a worker runs one request at a time and idles while PostgreSQL answers.
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", default=DB_NAME)
    parser.add_argument("--fresh", action="store_true", help="rebuild the city even if it is there")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    city = open_city(args.database, args.cases, args.fresh)
    token = client_token()
    seeded: dict[str, object] = {**city_figures(), "build_seconds": city.seconds if city else None}
    from casework.models import User

    seeded["department"] = User.objects.get(username="bench_approvals").department.name
    known, identifiers = sample_identifiers(int(int(seeded["cases"]) / CASES_PER_SUBJECT))  # type: ignore[call-overload]
    from django.db import connections

    connections.close_all()
    server = start_server(args.workers)
    try:
        listed = check_answer(token, known[0])
        print("sample answer:", json.dumps(listed, ensure_ascii=False)[:300])
        # A city kept from a run with another IDENTIFIER_KEY would answer "not listed" to everything.
        assert listed["listed"], "a listed subject is not found: rebuild the city with --fresh"
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(lua_script(token, identifiers))
        run_wrk(Path(script.name), 5, 8)  # warm-up: connections, caches
        runs = [(connections_, run_wrk(Path(script.name), args.duration, connections_))
                for connections_ in args.connections]
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = render(args, seeded, runs)
    print(report)
    if not args.no_write:
        write_section(report, "credit-check")


if __name__ == "__main__":
    main()
