"""Benchmark: the credit check (GET /api/v1/credit-check/{identifier}/) with 1 000 000 cases.

Needs PostgreSQL (the script creates and migrates its own database ``casework_bench_api``)
and wrk, the HTTP load generator from Debian: ``apt-get install -y wrk`` (``make bench-credit-check``
installs it). Run:

    .venv/bin/python bench/credit_check.py [--cases 1000000] [--duration 30] [--connections 8]

Rows are written with INSERT … SELECT generate_series and COPY, not the ORM: 250 000
subjects with valid 统一社会信用代码, four cases each (20 % listed, 20 % exited, the rest
drafts), and the credit index for the listed ones. The ASGI server (uvicorn, 4 workers by default,
a psycopg connection pool) is started by the script; wrk runs in a second process
and asks for a random mix of listed and never-listed identifiers as a system client with
the credit_check scope. Figures go to docs/benchmarks.md between the "credit-check"
markers. Targets on the 2-core machine: p99 ≤ 20 ms, ≥ 500 requests per second.
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
CASES_PER_SUBJECT = 4
SAMPLE_IDENTIFIERS = 2000

from bench.database import fresh_database, use_database  # noqa: E402
from bench.report import write_section  # noqa: E402

use_database(DB_NAME)


def uscc(number: int) -> str:
    """A valid 统一社会信用代码 built around an all-digit organisation code."""
    from casework.identifiers import org_code_check_char, uscc_check_char

    body = f"{number:08d}"
    first17 = "91210300" + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def seed(cases: int) -> dict[str, object]:
    """Everything in bulk SQL; returns the ids the load needs."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from casework.api.permissions import SCOPE_CREDIT_CHECK, SCOPE_GROUP_PREFIX
    from casework.choices import DepartmentKind, Role
    from casework.models import Department, LegalBasis, Measure, User

    owner = Department.objects.create(code="scjgj", name="市市场监管局", kind=DepartmentKind.DETERMINING)
    joint = Department.objects.create(code="zjj", name="市住房城乡建设局", kind=DepartmentKind.JOINT)
    basis = LegalBasis.objects.create(kind="law", title="中华人民共和国食品安全法", allows_serious_list=True,
                                      allows_focus_list=True, active_from="2015-10-01")
    measure = Measure.objects.create(code="limit-bidding", title="限制参与政府投资项目招标投标",
                                     legal_basis=basis, department=joint)
    drafter = User.objects.create_user("bench_officer", role=Role.OFFICER, department=owner)
    client = User.objects.create_user("bench_approvals", role=Role.SYSTEM, department=joint)
    client.groups.add(Group.objects.create(name=SCOPE_GROUP_PREFIX + SCOPE_CREDIT_CHECK))
    from casework.crypto import encrypt
    from casework.services.accounts import issue_token

    token = issue_token(None, client, name="benchmark").key

    subjects = cases // CASES_PER_SUBJECT
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.copy("COPY casework_subject (kind, name, identifier) FROM STDIN") as copy:
            for number in range(subjects):
                # COPY bypasses the model field: the column holds the ciphertext.
                copy.write_row(("enterprise", f"鞍山某企业{number}有限公司", encrypt(uscc(number))))
        cursor.execute("SELECT min(id) FROM casework_subject")
        first_subject = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO casework_case (state, number, list_type, dishonesty_class, facts,
                statement_waived, listed_from, listed_until, published, exit_reason, closed_at,
                version, created_at, drafter_id, owner_department_id, subject_id)
            SELECT CASE g %% 5 WHEN 0 THEN 'listed' WHEN 1 THEN 'exited' ELSE 'draft' END,
                   'scjgj-bench-' || g, 'serious', 'general', 'bench', false,
                   CASE WHEN g %% 5 IN (0, 1) THEN DATE '2025-01-06' END,
                   CASE WHEN g %% 5 IN (0, 1) THEN DATE '2028-01-05' END,
                   g %% 5 = 0, CASE WHEN g %% 5 = 1 THEN 'repaired' ELSE '' END,
                   CASE WHEN g %% 5 = 1 THEN now() END, 3, now(), %(drafter)s, %(owner)s,
                   %(first)s + (g %% %(subjects)s)
            FROM generate_series(0, %(last)s) AS g
            """,
            {"drafter": drafter.pk, "owner": owner.pk, "first": first_subject, "subjects": subjects,
             "last": cases - 1},
        )
        measures = json.dumps([{"code": measure.code, "title": measure.title, "department": joint.code,
                                "department_id": joint.pk, "state": "implemented"}], ensure_ascii=False)
        cursor.execute(
            """
            INSERT INTO casework_creditindexentry (case_id, identifier, list_type, case_number,
                owner_department, listed_from, listed_until, objection_open, measures, updated_at)
            SELECT c.id, s.identifier, c.list_type, c.number, %(owner)s, c.listed_from,
                   c.listed_until, c.id %% 7 = 0, %(measures)s::jsonb, now()
            FROM casework_case c JOIN casework_subject s ON s.id = c.subject_id
            WHERE c.state = 'listed'
            """,
            {"owner": owner.name, "measures": measures},
        )
        cursor.execute("SELECT count(*) FROM casework_case")
        total_cases = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM casework_creditindexentry")
        indexed = cursor.fetchone()[0]
        cursor.execute("ANALYZE")
    return {"token": token, "subjects": subjects, "cases": total_cases, "indexed": indexed,
            "seed_seconds": time.perf_counter() - started}


def sample_identifiers(subjects: int) -> list[str]:
    """Half listed subjects (every subject has a listed case), half never seen."""
    rng = random.Random(20250303)
    known = [uscc(rng.randrange(subjects)) for _ in range(SAMPLE_IDENTIFIERS // 2)]
    unknown = [uscc(subjects + rng.randrange(10 * subjects)) for _ in range(SAMPLE_IDENTIFIERS // 2)]
    mixed = known + unknown
    rng.shuffle(mixed)
    return mixed


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
    lines = [
        "<!-- credit-check:start -->",
        "## Credit check (信用前置筛查) — `GET /api/v1/credit-check/{identifier}/`",
        "",
        f"`.venv/bin/python bench/credit_check.py --cases {args.cases} --duration {args.duration}` "
        "(wrk from Debian; `make bench-credit-check` installs it).",
        "",
        f"- data: {seeded['cases']:,} cases on {seeded['subjects']:,} subjects in PostgreSQL, "
        f"{seeded['indexed']:,} of them listed and indexed; bulk insert took {seeded['seed_seconds']:.0f} s",
        f"- server: uvicorn (uvloop, httptools), {args.workers} workers, `config.asgi:application` (one sync crossing per request, `config/handlers.py`), token cache, psycopg connection pool (`DB_POOL=1`), DEBUG off",
        "- load: wrk, 2 threads, in a second process on the same 2-core machine; a system client's "
        "token (scope `credit_check`); identifiers drawn at random, half listed, half never seen",
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
              f"Load average when the run ended: {load} (2 cores; other processes count).",
              "<!-- credit-check:end -->"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, nargs="+", default=[2, 4, 8])
    # Two per core: a worker runs one request at a time and idles while PostgreSQL answers.
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    fresh_database(DB_NAME)

    seeded = seed(args.cases)
    print(f"seeded {seeded['cases']} cases, {seeded['indexed']} indexed in {seeded['seed_seconds']:.1f} s")
    from django.db import connections

    connections.close_all()
    identifiers = sample_identifiers(int(seeded["subjects"]))  # type: ignore[call-overload]
    server = start_server(args.workers)
    try:
        token = str(seeded["token"])
        listed = check_answer(token, identifiers[0])
        print("sample answer:", json.dumps(listed, ensure_ascii=False)[:300])
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
