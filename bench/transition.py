"""Benchmark: one transition (an objection accepted, 异议受理) four ways, with 1 and 2 processes.

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
  transaction, with no ORM: the least any implementation has to do;
- ``peer``: a plain django-fsm-2 model (an ``FSMField``, a transition, ``save()``) and one log
  row, no engine: what a typical Django project pays;
- ``http``: ``POST /api/v1/objections/{id}/transitions/accept/`` under the README's production
  server command (uvicorn), one keep-alive client per process.

It prints throughput, the ratios to the floor and to the peer, p50/p99 latency, SQL statements
per transition (counted with a connection ``execute_wrapper``; BEGIN/COMMIT not counted) and the
1 → 2 process scaling, then a cProfile of the engine's transition, and writes them to
docs/benchmarks.md between the "transition" markers (``--no-write`` to skip).
"""

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.database import BASE_URL, use_database  # noqa: E402

DEFAULT_DATABASE = "casework_bench_transition"
VARIANTS = ("engine", "floor", "peer", "http")
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
            "transitions": transitions,
        }


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(percent / 100 * len(values) + 0.5) - 1))
    return values[index]


# --- the database ---------------------------------------------------------------------------------

def city_database(name: str, cases: int, fresh: bool, progress: Callable[[str], None]) -> None:
    """Reuse the city in ``name`` when it holds ≥ ``cases`` cases, else build it (bench/city.py)."""
    import psycopg

    count = -1
    if not fresh:
        try:
            with psycopg.connect(f"{BASE_URL}/{name}") as probe:
                count = probe.execute("SELECT count(*) FROM casework_case").fetchone()[0]
        except psycopg.Error:
            count = -1
    os.environ.setdefault("LOG_LEVEL", "ERROR")  # kombu warns that the memory broker has no host
    use_database(name)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"  # the outbox is written, delivery is a worker's job
    if count >= cases:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        progress(f"reusing the city in {name}: {count:,} cases")
        return
    from bench.city import build_city

    progress(f"building a city of {cases:,} cases in {name} (bench/city.py, COPY)…")
    build_city(f"{BASE_URL}/{name}", cases=cases, progress=progress)


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


# --- the peer: a plain django-fsm-2 model and a log row ------------------------------------------------

def peer_models() -> tuple[Any, Any]:
    from django.db import models
    from django.utils import timezone
    from django_fsm import FSMField, transition

    if hasattr(peer_models, "cache"):
        return peer_models.cache  # type: ignore[attr-defined,no-any-return]

    class PeerObjection(models.Model):
        state = FSMField(default="filed", protected=True)
        version = models.PositiveIntegerField(default=1)
        accepted_at = models.DateTimeField(null=True)

        class Meta:
            app_label = "bench_peer"
            db_table = "bench_peer_objection"

        @transition(field=state, source="filed", target="under_review")
        def accept(self) -> None:
            self.accepted_at = timezone.now()

    class PeerLog(models.Model):
        objection = models.ForeignKey(PeerObjection, models.CASCADE)
        transition = models.CharField(max_length=40)
        actor_id = models.BigIntegerField()
        at = models.DateTimeField()

        class Meta:
            app_label = "bench_peer"
            db_table = "bench_peer_log"

    peer_models.cache = (PeerObjection, PeerLog)  # type: ignore[attr-defined]
    return PeerObjection, PeerLog


def peer_rows(count: int) -> list[int]:
    from django.db import connection

    objection_model, log_model = peer_models()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_peer_objection') IS NOT NULL")
        if not cursor.fetchone()[0]:
            with connection.schema_editor() as editor:
                editor.create_model(objection_model)
                editor.create_model(log_model)
        cursor.execute("INSERT INTO bench_peer_objection (state, version) SELECT 'filed', 1 "
                       "FROM generate_series(1, %s) RETURNING id", [count])
        return [row[0] for row in cursor.fetchall()]


def peer_accept(pk: int, actor_id: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    objection_model, log_model = peer_models()
    with transaction.atomic():
        objection = objection_model.objects.select_for_update().get(pk=pk)
        objection.accept()
        objection.version += 1
        objection.save()
        log_model.objects.create(objection=objection, transition="accept", actor_id=actor_id,
                                 at=timezone.now())


# --- the floor: the engine's row writes with psycopg -------------------------------------------------------

class Floor:
    """The rows ``advance(objection, "accept")`` writes, written with psycopg and nothing else.

    What is the same for every acceptance of the day (the review clock's policy, dates and
    deadline-event detail, the message context's shape) is read once per process, as any
    hand-written implementation would; recipients are read once per department.
    """

    def __init__(self, dsn: str, template: dict[str, Any]) -> None:
        import psycopg

        self.connection = psycopg.connect(dsn)
        self.template = template
        self.statements = 0
        self.recipients: dict[int, list[tuple[int, str]]] = {}

    def execute(self, sql: str, params: Any = None) -> Any:
        self.statements += 1
        return self.connection.execute(sql, params)

    def staff(self, department_id: int) -> list[tuple[int, str]]:
        if department_id not in self.recipients:
            self.recipients[department_id] = self.connection.execute(
                "SELECT id, email FROM casework_user WHERE department_id = %s AND is_active "
                "AND role <> 'subject' ORDER BY id", [department_id]).fetchall()
        return self.recipients[department_id]

    def accept(self, objection_id: int, actor: tuple[int, int]) -> None:
        from psycopg.types.json import Jsonb

        from casework.models.audit import mac

        t = self.template
        actor_id, actor_department_id = actor
        with self.connection.transaction():
            case = self.execute(
                "SELECT c.id, c.state, c.version, c.number, c.subject_id, c.owner_department_id, "
                "c.list_type, c.dishonesty_class, s.name FROM casework_case c "
                "JOIN casework_subject s ON s.id = c.subject_id "
                "WHERE c.id = (SELECT case_id FROM casework_objection WHERE id = %s) FOR UPDATE OF c",
                [objection_id]).fetchone()
            case_id, department_id = case[0], case[5]
            now = datetime.now().astimezone()
            version = self.execute(
                "UPDATE casework_objection SET state = 'under_review', version = version + 1, "
                "accepted_at = %s WHERE id = %s AND state = 'filed' RETURNING version",
                [now, objection_id]).fetchone()
            assert version is not None, objection_id
            closed = self.execute(
                "UPDATE workflows_deadline SET state = 'met', closed_at = %s, next_fire_at = NULL, "
                "next_rung = '' WHERE target_type_id = %s AND target_id = %s AND closed_at IS NULL "
                "RETURNING id, due_on", [now, t["type_id"], objection_id]).fetchall()
            opened = self.execute(
                "INSERT INTO workflows_deadline (case_id, target_type_id, target_id, step, policy_id, "
                "party, department_id, state, started_on, length, length_from_order, extension, "
                "paused_days, paused_since, pause_reason, due_on, due_at, warn_at, provisional, "
                "mirror_field, next_fire_at, next_rung, escalation_level, failures, opened_at, closed_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, 'running', %s, %s, false, 0, 0, NULL, '', %s, %s, "
                "%s, false, '', %s, %s, 0, 0, %s, NULL) RETURNING id",
                [case_id, t["type_id"], objection_id, t["step"], t["policy_id"], t["party"], department_id,
                 t["started_on"], t["length"], t["due_on"], t["due_at"], t["warn_at"], t["next_fire_at"],
                 t["next_rung"], now]).fetchone()[0]
            events = [(deadline_id, "met", now, actor_id, None, due_on, Jsonb({"transition": "accept"}))
                      for deadline_id, due_on in closed]
            events.append((opened, "opened", now, actor_id, None, t["due_on"], Jsonb(t["opened_detail"])))
            self.execute(
                "INSERT INTO workflows_deadlineevent (deadline_id, kind, at, actor_id, old_due, new_due, "
                "detail) SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], "
                "%s::bigint[], %s::date[], %s::date[], %s::jsonb[])",
                [list(column) for column in zip(*events, strict=True)])
            chain = f"case:{case_id}"
            seq, prev_hash = self.execute("SELECT seq, hash FROM casework_audithead WHERE chain = %s",
                                          [chain]).fetchone()
            case_state = {"state": case[1], "version": case[2], "number": case[3], "subject_id": case[4],
                          "owner_department_id": department_id, "list_type": case[6],
                          "dishonesty_class": case[7]}
            changes = {"state": ["filed", "under_review"],
                       "accepted_at": [None, now.isoformat(timespec="milliseconds")]}
            event = SimpleNamespace(chain=chain, seq=seq + 1, case_id=case_id, object_type="objection",
                                    object_id=objection_id, action="accept", from_state="filed",
                                    to_state="under_review", actor_id=actor_id,
                                    actor_department_id=actor_department_id, at=now, changes=changes,
                                    payload={}, case_state=case_state, prev_hash=prev_hash)
            from casework.models.audit import hashed_fields

            event_hash = mac(hashed_fields(event))
            audit_id = self.execute(
                "INSERT INTO casework_auditevent (chain, seq, case_id, object_type, object_id, action, "
                "from_state, to_state, actor_id, actor_department_id, at, changes, payload, case_state, "
                "prev_hash, hash) VALUES (%s, %s, %s, 'objection', %s, 'accept', 'filed', 'under_review', "
                "%s, %s, %s, %s, '{}', %s, %s, %s) RETURNING id",
                [chain, seq + 1, case_id, objection_id, actor_id, actor_department_id, now, Jsonb(changes),
                 Jsonb(case_state), prev_hash, event_hash]).fetchone()[0]
            self.execute("UPDATE casework_audithead SET seq = %s, hash = %s, seal = %s WHERE chain = %s",
                         [seq + 1, event_hash, mac({"chain": chain, "seq": seq + 1, "hash": event_hash}),
                          chain])
            context = {**t["context"], "object_id": objection_id, "case_id": case_id,
                       "case_number": case[3], "subject": case[8], "at": now.strftime("%Y-%m-%d %H:%M")}
            subject_accounts = self.execute(
                "SELECT id, email FROM casework_user WHERE subject_id = %s AND is_active ORDER BY id",
                [case[4]]).fetchall()
            audiences = [("owner", "owner_step", False, department_id, self.staff(department_id)),
                         ("subject", "objection_result", True, None, subject_accounts)]
            messages = self.execute(
                "INSERT INTO notifications_message (key, event, template, audience, legal, case_id, "
                "department_id, context, created_at) SELECT * FROM unnest(%s::varchar[], %s::varchar[], "
                "%s::varchar[], %s::varchar[], %s::bool[], %s::bigint[], %s::bigint[], %s::jsonb[], "
                "%s::timestamptz[]) RETURNING id",
                [[f"audit:{audit_id}:{a[0]}" for a in audiences], ["objection.accept"] * 2,
                 [a[1] for a in audiences], [a[0] for a in audiences], [a[2] for a in audiences],
                 [case_id] * 2, [a[3] for a in audiences], [Jsonb(context)] * 2, [now] * 2]).fetchall()
            deliveries = [(message_id, channel, user_id, f"{message_id}:{channel}:u{user_id}")
                          for (message_id,), audience in zip(messages, audiences, strict=True)
                          for user_id, email in audience[4]
                          for channel in (("inapp", "email") if email else ("inapp",))]
            self.execute(
                "INSERT INTO notifications_delivery (message_id, channel, recipient_id, endpoint_id, key, "
                "status, attempts, next_attempt_at, last_error, title, body, sent_at, read_at, created_at) "
                "SELECT m, c, r, NULL, k, 'pending', 0, %s, '', '', '', NULL, NULL, %s "
                "FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[], %s::varchar[]) AS d(m, c, r, k)",
                [now, now, *[list(column) for column in zip(*deliveries, strict=True)]])


def floor_template(objection_id: int) -> dict[str, Any]:
    """What the engine wrote for one acceptance that is the same for every acceptance today."""
    from django.contrib.contenttypes.models import ContentType

    from casework.models import Objection
    from notifications.models import Message
    from workflows.models import Deadline

    opened = Deadline.objects.filter(target_id=objection_id, step="objection_decide",
                                     target_type=ContentType.objects.get_for_model(Objection)).get()
    event = opened.events.get(kind="opened")  # type: ignore[attr-defined]
    context = Message.objects.filter(case_id=opened.case_id, event="objection.accept").first().context
    return {
        "type_id": opened.target_type_id, "step": opened.step, "policy_id": opened.policy_id,
        "party": opened.party, "started_on": opened.started_on, "length": opened.length,
        "due_on": opened.due_on, "due_at": opened.due_at, "warn_at": opened.warn_at,
        "next_fire_at": opened.next_fire_at, "next_rung": opened.next_rung,
        "opened_detail": event.detail, "context": context,
    }


# --- HTTP under the README's server command ---------------------------------------------------------------

@contextmanager
def readme_server(database: str) -> Iterator[tuple[str, str]]:
    import httpx

    from tests.pg.servers import free_port, readme_server_command

    port = free_port()
    environment = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
                   "DATABASE_URL": f"{BASE_URL}/{database}", "UVICORN_PORT": str(port),
                   "UVICORN_HOST": "127.0.0.1", "CELERY_TASK_ALWAYS_EAGER": "0"}
    environment.pop("REDIS_URL", None)
    if len(environment.get("SECRET_KEY", "")) < 50:  # DEBUG is off: the server refuses a missing key
        environment["SECRET_KEY"] = secrets.token_urlsafe(50)
    log = ROOT / "var" / "bench-transition-uvicorn.log"
    log.parent.mkdir(exist_ok=True)
    command = readme_server_command()
    process = subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=environment, start_new_session=True,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/api/v1/public/listings/", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base, command
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def tokens_for(officer_ids: set[int]) -> dict[int, str]:
    from django.core.management import call_command

    from casework.models import User

    tokens = {}
    for officer in User.objects.filter(pk__in=officer_ids):
        out = io.StringIO()
        call_command("issue_token", officer.username, "--name", "bench/transition.py", stdout=out)
        tokens[officer.pk] = out.getvalue().strip().splitlines()[-1].strip()
    return tokens


# --- one slot: N processes, each its own connection ------------------------------------------------------

def _client(variant: str, jobs: list[tuple[int, int, int]], context: dict[str, Any], barrier: Any,
            results: Any) -> None:
    """Child process: WARM untimed transitions, wait for the others, then the timed ones."""
    from django.db import connection

    connection.close()
    run = _runner(variant, context)
    for job in jobs[:WARM]:
        run(job)
    counter = _statement_counter(variant, context)
    barrier.wait()
    started = time.perf_counter()
    latencies = []
    with counter:
        for job in jobs[WARM:]:
            begun = time.perf_counter()
            run(job)
            latencies.append(time.perf_counter() - begun)
    results.put((started, time.perf_counter(), latencies, counter.count))


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
    if variant == "floor":
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
    if variant == "floor":
        floor = Floor(f"{BASE_URL}/{context['database']}", context["template"])
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
                                                  barrier, results)) for i in range(processes)]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=600) for _ in children]
    for child in children:
        child.join(60)
        if child.exitcode != 0:
            raise SystemExit(f"a {variant} client failed (exit {child.exitcode})")
    started, ended = min(o[0] for o in outcomes), max(o[1] for o in outcomes)
    latencies = [x for o in outcomes for x in o[2]]
    return Slot(variant, processes, len(latencies), ended - started, latencies, sum(o[3] for o in outcomes))


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
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)

    begun = time.perf_counter()
    city_database(args.database, args.cases, args.fresh, progress)
    from django.db import connection

    from casework.models import User

    per_slot = {p: p * (WARM + args.transitions) for p in (1, 2)}
    pooled = ("engine", "floor", "http")
    needed = args.rounds * sum(per_slot.values()) * len(pooled) + 2 + 60
    filed = file_objections(needed, progress)
    jobs = filed
    officer_ids = {job[1] for job in jobs}
    actors = {u.pk: (u.pk, u.department_id) for u in User.objects.filter(pk__in=officer_ids)}
    tokens = tokens_for(officer_ids)

    # One acceptance through the engine for the floor's template, one through the API's view
    # in-process for the HTTP path's statement count, sixty profiled.
    from casework import services
    from casework.models import Objection

    (first, first_officer, _v1), (second, second_officer, _v2) = jobs[0], jobs[1]
    engine_rows = rows_written(lambda: services.advance(
        Objection.objects.get(pk=first), "accept", User.objects.get(pk=first_officer)))
    template = floor_template(first)
    floor = Floor(f"{BASE_URL}/{args.database}", template)
    floor_rows = rows_written(lambda: floor.accept(second, actors[second_officer]))
    floor.connection.close()
    progress(f"rows per transition — engine {engine_rows}, floor {floor_rows}")
    http_count = http_statements(jobs[2][0], jobs[2][2], tokens[jobs[2][1]])
    profile = engine_profile(jobs[3:60])
    pools = {variant: iter(range(60 + i * (len(jobs) - 60) // 3, 60 + (i + 1) * (len(jobs) - 60) // 3))
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
                    progress(f"round {round_number}/{args.rounds}, {processes} process(es), {variant:6}: "
                             f"{slot.transitions / slot.seconds:7.1f}/s, p50 "
                             f"{statistics.median(slot.latencies) * 1000:6.2f} ms")
    connection.close()
    load = os.getloadavg()
    report = render(figures, args, http_count, profile, engine_rows, floor_rows, server_command,
                    time.perf_counter() - begun, load)
    print(report)
    if not args.no_write:
        from bench.report import write_section

        write_section(report, "transition")
        progress("figures written to docs/benchmarks.md")


def render(figures: Figures, args: Any, http_count: int, profile: str, engine_rows: dict[str, int],
           floor_rows: dict[str, int], server_command: str, seconds: float, load: tuple[float, ...]) -> str:
    table = ["| way | processes | transitions/s | ÷ floor | ÷ peer | p50 ms | p99 ms | statements | 2 ÷ 1 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
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
                         f"{f['p50']:.2f} | {f['p99']:.2f} | {statements} | {scaling} |")
    for processes in (1, 2):
        ratio = figures.of("engine", processes)["throughput"] / floor[processes]
        verdicts.append(f"engine ÷ floor at {processes} process(es): {ratio:.2f} "
                        f"({'met' if ratio >= GOAL_FLOOR_RATIO else 'missed'}, goal ≥ {GOAL_FLOOR_RATIO})")
    scaling = figures.of("engine", 2)["throughput"] / figures.of("engine", 1)["throughput"]
    verdicts.append(f"engine scaling 1 → 2 processes: {scaling:.2f}× "
                    f"({'met' if scaling >= GOAL_SCALING else 'missed'}, goal ≥ {GOAL_SCALING}×)")
    rows = ", ".join(f"{table_name} +{count}" for table_name, count in engine_rows.items())
    same = "the same" if engine_rows == floor_rows else f"NOT the same (floor: {floor_rows})"
    return f"""<!-- transition:start -->
## Transition (an objection accepted) — engine, raw-SQL floor, django-fsm-2 peer, HTTP

`make bench-transition` (= `.venv/bin/python bench/transition.py --cases {args.cases} --transitions \
{args.transitions} --rounds {args.rounds}`), database `{args.database}`: the city of `bench/city.py`
(≥ {args.cases:,} cases), {args.rounds} rounds alternating, {args.transitions} timed transitions
per client process per slot after {WARM} untimed ones; each process has its own connection.
Whole run: {seconds:.0f} s; load average at the end {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}
(2 cores, shared with other work).

- engine: `services.advance(objection, "accept", officer)` (with the `Objection.objects.get` a caller does)
- floor: the same row writes with psycopg, one transaction (`bench/transition.py`, `Floor.accept`)
- peer: a plain django-fsm-2 model (`FSMField`, `@transition`, `save()`) and one log row
- http: `POST /api/v1/objections/{{id}}/transitions/accept/` under `{server_command}`, one keep-alive
  client per process; its statements counted once in-process through the same view (token lookup included)

Rows written by one acceptance: {rows}, plus the objection, the closed clock and the audit head updated (the
credit index is not: both sides of 受理 are open objections); the floor's are {same}.

{chr(10).join(table)}

{chr(10).join("- " + v for v in verdicts)}

Where the engine's time goes (cProfile of `advance` in one process, the project's functions by cumulative time):

```
{profile}
```
<!-- transition:end -->
"""


if __name__ == "__main__":
    main()
