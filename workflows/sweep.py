"""The SLA sweep: fire due rungs exactly once, however many workers sweep at once.

Claim: ``SELECT … WHERE next_fire_at <= now ORDER BY next_fire_at LIMIT n
FOR UPDATE SKIP LOCKED`` on the partial index ``deadline_due_fire``. A batch is
computed in Python and written with three bulk statements, so its cost follows
the number of due rows. Rungs that move a case (exit as expired, rectification
overdue) run afterwards, one transaction each, locking the case before the
deadline — the same order as the transition service, so the two never deadlock.
A row that raises is pushed forward and logged; it does not stop the rest.
Before the first batch, the rule-set boundaries reached are applied once each
(workflows/boundaries.py); the exit as expired waits for its rule's exit condition
(casework/services/expiry.py).
"""

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from casework import caches, hooks
from workflows.boundaries import apply_reached_boundaries
from workflows.choices import DeadlineState, OnDue, Rung, TimelineKind
from workflows.models import Deadline, DeadlineEvent, Escalation
from workflows.services import RUNG_LEVEL, Context, attach_policies, close, schedule

logger = logging.getLogger(__name__)



@dataclass
class SweepResult:
    claimed: int = 0
    fired: Counter[str] = field(default_factory=Counter)
    actions: int = 0
    failed: int = 0
    moved: int = 0  # clocks moved at rule-set boundaries (workflows.boundaries)

    def add(self, other: "SweepResult") -> None:
        self.claimed += other.claimed
        self.fired.update(other.fired)
        self.actions += other.actions
        self.failed += other.failed
        self.moved += other.moved


def retry_delay() -> timedelta:
    return timedelta(seconds=getattr(settings, "SLA_SWEEP_RETRY_SECONDS", 300))


def sweep(now: datetime | None = None, batch_size: int = 500,
          progress: Callable[[SweepResult], None] | None = None) -> SweepResult:
    """Sweep until nothing is due at ``now``; returns what it did."""
    now = now or timezone.now()
    total = SweepResult()
    # First the rule-set boundaries reached (once each): a moved clock may be due in this sweep.
    total.moved = apply_reached_boundaries(now)
    while True:
        result, action_ids = sweep_batch(now, batch_size)
        result.add(run_due_actions(action_ids, now))
        total.add(result)
        if progress:
            progress(total)
        if result.claimed == 0:
            break
    # The external records, which keep no publication clocks, past their listed_until.
    from casework.services.expiry import exit_expired_records

    exited, failed = exit_expired_records(now, batch_size)
    total.actions += exited
    total.failed += failed
    if progress and (exited or failed):
        progress(total)
    return total


def sweep_batch(now: datetime, batch_size: int) -> tuple[SweepResult, list[int]]:
    result, action_ids = SweepResult(), []
    with transaction.atomic():
        batch = claim(now, batch_size)
        result.claimed = len(batch)
        escalations: list[Escalation] = []
        events: list[DeadlineEvent] = []
        leadership: dict[tuple[Any, ...], datetime] = {}  # per batch: many clocks share a due day
        for deadline in batch:
            try:
                # Rows are collected per deadline and kept only when the whole climb succeeds.
                row_escalations: list[Escalation] = []
                row_events: list[DeadlineEvent] = []
                if _climb(deadline, now, row_escalations, row_events, leadership):
                    action_ids.append(deadline.pk)
                escalations += row_escalations
                events += row_events
            except Exception:
                logger.exception("SLA sweep failed on deadline %s; pushed forward", deadline.pk)
                _push_forward(deadline, now, events)
                result.failed += 1
        save_climbed(batch)
        created = insert_escalations(escalations)
        insert_events(events)
        result.fired.update(escalation.rung for escalation in escalations)
        hooks.ESCALATIONS.send(created)
    return result, action_ids


def claim(now: datetime, batch_size: int) -> list[Deadline]:
    """Lock the batch's rows. Their policies and their cases' owner departments come from the
    process caches (attach_policies, caches.departments): the few rows every clock shares, not
    a joined copy instantiated per row."""
    batch = list(claim_query(now, batch_size))
    attach_policies(batch)
    for deadline in batch:
        case = deadline.case
        if case.owner_department_id is not None:
            case.owner_department = caches.departments.get(
                case.owner_department_id, partial(_department_row, case.owner_department_id))
    return batch


# The columns the climb, the batch's writes and the escalation hooks' receivers read (the
# digests: the case's number and owner department, the clock's step and policy): the case's
# text, dates and timestamps are not read, parsed or instantiated 10 000 times per sweep. A
# column left out here and read later costs one statement per row (tests/pg/test_sweep_statements).
CLAIM_FIELDS = (
    "id", "case_id", "step", "policy_id", "department_id", "state", "due_on", "due_at", "warn_at",
    "next_fire_at", "next_rung", "escalation_level", "failures",
    "case__id", "case__number", "case__state", "case__subject_id", "case__owner_department_id",
    "case__list_type", "case__dishonesty_class",
)


def claim_query(now: datetime, batch_size: int) -> Any:
    """The claim's statement (bench/sla_sweep.py explains it)."""
    return (
        Deadline.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(next_fire_at__lte=now)
        .select_related("case")
        .only(*CLAIM_FIELDS)
        .order_by("next_fire_at")[:batch_size]
    )


def _department_row(pk: int) -> Any:
    from casework.models import Department

    return Department.objects.get(pk=pk)


CLIMB_FIELDS = ["state", "escalation_level", "next_fire_at", "next_rung", "failures"]
# One statement for the whole batch: bulk_update's CASE WHEN per field costs more in Python
# than the sweep's every other step together.
PG_UPDATE = """
UPDATE workflows_deadline AS d
SET state = v.state, escalation_level = v.escalation_level, next_fire_at = v.next_fire_at,
    next_rung = v.next_rung, failures = v.failures
FROM unnest(%s::bigint[], %s::varchar[], %s::smallint[], %s::timestamptz[], %s::varchar[],
            %s::smallint[]) AS v(id, state, escalation_level, next_fire_at, next_rung, failures)
WHERE d.id = v.id
"""


def save_climbed(batch: list[Deadline]) -> None:
    if not batch:
        return
    if connection.vendor != "postgresql":
        Deadline.objects.bulk_update(batch, CLIMB_FIELDS)
        return
    columns = [[d.pk for d in batch]] + [[getattr(d, name) for d in batch] for name in CLIMB_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(PG_UPDATE, columns)


# The batch's two inserts, one statement each with a parameter per column: bulk_create
# compiles and quotes every value of every row in Python, which cost the sweeper more CPU than
# PostgreSQL spent writing the rows. ``fired_at`` / ``at`` are the insert's time (auto_now_add).
PG_INSERT_ESCALATIONS = """
INSERT INTO workflows_escalation (deadline_id, rung, due_on, fired_at, department_id)
SELECT v.deadline_id, v.rung, v.due_on, %s, v.department_id
FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::bigint[])
     AS v(deadline_id, rung, due_on, department_id)
ON CONFLICT DO NOTHING
"""
PG_INSERT_EVENTS = """
INSERT INTO workflows_deadlineevent (deadline_id, kind, at, actor_id, old_due, new_due, detail)
SELECT v.deadline_id, v.kind, %s, NULL, NULL, v.new_due, v.detail::jsonb
FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::text[]) AS v(deadline_id, kind, new_due, detail)
"""


def insert_escalations(escalations: list[Escalation]) -> list[Escalation]:
    """Insert the batch's rungs, a rung already written left as it is (the unique key)."""
    if connection.vendor != "postgresql" or not escalations:
        return Escalation.objects.bulk_create(escalations, ignore_conflicts=True)
    fired_at = timezone.now()
    for escalation in escalations:  # as bulk_create leaves them for the hook's receivers
        escalation.fired_at = fired_at
        escalation._state.adding = False
        escalation._state.db = connection.alias
    with connection.cursor() as cursor:
        cursor.execute(PG_INSERT_ESCALATIONS, [
            fired_at, [e.deadline_id for e in escalations], [e.rung for e in escalations],
            [e.due_on for e in escalations], [e.department_id for e in escalations]])
    return escalations


def insert_events(events: list[DeadlineEvent]) -> None:
    if connection.vendor != "postgresql" or not events:
        DeadlineEvent.objects.bulk_create(events)
        return
    assert all(event.actor_id is None and event.old_due is None for event in events)
    with connection.cursor() as cursor:
        cursor.execute(PG_INSERT_EVENTS, [
            timezone.now(), [e.deadline_id for e in events], [e.kind for e in events],
            [e.new_due for e in events], [json.dumps(e.detail) for e in events]])


def _climb(deadline: Deadline, now: datetime, escalations: list[Escalation],
           events: list[DeadlineEvent], leadership: dict[tuple[Any, ...], datetime] | None = None) -> bool:
    """Fire every rung due by ``now``; True when the due rung must move the case."""
    jurisdiction = Context(deadline.case).jurisdiction
    while deadline.next_fire_at is not None and deadline.next_fire_at <= now:
        rung = deadline.next_rung
        if rung == Rung.BREACH and deadline.policy.on_due != OnDue.ESCALATE:
            return True
        escalations.append(_new(Escalation, {
            "id": None, "deadline_id": deadline.pk, "rung": rung, "due_on": deadline.due_on,
            "fired_at": now, "department_id": deadline.department_id}, deadline))
        events.append(_new(DeadlineEvent, {
            "id": None, "deadline_id": deadline.pk, "kind": RUNG_EVENT[rung], "at": None,
            "actor_id": None, "old_due": None, "new_due": deadline.due_on, "detail": {"rung": rung}},
            deadline))
        deadline.escalation_level = RUNG_LEVEL[Rung(rung)]
        if rung == Rung.BREACH:
            deadline.state = DeadlineState.BREACHED
        schedule(deadline, jurisdiction, leadership)
    return False


def _new(model: type[Any], values: dict[str, Any], deadline: Deadline) -> Any:
    """An unsaved ``model`` instance with every column of ``values`` and its deadline cached, as
    ``model(deadline=deadline, ...)`` builds it, without ``Model.__init__``'s per-field walk
    (20 000 instances per sweep of 10 000 clocks; neither model has init signal receivers)."""
    assert values.keys() == _ATTNAMES[model], model
    instance = object.__new__(model)  # Model defines no __new__: the instance, no __init__
    instance._state = ModelState()
    instance.__dict__.update(values)
    instance._state.fields_cache["deadline"] = deadline
    return instance


_ATTNAMES = {model: {field.attname for field in model._meta.concrete_fields}
             for model in (Escalation, DeadlineEvent)}


RUNG_EVENT: dict[str, TimelineKind] = {Rung.WARNING: TimelineKind.WARNED, Rung.BREACH: TimelineKind.BREACHED,
              Rung.LEADERSHIP: TimelineKind.ESCALATED}


def _push_forward(deadline: Deadline, now: datetime, events: list[DeadlineEvent]) -> None:
    deadline.refresh_from_db()
    deadline.failures += 1
    deadline.next_fire_at = now + retry_delay() * deadline.failures
    events.append(DeadlineEvent(deadline=deadline, kind=TimelineKind.FAILED, new_due=deadline.due_on,
                                detail={"failures": deadline.failures}))


def run_due_actions(deadline_ids: list[int], now: datetime) -> SweepResult:
    """Rungs that move a case: one transaction each, case locked before the deadline."""
    result = SweepResult()
    for deadline_id in deadline_ids:
        try:
            if _run_due_action(deadline_id, now):
                result.actions += 1
        except Exception:
            logger.exception("SLA due action failed on deadline %s; pushed forward", deadline_id)
            _push_forward_alone(deadline_id, now)
            result.failed += 1
    return result


def _run_due_action(deadline_id: int, now: datetime) -> bool:
    from casework.models import Case

    case_id = Deadline.objects.filter(pk=deadline_id).values_list("case_id", flat=True).first()
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case_id).first()  # type: ignore[misc]  # None: no row, nothing locked
        deadline = (
            Deadline.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("policy", "case").filter(pk=deadline_id, next_fire_at__lte=now).first()
        )
        if deadline is None:  # another worker took it, or the step moved on meanwhile
            return False
        DUE_ACTIONS[OnDue(deadline.policy.on_due)](deadline)
    return True


def _push_forward_alone(deadline_id: int, now: datetime) -> None:
    with transaction.atomic():
        deadline = Deadline.objects.select_for_update(of=("self",)).filter(pk=deadline_id).first()
        if deadline is None or deadline.next_fire_at is None:
            return
        events: list[DeadlineEvent] = []
        _push_forward(deadline, now, events)
        deadline.save(update_fields=["failures", "next_fire_at"])
        DeadlineEvent.objects.bulk_create(events)


def _exit_expired(deadline: Deadline) -> None:
    # Exits the case, or holds it while its rule's exit condition is not met (flagged once).
    from casework.services.expiry import exit_expired

    exit_expired(deadline)


def _rectification_overdue(deadline: Deadline) -> None:
    from casework.models import Rectification
    from casework.services import advance
    from casework.services.actors import system_actor

    Escalation.objects.get_or_create(deadline=deadline, rung=Rung.BREACH, due_on=deadline.due_on,
                                     defaults={"department": deadline.department})
    rectification = Rectification.objects.get(pk=deadline.target_id)
    advance(rectification, "mark_overdue", system_actor(), {"deadline": deadline.pk})


def _milestone(deadline: Deadline) -> None:
    close(deadline, DeadlineState.MET, milestone=True)


DUE_ACTIONS: dict[OnDue, Callable[[Deadline], None]] = {
    OnDue.EXIT_EXPIRED: _exit_expired,
    OnDue.RECTIFICATION_OVERDUE: _rectification_overdue,
    OnDue.MILESTONE: _milestone,
}
