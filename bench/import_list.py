"""Benchmark: importing a list file of 100 000 rows on PostgreSQL, phase by phase.

Run (PostgreSQL must be up; the script creates and migrates its own database):

    .venv/bin/python bench/import_list.py [--rows 100000] [--write-rows 2000]

It writes a CSV of --rows valid rows (one department, one legal basis with one
catalogue measure; the department's own earlier determinations, city cases), then measures
(1) reading and checking every row (``--dry-run``: the parse and validate phases over the
whole file), (2) the full import of the first --write-rows rows through the services
(open_case, record_determination, the measure task), extrapolated to --rows, with the
queries per row and a profile of where the write time goes, then the import of as many
records of an external list (a court's; ``--no-external`` leaves it out), timed apart,
(3) a plain ``COPY`` of the same --rows rows into a table, and the peak memory (RSS) of
the process. Figures go to docs/benchmarks.md ("List import").
Targets on the 2-core machine: 100 000 rows in ≤ 60 s, peak memory ≤ 500 MiB.
"""

import argparse
import cProfile
import csv
import io
import os
import pstats
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# A database of the run's own; BENCH_IMPORT_DB names another (two runs side by side).
DB_NAME = os.environ.get("BENCH_IMPORT_DB", "casework_imp_bench")

from bench.database import fresh_database, use_database  # noqa: E402
from bench.report import write_section  # noqa: E402

# Notifications are queued on this run's own Redis database, as in production, and not
# delivered inline: the delivery is the workers' work, not the import's.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
use_database(DB_NAME)
TARGET_SECONDS = 60
TARGET_MIB = 500
PROFILED_ROWS = 2_000  # a few chunks: the batch's cost per chunk shows beside its cost per row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--write-rows", type=int, default=2_000)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--no-pipeline", action="store_true",
                        help="write chunk after chunk on one connection (import_list(pipelined=False))")
    parser.add_argument("--no-external", action="store_true",
                        help="import only the city's own cases, not the --write-rows external-list records")
    args = parser.parse_args()
    fresh_database(DB_NAME)
    figures = run(args)
    report = render(args, figures)
    print(report)
    if not args.no_write:
        write_section(report, "list-import")


def seed() -> object:
    from casework.choices import DepartmentKind, LegalBasisKind, Role
    from casework.models import Department, LegalBasis, Measure, User

    owner = Department.objects.create(code="scjgj", name="市市场监管局", kind=DepartmentKind.DETERMINING)
    joint = Department.objects.create(code="zjj", name="市住房城乡建设局", kind=DepartmentKind.JOINT)
    basis = LegalBasis.objects.create(kind=LegalBasisKind.LAW, title="中华人民共和国食品安全法",
                                      article="第一百三十四条", allows_serious_list=True,
                                      allows_focus_list=True, active_from=date(2015, 10, 1))
    Measure.objects.create(code="limit-bidding", title="限制参与政府投资项目招标投标",
                           legal_basis=basis, department=joint)
    User.objects.create_user("bench_joint", role=Role.JOINT, department=joint)
    return User.objects.create_user("bench_officer", role=Role.OFFICER, department=owner)


# What an external list's row names (a court's 失信被执行人): its determining authority, whose
# own document number the record carries. Such a record is determined elsewhere (origin
# ``external``): the city dispatches its measures and answers the credit check for it.
EXTERNAL_AUTHORITY = "鞍山市中级人民法院"


def write_file(path: Path, rows: int, start: int = 0, *, external: bool = False) -> None:
    """``rows`` valid rows: the department's own earlier determinations (origin ``imported``,
    city cases), or with ``external`` records of an external list (origin ``external``)."""
    from casework.identifiers import org_code_check_char, uscc_check_char
    from lists.columns import COLUMN_NAMES

    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMN_NAMES)
        for serial in range(start, start + rows):
            body = f"{serial:08d}"
            first17 = f"91210300{body}{org_code_check_char(body)}"
            writer.writerow([first17 + uscc_check_char(first17), f"鞍山某公司{serial}", "enterprise",
                             "serious", "serious", "中华人民共和国食品安全法 第一百三十四条",
                             "拒不履行法院判决确定的义务", "2025-03-01",
                             f"（2025）辽03执{serial}号" if external else f"鞍市监罚〔2025〕{serial}号",
                             "scjgj", EXTERNAL_AUTHORITY if external else ""])


def run(args: argparse.Namespace) -> dict[str, object]:

    from lists.services import import_list

    figures_load: dict[str, object] = {"load_before": os.getloadavg(),
                                       "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    officer = seed()
    work = Path(tempfile.mkdtemp(prefix="import_bench_"))
    whole, part, profiled = work / "whole.csv", work / "part.csv", work / "profiled.csv"
    write_file(whole, args.rows)
    write_file(part, args.write_rows, start=10_000_000)
    figures: dict[str, object] = {"file_mib": whole.stat().st_size / 2**20, **figures_load}

    started = time.perf_counter()
    cpu_started = cpu_seconds()
    checked = import_list(whole, officer, dry_run=True)
    figures["check_seconds"] = time.perf_counter() - started
    figures["check_cpu_seconds"] = cpu_seconds() - cpu_started
    figures["check_phases"] = dict(checked.phases)
    figures["check_rejected"] = checked.rejected

    counter = QueryCounter()
    figures.update(timed_import(part, officer, args, counter))
    figures["queries_per_row"] = sum(counter.kinds.values()) / max(int(figures["written"]), 1)  # type: ignore[call-overload]
    figures["query_kinds"] = [(kind, count / max(int(figures["written"]), 1))  # type: ignore[call-overload]
                              for kind, count in counter.kinds.most_common(14)]
    if not args.no_external:
        external = work / "external.csv"
        write_file(external, args.write_rows, start=30_000_000, external=True)
        figures["external"] = timed_import(external, officer, args, QueryCounter())
    write_file(profiled, PROFILED_ROWS, start=20_000_000)
    profile = cProfile.Profile()
    # Chunk after chunk: cProfile sees one thread, and the writer's share is half the work.
    profile.runcall(import_list, profiled, officer, pipelined=False)
    figures["profile"] = profile_top(profile)
    figures["copy_seconds"] = copy_rows(whole)
    figures["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["load_after"] = os.getloadavg()
    return figures


def timed_import(path: Path, officer: Any, args: argparse.Namespace,
                 counter: "QueryCounter") -> dict[str, object]:
    """One import of ``path``, timed: wall, this process's CPU, its PostgreSQL backends' CPU
    (the reading connection's and the writer's), the pipeline's busy and waiting times."""
    from django.db import connection

    from lists.services import import_list

    figures: dict[str, object] = {}
    server = server_pid()
    server_started = server_cpu_seconds(server)
    cpu_started = cpu_seconds()
    started = time.perf_counter()
    writer: dict[str, float] = {}
    with connection.execute_wrapper(counter), counting_copies(counter), watching_writer(counter, writer):
        written = import_list(path, officer, pipelined=not args.no_pipeline)
    figures["import_seconds"] = time.perf_counter() - started
    figures["write_cpu_seconds"] = cpu_seconds() - cpu_started
    figures["main_server_cpu_seconds"] = server_cpu_seconds(server) - server_started
    figures["writer_server_cpu_seconds"] = writer.get("cpu", 0.0)
    figures["pipelined"] = "cpu" in writer
    figures["writer_busy_seconds"] = writer.get("busy", 0.0)
    figures["reader_waited_seconds"] = writer.get("waited", 0.0)
    figures["server_cpu_seconds"] = (float(figures["main_server_cpu_seconds"])  # type: ignore[arg-type]
                                     + float(figures["writer_server_cpu_seconds"]))  # type: ignore[arg-type]
    figures["write_phases"] = dict(written.phases)
    figures["written"] = written.imported
    return figures


def cpu_seconds() -> float:
    """This process's CPU time (user and system); PostgreSQL's own is another process's."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def server_cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) of this run's PostgreSQL backend, from /proc (the
    server runs on this machine); 0 where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def counting_copies(counter: "QueryCounter") -> Iterator[None]:
    """The batch door's COPY statements (sent on the psycopg cursor, past Django's wrappers)."""
    from casework.services.batch import bulk

    original = bulk.copy_rows

    def counted(model: Any, filled: Any, rows: Any) -> int:
        written = original(model, filled, rows)
        if written:
            counter.kinds[f"COPY {model._meta.db_table}"] += 1
        return written

    bulk.copy_rows = counted  # type: ignore[assignment]
    try:
        yield
    finally:
        bulk.copy_rows = original  # type: ignore[assignment]


@contextmanager
def watching_writer(counter: "QueryCounter", writer: dict[str, float]) -> Iterator[None]:
    """The pipelined import's writer thread (lists.services._write_chunk): its statements
    counted, and its PostgreSQL backend's CPU read after each chunk it commits (the backend
    ends with the import, its /proc entry with it)."""
    from django.db import connection

    from lists import services

    original = services._write_chunk
    original_take = services.ChunkWriter.take

    def watched(*args: Any) -> bool:
        started = time.perf_counter()
        with connection.execute_wrapper(counter):  # the writer thread's own connection
            written = original(*args)
        writer["busy"] = writer.get("busy", 0.0) + time.perf_counter() - started
        if "pid" not in writer:
            writer["pid"] = server_pid()
        writer["cpu"] = server_cpu_seconds(int(writer["pid"]))
        return written

    def take(self: Any) -> Any:  # the reading thread waiting for the chunk in flight
        started = time.perf_counter()
        try:
            return original_take(self)
        finally:
            writer["waited"] = writer.get("waited", 0.0) + time.perf_counter() - started

    services._write_chunk = watched  # type: ignore[assignment]
    services.ChunkWriter.take = take  # type: ignore[method-assign]
    try:
        yield
    finally:
        services._write_chunk = original  # type: ignore[assignment]
        services.ChunkWriter.take = original_take  # type: ignore[method-assign]


class QueryCounter:
    """An execute wrapper: every statement sent, by verb and first table."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        words = sql.replace('"', "").split()
        verb = words[0].upper() if words else "?"
        table = next((words[i + 1] for i, word in enumerate(words[:-1])
                      if word.upper() in ("FROM", "INTO", "UPDATE")), "")
        self.kinds[f"{verb} {table}".strip()] += 1
        return execute(sql, params, many, context)


def profile_top(profile: cProfile.Profile) -> str:
    stream = io.StringIO()
    stats = pstats.Stats(profile, stream=stream)
    stats.sort_stats("cumulative").print_stats(r"(casework|workflows|notifications|lists)/", 25)
    return "\n".join(line.replace(str(ROOT) + "/", "") for line in stream.getvalue().splitlines()
                     if ".py:" in line or "cumtime" in line)


def copy_rows(path: Path) -> float:
    """A plain COPY of the file's rows into a table of text columns: the floor for the write."""
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    with psycopg.connect(dbname=database["NAME"], host=database["HOST"], port=database["PORT"],
                         user=database["USER"], password=database["PASSWORD"]) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_copy (identifier text, name text, kind text, "
                     "list_type text, class text, basis text, facts text, decided_on date, "
                     "document text, department text, authority text)")
        conn.execute("TRUNCATE bench_copy")
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(
            "COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)"
        ) as copy, path.open("rb") as source:
            for chunk in iter(lambda: source.read(1 << 16), b""):
                copy.write(chunk)
        conn.commit()
        return time.perf_counter() - started


def render(args: argparse.Namespace, f: dict[str, object]) -> str:
    check_phases: dict[str, float] = f["check_phases"]  # type: ignore[assignment]
    write_phases: dict[str, float] = f["write_phases"]  # type: ignore[assignment]
    written = int(f["written"])  # type: ignore[call-overload]
    per_row_write = write_phases["write"] / max(written, 1)
    rows = args.rows
    measured = written >= rows  # the whole file written: its import timed, not projected
    import_seconds = float(f["import_seconds"])  # type: ignore[arg-type]
    whole = import_seconds if measured else float(f["check_seconds"]) + per_row_write * rows  # type: ignore[arg-type]
    how = "measured" if measured else f"projected from {written} rows written"
    copy_seconds = float(f["copy_seconds"])  # type: ignore[arg-type]
    kinds = "\n".join(f"| `{kind}` | {count:.3f} |" for kind, count in f["query_kinds"])  # type: ignore[attr-defined]
    verdict = "meets" if whole <= TARGET_SECONDS else "misses"
    check_seconds, peak_mib = float(f["check_seconds"]), float(f["peak_mib"])  # type: ignore[arg-type]
    queries_per_row = float(f["queries_per_row"])  # type: ignore[arg-type]
    write_cpu = float(f["write_cpu_seconds"])  # type: ignore[arg-type]
    check_cpu = float(f["check_cpu_seconds"])  # type: ignore[arg-type]
    server_cpu = float(f["server_cpu_seconds"])  # type: ignore[arg-type]
    main_server = float(f["main_server_cpu_seconds"])  # type: ignore[arg-type]
    writer_server = float(f["writer_server_cpu_seconds"])  # type: ignore[arg-type]
    busy, waited = float(f["writer_busy_seconds"]), float(f["reader_waited_seconds"])  # type: ignore[arg-type]
    overlap = (
        f"- Pipeline: the writer thread was busy {busy:.1f} s of the {import_seconds:.1f} s\n"
        f"  (writing and committing), the reading thread waited {waited:.1f} s for it (a chunk\n"
        f"  built before the one in flight was committed): "
        + ("the writer (its PostgreSQL backend and\n  its own Python) is the longer side.\n"
           if waited > 0.1 * import_seconds else "the reading thread is the longer side.\n")
        if f["pipelined"] else "")
    balance = ("Pipelined, the two overlap:\n  on two free cores the wall time tends to the larger "
               "of them; what is left above it is\n  waiting for a core of the shared machine."
               if f["pipelined"] else "Chunk after chunk, the two add up;\n  what is left of the "
               "wall time is waiting for a core of the shared machine.")
    external_line = _external(args, f.get("external"), float(f["check_seconds"]))  # type: ignore[arg-type]
    how_written = (
        "pipelined: each chunk written and committed by a second connection in a writer thread\n"
        "while the next chunk is read, checked and built on the first (`lists.services.ChunkWriter`)"
        if f["pipelined"] else "chunk after chunk on one connection")
    return f"""<!-- list-import:start -->
## List import

`.venv/bin/python bench/import_list.py --rows {rows} --write-rows {args.write_rows}` on
PostgreSQL (database `{DB_NAME}`), one department, one legal basis with one catalogue
measure, every row valid: the file's rows are the department's own earlier determinations
(city cases, origin `imported`); the same number of external-list records (a court's list,
origin `external`: determined elsewhere, their measures dispatched and the credit check
answered here) is imported after them and timed apart. Notifications queued on Redis for the workers (not delivered
inline). New rows go through the batch door (`casework.services.batch`: each chunk of
500 rows validated like the per-case services, then its cases, clocks, audit chains,
credit index rows and measure tasks written with one `COPY` per table, its staff notices
as one digest per department, `notifications/digests.py`);
{how_written}. The machine is shared: wall-clock figures include waiting for the
CPU; the process's CPU (both threads) and its PostgreSQL backends' CPU are given apart, as
they do not depend on the load. The file is {f["file_mib"]:.1f} MiB of CSV (UTF-8).
Run {f["started"]}; load average (1, 5, 15 min) at the start
{_load(f["load_before"])}, at the end {_load(f["load_after"])} (2 cores).

| phase | rows | seconds (wall) | rows/s |
|---|---|---|---|
| parse (scan + read every row) | {rows} | {check_phases["parse"]:.2f} | {rows / max(check_phases["parse"], 1e-9):,.0f} |
| validate (every rule, catalogue in memory) | {rows} | {check_phases["validate"]:.2f} | {rows / max(check_phases["validate"], 1e-9):,.0f} |
| write through the batch door (measured) | {written} | {write_phases["write"]:.2f} | {written / max(write_phases["write"], 1e-9):,.0f} |
| plain `COPY` of the same rows into a table | {rows} | {copy_seconds:.2f} | {rows / max(copy_seconds, 1e-9):,.0f} |

- Whole import of {rows} city cases ({how}): **{whole:.0f} s** wall (target ≤ {TARGET_SECONDS} s):
  it **{verdict}** the target. The import of the {written} rows written took
  {import_seconds:.1f} s wall, {write_cpu:.1f} s of this process's CPU (parse, validate and
  write) and {server_cpu:.1f} s of its PostgreSQL backends' CPU ({main_server:.1f} s the
  reading connection's, {writer_server:.1f} s the writer's: storing the rows, their indexes
  and, at each chunk's commit, the deferred foreign-key checks). {balance}
  Ratio to the plain `COPY`:
  **{whole / max(copy_seconds, 1e-9):,.0f} ×**.
{overlap}{external_line}- Reading and checking all {rows} rows (`import_list --dry-run`): {check_seconds:.1f} s wall
  ({check_cpu:.1f} s of this process's CPU).
- Peak memory of the process (RSS, whole run): **{peak_mib:.0f} MiB** (target ≤ {TARGET_MIB} MiB);
  the file is streamed, never loaded whole.
- Statements per imported row (the batch door sends a few per chunk of 500): **{queries_per_row:.3f}**. The most frequent:

| statement | per row |
|---|---|
{kinds}

Where the write time goes (cProfile over {PROFILED_ROWS} more rows imported chunk after chunk,
`pipelined=False`, so that one thread does all of it; cumulative, the project's functions):

```
{f["profile"]}
```
<!-- list-import:end -->
"""


def _external(args: argparse.Namespace, e: Any, check_seconds: float) -> str:
    """The external-list records' import, against the same target (projected to --rows as the
    city's is when fewer were written)."""
    if not e:
        return ""
    written = int(e["written"])
    seconds = float(e["import_seconds"])
    whole = seconds if written >= args.rows else check_seconds + e["write_phases"]["write"] / max(written, 1) * args.rows
    how = "measured" if written >= args.rows else f"projected from {written} rows written"
    verdict = "meets" if whole <= TARGET_SECONDS else "misses"
    return (f"- Whole import of {args.rows} external-list records ({how}): **{whole:.0f} s** wall "
            f"(target ≤ {TARGET_SECONDS} s):\n  it **{verdict}** the target. The {written} records took "
            f"{seconds:.1f} s wall, {float(e['write_cpu_seconds']):.1f} s of this process's CPU and\n  "
            f"{float(e['server_cpu_seconds']):.1f} s of its PostgreSQL backends' CPU "
            f"({float(e['writer_server_cpu_seconds']):.1f} s the writer's);\n  each writes a city case's rows "
            f"but its publication clocks and their timeline entries (it keeps only their dates).\n")


def _load(load: object) -> str:
    return ", ".join(f"{value:.1f}" for value in load)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
