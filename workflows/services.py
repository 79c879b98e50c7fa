"""Deadline operations: open, close, pause, resume, extend, recompute.

Called by the deadlines hook (inside the transition service's transaction), by
the sweep and by sla_recompute. Every change of a due date is written to the
deadline's timeline and, where a step shows the date (``mirror_field``), to the
case's audit chain as a field change old → new.
"""

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import caches, fixed_sql
from casework.services import deadline_changes
from workflows.calendar import DayCount, add_period_ex, add_working_days_ex, is_working_day
from workflows.choices import Clock, DeadlineState, OnDue, PauseReason, Rung, Step, TimelineKind
from workflows.guards import RuleRefused
from workflows.models import Deadline, DeadlineEvent, Policy
from workflows.models.sla import province_layer

RUNG_LEVEL = {Rung.WARNING: 1, Rung.BREACH: 2, Rung.LEADERSHIP: 3}


def attach_policies(clocks: list[Deadline]) -> None:
    """Give each clock its policy row from this process's cache (``caches.policies``, keyed
    ``("row", pk)``; emptied when a policy is saved, and after ``caches.MAX_AGE_SECONDS``):
    the few rows every case of the city shares, instead of joining all their columns into
    every read of a case's clocks. A row not cached yet is read by its key."""
    for clock in clocks:
        clock.policy = caches.policies.get(("row", clock.policy_id), partial(_policy_row, clock.policy_id))


def _policy_row(pk: int) -> Policy:
    return Policy.objects.get(pk=pk)


@dataclass(frozen=True)
class Context:
    """Where a clock runs: its case, the owner department, list type, class, jurisdiction,
    and the sectors and legal bases the case cites."""

    case: Any

    @property
    def jurisdiction(self) -> str:
        return getattr(self.case.owner_department, "jurisdiction", "") or ""

    def axes(self, step: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The sectors and legal bases of the case, where some row of ``step`` is for a sector
        or a basis; otherwise none (and the case's bases are not read).

        Whether a step has such rows is always read through the process cache, a fresh lookup
        too (a recompute asks per clock): emptied on any policy save in this process, and
        within ``caches.MAX_AGE_SECONDS`` of one in another.
        """
        if not caches.policies.get(("case_axes", step),
                                   lambda: Policy.objects.with_case_axes(step)):
            return (), ()
        bases = list(self.case.legal_bases.all())
        return (tuple(sorted({basis.sector for basis in bases if basis.sector})),
                tuple(sorted(basis.pk for basis in bases)))

    def policy_key(self, step: str, on: date) -> tuple[Any, ...]:
        """What decides the row in force: the step, the day and every axis of the lookup,
        the provincial layer included (a process serving two provinces' settings must not
        hand one the other's row)."""
        sectors, bases = self.axes(step)
        return (step, on, self.case.list_type, self.case.dishonesty_class, self.jurisdiction,
                province_layer(), sectors, bases)

    def policy(self, step: str, on: date, *, fresh: bool = False) -> Policy:
        """The policy in force for ``step`` on ``on``; from this process's cache unless ``fresh``
        (recomputing after a policy change reads the table)."""
        key = self.policy_key(step, on)

        def load() -> Policy | None:
            return Policy.objects.in_force(step, on, list_type=key[2], dishonesty_class=key[3],
                                           jurisdiction=key[4], sectors=key[6], legal_bases=key[7])

        policy = load() if fresh else caches.policies.get(key, load)
        if policy is None:
            raise RuleRefused(
                "no_policy", _("No SLA policy is in force for this step: ask an administrator.")
            )
        return policy

    def basis_period(self, step: str, policy: Policy) -> tuple[int, Any] | None:
        """The listing validity a legal basis of the case sets itself (``LegalBasis.listing_years``),
        in months, and that basis; None where no basis sets one.

        It replaces the maximum publication of the policy row (the basis' own rule), unless the
        row is itself for one of the case's bases. Several bases setting one: the shortest
        applies (the reading safer for the subject; docs/sla.md).
        """
        if step != Step.PUBLICATION_MAX or policy.clock != Clock.MONTHS or policy.legal_basis_id:
            return None
        setting = [basis for basis in self.case.legal_bases.all() if basis.listing_years]
        if not setting:
            return None
        basis = min(setting, key=lambda basis: (basis.listing_years, basis.pk))
        return basis.listing_years * MONTHS_PER_YEAR, basis


MONTHS_PER_YEAR = 12


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def compute_due(policy: Policy, started_on: date, total: int, jurisdiction: str,
                months: int | None = None) -> DayCount:
    """The last day of the period; the clock passes at the end of that day.

    A working-day period always ends on a working day; a calendar period rolls forward off a
    rest day only where the policy says so (``rolls_forward``). A period in months is
    ``months`` (the deadline's own length: a legal basis may set it) or the policy's, and
    whatever ``total`` holds beyond it (pauses, extensions) is added in days.
    """
    if policy.clock == Clock.WORKING_DAYS:
        return add_working_days_ex(started_on, total, jurisdiction)
    if policy.clock == Clock.MONTHS:
        months = policy.length if months is None else months
        extra = total - months
        return add_period_ex(started_on, months=months, days=max(extra, 0),
                             jurisdiction=jurisdiction, roll_forward=policy.rolls_forward)
    return add_period_ex(started_on, days=total, jurisdiction=jurisdiction,
                         roll_forward=policy.rolls_forward)


def working_days_before(day: date, n: int, jurisdiction: str) -> date:
    while n > 0:
        day -= timedelta(days=1)
        if is_working_day(day, jurisdiction):
            n -= 1
    return day


def warning_time(deadline: Deadline, jurisdiction: str) -> datetime | None:
    """At ``warn_percent`` of the period, or N working days before due, whichever is earlier."""
    policy = deadline.policy
    if policy.warn_percent is None:
        return None
    span = (deadline.due_on - deadline.started_on).days
    candidates = [deadline.started_on + timedelta(days=span * policy.warn_percent // 100)]
    if policy.warn_working_days_before:
        candidates.append(working_days_before(deadline.due_on, policy.warn_working_days_before,
                                              jurisdiction))
    warn_day = min(candidates)
    if warn_day <= deadline.started_on:
        return None
    return start_of_day(warn_day)


def rung_times(deadline: Deadline, jurisdiction: str,
               leadership: dict[tuple[Any, ...], datetime] | None = None) -> list[tuple[str, datetime]]:
    """The rungs' times. ``leadership``: a memo of the leadership rung's time by (due day,
    working days after, jurisdiction), for a caller scheduling many clocks at once (the sweep's
    batch: one calendar walk per due day instead of one per clock)."""
    policy = deadline.policy
    rungs: list[tuple[str, datetime]] = []
    if deadline.warn_at:
        rungs.append((Rung.WARNING, deadline.warn_at))
    rungs.append((Rung.BREACH, deadline.due_at))
    if policy.on_due == OnDue.ESCALATE and policy.leadership_after:
        key = (deadline.due_on, policy.leadership_after, jurisdiction)
        at = leadership.get(key) if leadership is not None else None
        if at is None:
            leadership_day = add_working_days_ex(deadline.due_on, policy.leadership_after, jurisdiction).day
            at = start_of_day(leadership_day + timedelta(days=1))
            if leadership is not None:
                leadership[key] = at
        rungs.append((Rung.LEADERSHIP, at))
    return rungs


def schedule(deadline: Deadline, jurisdiction: str,
             leadership: dict[tuple[Any, ...], datetime] | None = None) -> None:
    """Point next_fire_at at the earliest rung not yet fired (none while paused or closed)."""
    deadline.next_rung, deadline.next_fire_at = "", None
    if deadline.state not in (DeadlineState.RUNNING, DeadlineState.BREACHED):
        return
    for rung, at in rung_times(deadline, jurisdiction, leadership):
        if RUNG_LEVEL[Rung(rung)] > deadline.escalation_level:
            deadline.next_rung, deadline.next_fire_at = rung, at
            return


def set_due(deadline: Deadline, jurisdiction: str) -> None:
    total = deadline.length + deadline.extension + deadline.paused_days
    if deadline.due_fixed_on is not None:  # set by a decision (a correction of listed_until)
        due = DayCount(deadline.due_fixed_on, provisional=False)
    else:
        due = compute_due(deadline.policy, deadline.started_on, total, jurisdiction,
                          months=deadline.length)
    deadline.due_on, deadline.provisional = due.day, due.provisional
    deadline.due_at = start_of_day(due.day + timedelta(days=1))
    deadline.warn_at = warning_time(deadline, jurisdiction)


_batch = threading.local()


@dataclass
class _Writes:
    """What a ``batched_writes`` block has deferred: clocks closed, clocks opened, timeline entries."""

    closed: list[tuple[Deadline, tuple[str, ...]]]
    opened: list[Deadline]
    events: list[DeadlineEvent]


@contextmanager
def batched_writes() -> Iterator[None]:
    """Write the clocks closed and opened and the timeline entries logged inside the block with
    one statement at its end (``fixed_sql.write_together``), instead of one each.

    The deadlines hook wraps a transition's actions in it: closing one clock and opening the
    next was four statements, now one. The rule that keeps it correct: inside the block nothing
    reads or saves those rows before ``flush_writes()``: the hook flushes before every action
    other than closing and opening, before it pauses a clock it opened, before it reads the
    last closed clock, and ``close`` flushes before closing a clock opened in the block. On an
    exception nothing deferred is written (the transaction rolls back anyway).
    """
    outer = getattr(_batch, "writes", None)
    writes = _Writes([], [], [])
    _batch.writes = writes
    try:
        yield
    finally:
        _batch.writes = outer
    _write(writes)


def flush_writes() -> None:
    """Write what the enclosing ``batched_writes`` block deferred so far (nothing outside one)."""
    writes = getattr(_batch, "writes", None)
    if writes is not None:
        _write(writes)


def _write(writes: _Writes) -> None:
    closed, opened, events = writes.closed, writes.opened, writes.events
    writes.closed, writes.opened, writes.events = [], [], []
    if closed or opened or events:
        fixed_sql.write_together(closed, opened, events, "deadline")


def log(deadline: Deadline, kind: str, actor: Any = None, old_due: date | None = None,
        **detail: Any) -> None:
    write_timeline(timeline_event(deadline, kind, actor, old_due, **detail))


def timeline_event(deadline: Deadline, kind: str, actor: Any = None, old_due: date | None = None,
                   **detail: Any) -> DeadlineEvent:
    """The deadline's timeline entry, not yet saved (the batch import saves many at once)."""
    return DeadlineEvent(
        deadline=deadline, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
        old_due=old_due, new_due=deadline.due_on, detail=detail,
    )


def write_timeline(event: DeadlineEvent) -> None:
    writes = getattr(_batch, "writes", None)
    if writes is None:
        event.save(force_insert=True)
    else:
        writes.events.append(event)


def open_deadline(
    target: Model, case: Any, step: str, *, started_on: date, length: int | None = None,
    mirror_field: str = "", department: Any = None, actor: Any = None,
    resumes: Deadline | None = None,
) -> Deadline:
    deadline, opened = build_deadline(target, case, step, started_on=started_on, length=length,
                                      mirror_field=mirror_field, department=department, actor=actor,
                                      resumes=resumes)
    writes = getattr(_batch, "writes", None)
    if writes is None:
        fixed_sql.insert([deadline])
    else:  # inserted with the block's other writes; its key is known from then on
        writes.opened.append(deadline)
    opened.deadline = deadline
    write_timeline(opened)
    return deadline


def build_deadline(
    target: Model, case: Any, step: str, *, started_on: date, length: int | None = None,
    mirror_field: str = "", department: Any = None, actor: Any = None,
    policy: Policy | None = None, resumes: Deadline | None = None,
) -> tuple[Deadline, DeadlineEvent]:
    """A clock and its ``opened`` timeline entry, neither saved; the due date mirrored on ``target``.

    ``policy`` is the policy in force for the step on ``started_on`` when the caller looked it
    up already (the batch import caches it per step, case kind and day). ``resumes`` is an
    earlier clock of the step this one takes up (a relisted record's maximum period): the end
    a correction fixed, the paused days and the extension carry over.
    """
    context = Context(case)
    policy = policy or context.policy(step, started_on)
    by_basis = context.basis_period(step, policy) if length is None else None
    deadline = Deadline(
        case=case, target_type=ContentType.objects.get_for_model(target), target_id=target.pk,
        step=step, policy=policy, party=policy.party, started_on=started_on,
        length=(by_basis[0] if by_basis else policy.length) if length is None else length,
        length_from_order=length is not None,
        mirror_field=mirror_field,
        department=department or case.owner_department,
    )
    if resumes is not None:
        deadline.due_fixed_on = resumes.due_fixed_on
        deadline.paused_days, deadline.extension = resumes.paused_days, resumes.extension
    set_due(deadline, context.jurisdiction)
    if policy.starts_on_service:
        # The period runs from service (送达): it waits, and shows no date, until served.
        deadline.state, deadline.paused_since = DeadlineState.PAUSED, started_on
        deadline.pause_reason = PauseReason.AWAITING_SERVICE
    schedule(deadline, context.jurisdiction)
    opened = timeline_event(deadline, TimelineKind.OPENED, actor, policy=policy.pk,
                            source=policy.source, length=deadline.length, clock=policy.clock,
                            provisional=deadline.provisional,
                            awaiting_service=policy.starts_on_service,
                            **basis_detail(by_basis), **resumed_detail(resumes))
    if mirror_field:
        setattr(target, mirror_field, None if policy.starts_on_service else deadline.due_on)
    return deadline, opened


def basis_detail(by_basis: tuple[int, Any] | None) -> dict[str, Any]:
    """The timeline's note of a period a legal basis sets itself (Context.basis_period)."""
    if by_basis is None:
        return {}
    months, basis = by_basis
    return {"listing_basis": basis.pk, "listing_months": months,
            "listing_source": f"{basis}（认定依据自身规定的有效期：{basis.listing_years}年）"}


def resumed_detail(resumes: Deadline | None) -> dict[str, Any]:
    """The timeline's note of the earlier clock a clock takes up (its fixed end, if any)."""
    if resumes is None:
        return {}
    fixed_on = resumes.due_fixed_on.isoformat() if resumes.due_fixed_on else None
    return {"resumes": resumes.pk, "due_fixed_on": fixed_on}


def last_closed_deadline(target: Model, step: str) -> Deadline | None:
    """The most recently closed clock of ``step`` on ``target`` (the one a reopening takes up)."""
    return (Deadline.objects.of_target(target).filter(step=step, closed_at__isnull=False)
            .order_by("-closed_at", "-pk").first())


def start_on_service(target: Model, served_on: date, actor: Any = None) -> list[Deadline]:
    """送达: the clocks of ``target`` that run from service start counting.

    The day of service is not counted (《民法典》第二百零一条): a period of N working days
    ends on the Nth working day after ``served_on``. Each start is on the deadline's timeline
    and, where the step shows the date, audited on the case's chain as a field change.
    """
    rows = list(Deadline.objects.of_target(target).open().filter(
        state=DeadlineState.PAUSED, pause_reason=PauseReason.AWAITING_SERVICE,
    ).select_for_update(of=("self",)).select_related("policy", "case__owner_department").order_by("pk"))
    for deadline in rows:
        jurisdiction = Context(deadline.case).jurisdiction
        old_due = deadline.due_on
        deadline.started_on = served_on
        deadline.state, deadline.paused_since, deadline.pause_reason = DeadlineState.RUNNING, None, ""
        set_due(deadline, jurisdiction)
        schedule(deadline, jurisdiction)
        deadline.save()
        log(deadline, TimelineKind.SERVED, actor, old_due=old_due, served_on=served_on.isoformat())
        deadline_changes.deadline_started_on_service(deadline=deadline, actor=actor)
    return rows


def open_deadlines_of(target: Model, steps: tuple[str, ...] | None = None) -> list[Deadline]:
    """The open clocks of one step object, locked (only the deadline rows: ``of=("self",)``)."""
    rows = Deadline.objects.of_target(target).open().select_for_update(of=("self",))
    if steps is not None:
        rows = rows.filter(step__in=steps)
    return list(rows.select_related("policy").order_by("pk"))


def close(deadline: Deadline, state: str, actor: Any = None, **detail: Any) -> None:
    """Met, cancelled, or closed as breached (the step moved on after its breach)."""
    kinds: dict[str, TimelineKind] = {DeadlineState.MET: TimelineKind.MET,
                                      DeadlineState.CANCELLED: TimelineKind.CANCELLED}
    kind = kinds.get(state, TimelineKind.BREACHED)
    if deadline.pk is None:  # opened in this batched_writes block: its row is written first
        flush_writes()
    deadline.state = state
    deadline.closed_at = timezone.now()
    deadline.next_fire_at, deadline.next_rung = None, ""
    deadline.paused_since = None
    writes = getattr(_batch, "writes", None)
    if writes is None:
        fixed_sql.update(deadline, CLOSED_FIELDS)
    else:
        writes.closed.append((deadline, CLOSED_FIELDS))
    log(deadline, kind, actor, **detail)


CLOSED_FIELDS = ("state", "closed_at", "next_fire_at", "next_rung", "paused_since")


def pause(deadline: Deadline, reason: str, today: date, actor: Any = None) -> None:
    if deadline.state != DeadlineState.RUNNING:
        return
    deadline.state, deadline.paused_since, deadline.pause_reason = DeadlineState.PAUSED, today, reason
    schedule(deadline, Context(deadline.case).jurisdiction)
    deadline.save()
    log(deadline, TimelineKind.PAUSED, actor, reason=reason)


def resume(deadline: Deadline, today: date, actor: Any = None) -> date:
    """Restart the clock and give back the working days lost while it was paused."""
    assert deadline.state == DeadlineState.PAUSED and deadline.paused_since is not None
    jurisdiction = Context(deadline.case).jurisdiction
    lost = working_days_between(deadline.paused_since, today, jurisdiction)
    old_due = deadline.due_on
    deadline.paused_days += lost
    deadline.state, deadline.paused_since, deadline.pause_reason = DeadlineState.RUNNING, None, ""
    set_due(deadline, jurisdiction)
    schedule(deadline, jurisdiction)
    deadline.save()
    log(deadline, TimelineKind.RESUMED, actor, old_due=old_due, restored_working_days=lost)
    return old_due


def working_days_between(first: date, last: date, jurisdiction: str) -> int:
    """Working days in (first, last]: the days a paused clock did not count."""
    day, count = first, 0
    while day < last:
        day += timedelta(days=1)
        count += is_working_day(day, jurisdiction)
    return count


def recompute(deadline: Deadline, now: datetime, actor: Any = None, kind: str = TimelineKind.RECOMPUTED,
              **detail: Any) -> date:
    """Recompute due from the stored inputs (after a calendar or extension change)."""
    jurisdiction = Context(deadline.case).jurisdiction
    old_due = deadline.due_on
    set_due(deadline, jurisdiction)
    if deadline.due_at > now and deadline.state == DeadlineState.BREACHED:
        deadline.state = DeadlineState.RUNNING
    if deadline.due_on != old_due:
        # A new due date starts a new ladder; each rung fires once per due date.
        deadline.escalation_level = 0 if deadline.due_at > now else deadline.escalation_level
    schedule(deadline, jurisdiction)
    deadline.save()
    log(deadline, kind, actor, old_due=old_due, **detail)
    return old_due


def rederive(deadline: Deadline, actor: Any = None, fixed_on: date | None = None,
             **detail: Any) -> date:
    """A fact the clock is derived from changed (the case's class, a corrected end date).

    The clock takes the policy now in force for its start date and the case's corrected facts,
    or the end the correction sets (``fixed_on``); the move is on the deadline's timeline.
    """
    old_policy = deadline.policy
    deadline.policy, deadline.length = rule_in_force(deadline, Context(deadline.case))
    if fixed_on is not None:
        deadline.due_fixed_on = fixed_on
    return recompute(deadline, timezone.now(), actor, TimelineKind.RECOMPUTED,
                     reason="a fact the clock is derived from was corrected",
                     old_policy=old_policy.pk, policy=deadline.policy.pk,
                     source=deadline.policy.source, **detail)


def extend(deadline: Deadline, days: int, reason: str, approver: Any) -> Deadline:
    """Extend with a stated reason and the department head's approval, within the policy's maximum."""
    if not reason.strip():
        raise RuleRefused("reason_required", _("An extension must state its reason."))
    if not (getattr(approver, "is_department_head", False)
            and approver.department_id == deadline.department_id):
        raise RuleRefused("extension_approver",
                          _("An extension needs the approval of the responsible department's head."))
    if days <= 0 or deadline.extension + days > deadline.policy.max_extension:
        raise RuleRefused("extension_exceeds_maximum",
                          _("The extension exceeds the maximum the policy allows."))
    with transaction.atomic():
        deadline = _lock_case_then_deadline(deadline.pk)
        if not deadline.is_open():
            raise RuleRefused("deadline_closed", _("This deadline is closed."))
        deadline.extension += days
        old_due = recompute(deadline, timezone.now(), approver, TimelineKind.EXTENDED, days=days,
                            reason=reason)
        deadline_changes.deadline_extended(deadline=deadline, approver=approver, old_due=old_due)
    return deadline


def _lock_case_then_deadline(deadline_id: int) -> Deadline:
    """The transition service's lock order (case, then its rows): no deadlock against advance()."""
    from casework.models import Case

    case_id = Deadline.objects.filter(pk=deadline_id).values_list("case_id", flat=True).get()
    Case.objects.select_for_update().filter(pk=case_id).first()
    return Deadline.objects.select_for_update(of=("self",)).select_related("policy", "case").get(
        pk=deadline_id)


@dataclass(frozen=True)
class Move:
    deadline_id: int
    step: str
    case_number: str
    old_due: date
    new_due: date
    provisional: bool


def planned_moves(deadlines: Any) -> Iterator[Move]:
    """Open deadlines whose due date the current policies and calendar would move."""
    # The cases' legal bases prefetched per chunk: the publication clocks' lookup reads them.
    rows = deadlines.select_related("policy", "case__owner_department").prefetch_related(
        "case__legal_bases")
    for deadline in rows.iterator(chunk_size=1000):
        context = Context(deadline.case)
        probe = copy.copy(deadline)  # computed in memory; nothing is saved
        probe.policy, probe.length = rule_in_force(deadline, context)
        set_due(probe, context.jurisdiction)
        if (probe.due_on, probe.provisional) != (deadline.due_on, deadline.provisional):
            yield Move(deadline.pk, deadline.step, deadline.case.number, deadline.due_on, probe.due_on,
                       probe.provisional)


def rule_in_force(deadline: Deadline, context: Context) -> tuple[Policy, int]:
    """The policy in force on the start date (a step keeps the rule it started under), its length.

    从旧兼从轻: when that row says so, a newer row in force today that is shorter (same clock)
    applies instead — the lighter rule for a record already running.
    """
    policy = context.policy(deadline.step, deadline.started_on, fresh=True)
    if deadline.length_from_order:
        return policy, deadline.length
    by_basis = context.basis_period(deadline.step, policy)
    if by_basis is not None:  # the basis' own rule, not a rule set's: no newer row replaces it
        return policy, by_basis[0]
    if policy.lighter_rule_applies:
        today = timezone.localdate()
        if today > deadline.started_on:
            newer = context.policy(deadline.step, today, fresh=True)
            if newer.pk != policy.pk and newer.clock == policy.clock and newer.length < policy.length:
                return newer, newer.length
    return policy, policy.length


def apply_move(move: Move, actor: Any = None) -> None:
    with transaction.atomic():
        deadline = _lock_case_then_deadline(move.deadline_id)
        if deadline.closed_at is not None:
            return
        deadline.policy, deadline.length = rule_in_force(deadline, Context(deadline.case))
        old_due = recompute(deadline, timezone.now(), actor, reason="policy or calendar changed")
        deadline_changes.deadline_recomputed(deadline=deadline, actor=actor, old_due=old_due)


def open_deadlines() -> Any:
    return Deadline.objects.open()


def recompute_provisional(year: int, jurisdiction: str) -> int:
    """calendar.on_year_entered receiver: move the provisional deadlines the new year affects."""
    moved = 0
    for move in list(planned_moves(open_deadlines().filter(provisional=True))):
        apply_move(move)
        moved += 1
    return moved
