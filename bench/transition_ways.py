"""The ways bench/transition.py compares with the engine: floor, floor-merged, peer and HTTP.

- the floor (``Floor``): the engine's row writes for one acceptance, by psycopg and nothing else,
  a statement per kind of write;
- floor-merged (``FloorMerged``): the same rows by psycopg in two statements, the locking read
  and one statement of data-modifying CTEs for every write;
- the peer (``peer_models``, ``peer_accept``): a plain django-fsm-2 model and one log row;
- HTTP (``readme_server``, ``tokens_for``): the README's production server command, with tokens.
"""

import io
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.database import BASE_URL

ROOT = Path(__file__).resolve().parents[1]


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


def accept_event(case: Any, objection_id: int, actor: tuple[int, int], now: datetime, seq: int,
                 prev_hash: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The audit event of an acceptance as the engine hashes it: the case's audited fields, the
    changes (a UTC time as DjangoJSONEncoder writes it) and the event's HMAC on the chain's tail."""
    from casework.models.audit import hashed_fields, mac

    actor_id, actor_department_id = actor
    case_state = {"state": case[1], "version": case[2], "number": case[3], "subject_id": case[4],
                  "owner_department_id": case[5], "list_type": case[6], "dishonesty_class": case[7]}
    changes = {"state": ["filed", "under_review"],
               "accepted_at": [None, now.isoformat(timespec="milliseconds").replace("+00:00", "Z")]}
    event = SimpleNamespace(chain=f"case:{case[0]}", seq=seq + 1, case_id=case[0], object_type="objection",
                            object_id=objection_id, action="accept", from_state="filed",
                            to_state="under_review", actor_id=actor_id,
                            actor_department_id=actor_department_id, at=now, changes=changes,
                            payload={}, case_state=case_state, prev_hash=prev_hash)
    return case_state, changes, mac(hashed_fields(event))


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
            now = datetime.now(UTC)  # as the engine's timezone.now(): the audit hash covers its text
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
            case_state, changes, event_hash = accept_event(case, objection_id, actor, now, seq, prev_hash)
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
                       "case_number": case[3], "subject": case[8], "at": now.astimezone().strftime("%Y-%m-%d %H:%M")}
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


class FloorMerged(Floor):
    """``Floor``'s rows in the fewest round trips: two statements.

    1. the case, its subject's name, its audit chain's head (locked with the case, ``FOR UPDATE
       OF c, h``, as the engine's ``lock_case`` does) and the subject's active accounts;
    2. one ``WITH`` of data-modifying CTEs: the objection updated, the open clock closed, the
       review clock opened, both timeline entries (keys from their CTEs), the audit event, the
       head moved, both messages (keys from the audit event's CTE) and every delivery (message
       keys from the messages' CTE).

    Fewer cannot be: the audit event's hash is an HMAC of the chain's tail, computed in Python
    from what statement 1 read. The engine merges the same ways, less far: its clocks' writes,
    and its step's, head's and event's, are one statement each, its messages and deliveries two
    more, after its reads (docs/benchmarks.md, "Statements of one objection accept").
    """

    READ = (
        "SELECT c.id, c.state, c.version, c.number, c.subject_id, c.owner_department_id, c.list_type, "
        "c.dishonesty_class, s.name, h.seq, h.hash, "
        "ARRAY(SELECT u.id FROM casework_user u WHERE u.subject_id = c.subject_id AND u.is_active "
        "ORDER BY u.id), "
        "ARRAY(SELECT u.email FROM casework_user u WHERE u.subject_id = c.subject_id AND u.is_active "
        "ORDER BY u.id) "
        "FROM casework_case c JOIN casework_subject s ON s.id = c.subject_id "
        "JOIN casework_audithead h ON h.chain = 'case:' || c.id "
        "WHERE c.id = (SELECT case_id FROM casework_objection WHERE id = %s) FOR UPDATE OF c, h")

    WRITE = (
        "WITH o AS (UPDATE casework_objection SET state = 'under_review', version = version + 1, "
        "accepted_at = %(now)s WHERE id = %(objection)s AND state = 'filed' RETURNING version), "
        "closed AS (UPDATE workflows_deadline SET state = 'met', closed_at = %(now)s, next_fire_at = NULL, "
        "next_rung = '' WHERE target_type_id = %(type_id)s AND target_id = %(objection)s "
        "AND closed_at IS NULL RETURNING id, due_on), "
        "opened AS (INSERT INTO workflows_deadline (case_id, target_type_id, target_id, step, policy_id, "
        "party, department_id, state, started_on, length, length_from_order, extension, "
        "paused_days, paused_since, pause_reason, due_on, due_at, warn_at, provisional, "
        "mirror_field, next_fire_at, next_rung, escalation_level, failures, opened_at, closed_at) "
        "VALUES (%(case)s, %(type_id)s, %(objection)s, %(step)s, %(policy_id)s, %(party)s, %(department)s, "
        "'running', %(started_on)s, %(length)s, false, 0, 0, NULL, '', %(due_on)s, %(due_at)s, "
        "%(warn_at)s, false, '', %(next_fire_at)s, %(next_rung)s, 0, 0, %(now)s, NULL) RETURNING id), "
        "timeline AS (INSERT INTO workflows_deadlineevent (deadline_id, kind, at, actor_id, old_due, new_due, "
        "detail) SELECT id, 'met', %(now)s, %(actor)s, NULL::date, due_on, %(met_detail)s FROM closed "
        "UNION ALL SELECT id, 'opened', %(now)s, %(actor)s, NULL::date, %(due_on)s, %(opened_detail)s "
        "FROM opened), "
        "event AS (INSERT INTO casework_auditevent (chain, seq, case_id, object_type, object_id, action, "
        "from_state, to_state, actor_id, actor_department_id, at, changes, payload, case_state, "
        "prev_hash, hash) VALUES (%(chain)s, %(seq)s, %(case)s, 'objection', %(objection)s, 'accept', "
        "'filed', 'under_review', %(actor)s, %(actor_department)s, %(now)s, %(changes)s, '{}', "
        "%(case_state)s, %(prev_hash)s, %(hash)s) RETURNING id), "
        "head AS (UPDATE casework_audithead SET seq = %(seq)s, hash = %(hash)s, seal = %(seal)s "
        "WHERE chain = %(chain)s RETURNING 1), "
        "messages AS (INSERT INTO notifications_message (key, event, template, audience, legal, case_id, "
        "department_id, context, created_at) SELECT 'audit:' || (SELECT id FROM event) || ':' || a, "
        "'objection.accept', t, a, l, %(case)s, d, %(context)s, %(now)s "
        "FROM unnest(%(audiences)s::varchar[], %(templates)s::varchar[], %(legal)s::bool[], "
        "%(departments)s::bigint[]) WITH ORDINALITY AS x(a, t, l, d, n) ORDER BY n RETURNING id, audience), "
        "deliveries AS (INSERT INTO notifications_delivery (message_id, channel, recipient_id, endpoint_id, "
        "key, status, attempts, next_attempt_at, last_error, title, body, sent_at, read_at, created_at) "
        "SELECT m.id, x.c, x.r, NULL, m.id::text || ':' || x.c || ':u' || x.r::text, 'pending', 0, "
        "%(now)s, '', '', '', NULL, NULL, %(now)s FROM unnest(%(to_audiences)s::varchar[], "
        "%(channels)s::varchar[], %(recipients)s::bigint[]) AS x(a, c, r) "
        "JOIN messages m ON m.audience = x.a RETURNING 1) "
        "SELECT (SELECT version FROM o), (SELECT count(*) FROM head), (SELECT count(*) FROM deliveries)")

    def accept(self, objection_id: int, actor: tuple[int, int]) -> None:
        from psycopg.types.json import Jsonb

        from casework.models.audit import mac

        t = self.template
        actor_id, actor_department_id = actor
        with self.connection.transaction():
            case = self.execute(self.READ, [objection_id]).fetchone()
            case_id, department_id, seq, prev_hash = case[0], case[5], case[9], case[10]
            subject_accounts = list(zip(case[11], case[12], strict=True))
            now = datetime.now(UTC)  # as the engine's timezone.now(): the audit hash covers its text
            chain = f"case:{case_id}"
            case_state, changes, event_hash = accept_event(case, objection_id, actor, now, seq, prev_hash)
            context = {**t["context"], "object_id": objection_id, "case_id": case_id, "case_number": case[3],
                       "subject": case[8], "at": now.astimezone().strftime("%Y-%m-%d %H:%M")}
            audiences = [("owner", "owner_step", False, department_id, self.staff(department_id)),
                         ("subject", "objection_result", True, None, subject_accounts)]
            deliveries = [(audience[0], channel, user_id) for audience in audiences
                          for user_id, email in audience[4]
                          for channel in (("inapp", "email") if email else ("inapp",))]
            written = self.execute(self.WRITE, {
                "now": now, "objection": objection_id, "case": case_id, "department": department_id,
                "actor": actor_id, "actor_department": actor_department_id, "type_id": t["type_id"],
                "step": t["step"], "policy_id": t["policy_id"], "party": t["party"],
                "started_on": t["started_on"], "length": t["length"], "due_on": t["due_on"],
                "due_at": t["due_at"], "warn_at": t["warn_at"], "next_fire_at": t["next_fire_at"],
                "next_rung": t["next_rung"], "met_detail": Jsonb({"transition": "accept"}),
                "opened_detail": Jsonb(t["opened_detail"]), "chain": chain, "seq": seq + 1,
                "changes": Jsonb(changes), "case_state": Jsonb(case_state), "prev_hash": prev_hash,
                "hash": event_hash, "seal": mac({"chain": chain, "seq": seq + 1, "hash": event_hash}),
                "context": Jsonb(context), "audiences": [a[0] for a in audiences],
                "templates": [a[1] for a in audiences], "legal": [a[2] for a in audiences],
                "departments": [a[3] for a in audiences],
                "to_audiences": [d[0] for d in deliveries], "channels": [d[1] for d in deliveries],
                "recipients": [d[2] for d in deliveries]}).fetchone()
            if written[0] is None or written[1] != 1 or written[2] != len(deliveries):
                raise RuntimeError(f"objection {objection_id} not accepted as the engine would: {written}")


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
