"""`make scale-test`: two ASGI servers, two Celery workers and one beat on a primary with a streaming
replica; a lifecycle driven through both servers at once; the checks of docs/operations.md.

Checks (exit status 1 when one fails): every transition committed exactly once although each
was sent to both servers at the same moment (one 200, one 409); the public list and the credit
check, served from the replica, show each determination within the replica lag (and not while
replay is paused); the sweep run by both workers fires each due rung exactly once; every
notification is delivered once; the audit chains verify.
"""

import argparse
import base64
import os
import secrets
import shutil
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.scale.cluster import Cluster, Process, beat, make_workspace, server, wait_until, worker  # noqa: E402

PASSWORD = "scale-test-password-2026"
failures: list[str] = []


def check(condition: bool, what: str) -> None:
    print(f"  {'ok  ' if condition else 'FAIL'} {what}")
    if not condition:
        failures.append(what)


def app_env(primary: Cluster, replica: Cluster, redis_url: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": primary.url(),
            "DATABASE_REPLICA_URL": replica.url(), "REDIS_URL": redis_url, "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING",
            "AUDIT_HMAC_KEY": os.environ.get("AUDIT_HMAC_KEY") or secrets.token_hex(32),
            "IDENTIFIER_KEY": os.environ.get("IDENTIFIER_KEY")
            or base64.b64encode(secrets.token_bytes(64)).decode(),
            "CELERY_TASK_ALWAYS_EAGER": "0", "SLA_SWEEP_INTERVAL_SECONDS": "1",
            "NOTIFICATIONS_PENDING_INTERVAL_SECONDS": "5", "PUBLIC_API_RATE": "100000/minute",
            "CREDIT_CHECK_RATE": "off", "CREDIT_CHECK_SYSTEM_RATE": "off", "DB_CONN_MAX_AGE": "60"}


def make_people() -> dict[str, str]:
    """The cast of the run; returns each role's API token."""
    from django.contrib.auth.models import Group

    from casework.choices import DepartmentKind, LegalBasisKind, Role, SubjectKind
    from casework.models import Department, LegalBasis, Measure, Subject, User
    from casework.services.accounts import issue_token

    owner = Department.objects.create(code="scjgj", name="市市场监管局", kind=DepartmentKind.DETERMINING)
    joint = Department.objects.create(code="zjj", name="市住房城乡建设局", kind=DepartmentKind.JOINT)
    basis = LegalBasis.objects.create(kind=LegalBasisKind.LAW, title="中华人民共和国食品安全法",
                                      article="第一百三十四条", allows_serious_list=True,
                                      allows_focus_list=True, active_from="2015-10-01")
    Measure.objects.create(code="limit-bidding", title="限制参与政府投资项目招标投标", legal_basis=basis,
                           department=joint)
    people = {
        "officer": User.objects.create_user("officer", password=PASSWORD, role=Role.OFFICER,
                                            department=owner),
        "reviewer": User.objects.create_user("reviewer", password=PASSWORD, role=Role.REVIEWER,
                                             department=owner),
        "checker": User.objects.create_user("checker", password=PASSWORD, role=Role.SYSTEM, department=joint),
    }
    people["checker"].groups.add(Group.objects.create(name="scope:credit_check"))
    tokens = {role: issue_token(None, user, name="scale test").key for role, user in people.items()}
    tokens["basis"] = str(basis.pk)
    for index in range(SUBJECTS):
        subject = Subject.objects.create(kind=SubjectKind.ENTERPRISE, name=f"鞍山某建材有限公司{index}",
                                         identifier=enterprise_code(index))
        user = User.objects.create_user(f"subject{index}", password=PASSWORD, role=Role.SUBJECT,
                                        subject=subject)
        tokens[f"subject{index}"] = issue_token(None, user, name="scale test").key
        tokens[f"subject{index}.id"] = str(subject.pk)
    return tokens


SUBJECTS = 0  # set from the arguments


def enterprise_code(index: int) -> str:
    from casework.identifiers import org_code_check_char, uscc_check_char

    body = f"{70000000 + index:08d}"
    first17 = "91210300" + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


class Driver:
    """The lifecycle through both servers; each transition is sent to both at the same moment."""

    def __init__(self, ports: list[int], tokens: dict[str, str]) -> None:
        self.clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for port in ports]
        self.tokens = tokens
        self.outcomes: Counter[int] = Counter()

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Token {self.tokens[role]}"}

    def create(self, index: int) -> dict[str, Any]:
        response = self.clients[index % 2].post("/api/v1/cases/", headers=self.headers("officer"), json={
            "subject": int(self.tokens[f"subject{index}.id"]), "list_type": "serious",
            "dishonesty_class": "serious", "legal_bases": [int(self.tokens["basis"])],
            "facts": "拒不履行法院判决确定的义务"})
        assert response.status_code == 201, response.text
        self.outcomes[201] += 1
        return response.json()

    def race(self, case_id: int, name: str, role: str, **data: Any) -> float:
        """Both servers get the same transition at once; returns the commit's time."""
        path = f"/api/v1/cases/{case_id}/"
        version = self.clients[0].get(path, headers=self.headers(role)).json()["version"]
        statuses: list[int] = []
        committed: list[float] = []
        barrier = threading.Barrier(2)

        def send(client: httpx.Client) -> None:
            barrier.wait()
            response = client.post(f"{path}transitions/{name}/", headers=self.headers(role),
                                   json={"expected_version": version, **data})
            statuses.append(response.status_code)
            if response.status_code == 200:
                committed.append(time.monotonic())

        threads = [threading.Thread(target=send, args=(client,)) for client in self.clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.outcomes.update(statuses)
        if sorted(statuses) != [200, 409]:
            failures.append(f"{name} on case {case_id}: {statuses}, expected one 200 and one 409")
        return committed[0] if committed else time.monotonic()

    def listed_publicly(self, client: httpx.Client, number: str) -> bool:
        response = client.get("/api/v1/public/listings/", params={"page_size": 200})
        return number in response.text

    def credit_listed(self, client: httpx.Client, index: int) -> bool:
        response = client.get(f"/api/v1/credit-check/{enterprise_code(index)}/",
                              headers=self.headers("checker"))
        return bool(response.json().get("listed"))


def drive(driver: Driver, cases: int, replica: Cluster) -> tuple[list[dict[str, Any]], list[float]]:
    made, lags = [], []
    for index in range(cases):
        case = driver.create(index)
        made.append(case)
        driver.race(case["id"], "notify", "officer")
        driver.race(case["id"], "waive_statement", f"subject{index}")
        reader = driver.clients[(index + 1) % 2]
        paused = index == cases - 1
        if paused:  # the last one proves the public pages really read from the replica
            replica.psql("SELECT pg_wal_replay_pause()")
        committed = driver.race(case["id"], "determine", "reviewer")
        if paused:
            time.sleep(0.5)
            check(not driver.listed_publicly(reader, case["number"]),
                  "while replay is paused, the public list (replica) does not show the new listing yet")
            replica.psql("SELECT pg_wal_replay_resume()")
        number = case["number"]
        wait_until(lambda: driver.listed_publicly(reader, number), 30,  # noqa: B023 (called at once)
                   f"case {number} never appeared on the public list")
        lags.append((time.monotonic() - committed) * 1000)
        wait_until(lambda: driver.credit_listed(reader, index), 30,  # noqa: B023 (called at once)
                   "the credit check (replica) never saw the listing")
    return made, lags


def warp_and_sweep(processes: list[Process]) -> tuple[int, dict[str, int]]:
    """Make every clock's next rung due now; both workers (and beat) sweep; each fires once."""
    from django.utils import timezone

    from workflows.choices import DeadlineState
    from workflows.models import Deadline, DeadlineEvent, Escalation
    from workflows.tasks import sla_sweep

    due = Deadline.objects.filter(state__in=DeadlineState.open_states(), next_rung="warning",
                                  next_fire_at__isnull=False, policy__on_due="escalate")
    ids = list(due.values_list("pk", flat=True))
    now = timezone.now()
    Deadline.objects.filter(pk__in=ids).update(next_fire_at=now - timezone.timedelta(minutes=1))
    for _ in range(6):
        sla_sweep.delay()  # at once, on both workers, besides beat's
    wait_until(lambda: not Deadline.objects.filter(pk__in=ids, next_fire_at__lte=now).exists(), 60,
               "the due rungs were not swept")
    time.sleep(3)  # more sweeps from beat: a second firing would show now
    fired = Escalation.objects.filter(deadline_id__in=ids, rung="warning").count()
    events = DeadlineEvent.objects.filter(deadline_id__in=ids, kind="warned").count()
    check(len(ids) > 0, f"{len(ids)} clocks made due")
    check(fired == len(ids) and events == len(ids),
          f"each due rung fired exactly once: {fired} escalations, {events} timeline events for {len(ids)}")
    sweeps = {process.name: sum("sla_sweep[" in line and "succeeded" in line
                                for line in process.text().splitlines()) for process in processes}
    return len(ids), sweeps


def verify(made: list[dict[str, Any]]) -> None:
    from io import StringIO

    from django.core.management import call_command

    from casework.models import AuditEvent
    from notifications.models import Delivery

    expected = Counter({"created": 1, "notify": 1, "waive_statement": 1, "determine": 1})
    doubled_or_lost = [case["number"] for case in made if Counter(
        AuditEvent.objects.filter(case_id=case["id"], object_type="case").values_list("action", flat=True)
    ) != expected]
    check(doubled_or_lost == [], f"no lost or doubled transition on {len(made)} cases")
    wait_until(lambda: not Delivery.objects.filter(status="pending").exists(), 60, "deliveries left pending")
    statuses = Counter(Delivery.objects.values_list("status", flat=True))
    attempts = set(Delivery.objects.values_list("attempts", flat=True))
    check(statuses.get("failed", 0) == 0 and attempts == {1},
          f"every notification delivered once: {dict(statuses)}, attempts {sorted(attempts)}")
    out = StringIO()
    call_command("verify_audit", stdout=out)
    check(out.getvalue().strip().endswith(" 0 broken"), f"verify_audit: {out.getvalue().strip()}")


def main() -> int:
    global SUBJECTS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=12)
    parser.add_argument("--ports", default="8131,8132")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    SUBJECTS = args.cases
    ports = [int(port) for port in args.ports.split(",")]
    started = time.monotonic()
    workspace = make_workspace()
    primary, replica = Cluster(workspace, 5433), Cluster(workspace, 5434)
    processes: list[Process] = []
    try:
        primary.init_primary()
        primary.start()
        primary.psql("CREATE DATABASE casework", database="postgres")
        env = app_env(primary, replica, args.redis_url)
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        replica.clone_from(primary)
        replica.start()
        tokens = make_people()
        print(f"primary :5433 and streaming replica :5434 up, migrated ({time.monotonic() - started:.1f} s)")
        processes = [server("server-a", ports[0], env, workspace),
                     server("server-b", ports[1], env, workspace),
                     worker("worker-a", env, workspace), worker("worker-b", env, workspace),
                     beat(env, workspace)]
        for port in ports:
            wait_until(lambda port=port: ready(port), 60, f"server on {port} never became ready")
        for process in processes[2:4]:
            wait_until(lambda process=process: " ready." in process.text(), 60, f"{process.name} not ready")
        print(f"2 servers, 2 workers, 1 beat up ({time.monotonic() - started:.1f} s)")
        return run_checks(Driver(ports, tokens), args.cases, replica, processes, started)
    finally:
        for process in processes:
            process.stop()
        replica.stop()
        primary.stop()
        shutil.rmtree(workspace, ignore_errors=True)


def ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def run_checks(driver: Driver, cases: int, replica: Cluster, processes: list[Process], started: float) -> int:
    print("checks:")
    drive_started = time.monotonic()
    made, lags = drive(driver, cases, replica)
    drive_seconds = time.monotonic() - drive_started
    due, sweeps = warp_and_sweep(processes[2:4])
    check(all(count > 0 for count in sweeps.values()), f"both workers swept: {sweeps}")
    verify(made)
    replayed = replica.psql("SELECT pg_last_wal_replay_lsn()")
    print("figures:")
    print(f"  cases {cases}; transitions committed {driver.outcomes[200] + driver.outcomes[201]} "
          f"(201: {driver.outcomes[201]}, 200: {driver.outcomes[200]}), refused as stale (409): "
          f"{driver.outcomes[409]}; lifecycle {drive_seconds:.1f} s")
    print(f"  replica lag seen by the public list (determine committed → listed on the other server): "
          f"median {statistics.median(lags[:-1]):.0f} ms, max {max(lags[:-1]):.0f} ms "
          f"(replica replayed to {replayed})")
    print(f"  escalations: {due} due rungs fired once each; sweep tasks run per worker {sweeps}")
    print(f"  total {time.monotonic() - started:.1f} s; {len(failures)} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
