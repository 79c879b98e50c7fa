"""The deadlines hook: which clocks each transition opens, closes, pauses or resumes.

Registered with casework.hooks in WorkflowsConfig.ready. It runs inside the
transition service's transaction, before the object is saved and audited, so a
due date it mirrors onto the object (e.g. ``case.statement_due_on``) appears in
the audit event as a field change.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import fixed_sql
from casework.services import deadline_changes
from workflows import services
from workflows.calendar import add_working_days
from workflows.choices import DeadlineState, PauseReason, Step, TimelineKind
from workflows.guards import RuleRefused
from workflows.models import Deadline, DeadlineEvent


@dataclass(frozen=True)
class Open:
    step: str
    mirror: str = ""
    start: str = ""  # attribute of the object holding the start date; empty: today
    length_from: str = ""  # attribute overriding the policy's length (e.g. set in the order)
    on_case: bool = False  # the clock belongs to the case rather than the step object
    when: str = ""  # method of the object that says whether this clock runs for it; empty: always
    # Method of the case that says whether the clock is kept for it (empty: always). When it
    # says no, only the date the clock would show is worked out from its policy (``mirror``)
    # and no clock is written: an external record's publication period is its listed_until,
    # which the sweep exits it from (casework.services.expiry.exit_expired_records).
    kept_when: str = ""
    # Reopen the step's last closed clock of the object as it stood: its corrected end
    # (due_fixed_on), its paused days and extension carry over; otherwise a fresh period.
    resumes_last: bool = False


@dataclass(frozen=True)
class Close:
    steps: tuple[str, ...] | None  # None: every open clock in scope
    state: str = DeadlineState.MET
    on_case: bool = False


@dataclass(frozen=True)
class Pause:
    reason: str


@dataclass(frozen=True)
class Resume:
    reason: str


@dataclass(frozen=True)
class Reassign:
    """A department handover: the open clocks that waited on the old department wait on the new."""


@dataclass(frozen=True)
class CheckNotice:
    """约谈 notice: the talk must be at least the policy's working days ahead."""


@dataclass(frozen=True)
class StartOnService:
    """送达: the periods of the served object that run from service start the day after.

    The served object (a service act) answers ``target`` (the case or step its documents
    are about) and ``served_on``; which periods wait for service is the policy's
    ``starts_on_service``, not this map.
    """


@dataclass(frozen=True)
class Rederive:
    """A correction of a fact clocks are derived from (class, listed_until) re-derives them.

    Runs before the case is saved: each moved date shown on the case (``publication_min_until``,
    ``listed_until``) changes there and is audited with the correction as old → new.
    """

    steps: tuple[str, ...]


Action = Open | Close | Pause | Resume | CheckNotice | Reassign | StartOnService | Rederive
S = Step
OBJECTION_CLOCKS = (S.OBJECTION_ACCEPT, S.OBJECTION_DECIDE, S.OBJECTION_RE_REVIEW, S.RECORD_WITHDRAWAL)
OBJECTION_CLOSED: list[Action] = [Close(OBJECTION_CLOCKS), Resume(PauseReason.OBJECTION_OPEN)]

SLA_MAP: dict[tuple[str, str], list[Action]] = {
    ("case", "notify"): [Open(S.STATEMENT_WINDOW, mirror="statement_due_on")],
    ("case", "waive_statement"): [Close((S.STATEMENT_WINDOW,))],
    ("case", "determine"): [
        Close((S.STATEMENT_WINDOW,)),
        Open(S.PUBLICATION_MIN, mirror="publication_min_until", start="listed_from"),
        Open(S.PUBLICATION_MAX, mirror="listed_until", start="listed_from"),
    ],
    # A recorded determination (import, external list) runs its publication clocks from its
    # decision date, as if determined that day; there is no statement window to close. An
    # external record (determined elsewhere: no objection, rectification or repair here) keeps
    # only their dates, the sweep exits it after its listed_until.
    ("case", "record_determination"): [
        Open(S.PUBLICATION_MIN, mirror="publication_min_until", start="listed_from",
             kept_when="is_determined_here"),
        Open(S.PUBLICATION_MAX, mirror="listed_until", start="listed_from",
             kept_when="is_determined_here"),
    ],
    ("case", "correct"): [Rederive((S.PUBLICATION_MIN, S.PUBLICATION_MAX))],
    ("case", "withdraw"): [Close(None, DeadlineState.CANCELLED, on_case=True)],
    ("case", "exit"): [Close(None, DeadlineState.CANCELLED, on_case=True)],
    # 撤销修复: the maximum publication period runs again from the listing date, as if the
    # repair had not been granted (the wait before repair was served already); an end a
    # correction set (an upheld objection, a case correction) stays the end.
    ("case", "relist"): [Open(S.PUBLICATION_MAX, mirror="listed_until", start="listed_from",
                              resumes_last=True)],
    # An objection that the underlying penalty was revoked is not reviewed: its clock is the
    # record's withdrawal (《行政处罚法》第四十八条第二款), not acceptance.
    ("objection", "created"): [Open(S.OBJECTION_ACCEPT, when="needs_acceptance"),
                               Open(S.RECORD_WITHDRAWAL, when="is_penalty_revoked"),
                               Pause(PauseReason.OBJECTION_OPEN)],
    ("objection", "accept"): [Close((S.OBJECTION_ACCEPT,)), Open(S.OBJECTION_DECIDE)],
    ("objection", "reject_inadmissible"): OBJECTION_CLOSED,
    ("objection", "uphold"): OBJECTION_CLOSED,
    ("objection", "uphold_in_part"): OBJECTION_CLOSED,
    ("objection", "withdraw_record"): OBJECTION_CLOSED,
    # A dismissal opens the subject's window to ask for a re-review (from service of the decision).
    ("objection", "dismiss"): [*OBJECTION_CLOSED, Open(S.OBJECTION_RE_REVIEW_REQUEST)],
    ("objection", "request_re_review"): [Close((S.OBJECTION_RE_REVIEW_REQUEST,)),
                                         Open(S.OBJECTION_RE_REVIEW), Pause(PauseReason.OBJECTION_OPEN)],
    ("objection", "confirm_dismissal"): OBJECTION_CLOSED,
    ("objection", "withdraw"): [Close(OBJECTION_CLOCKS, DeadlineState.CANCELLED),
                                Resume(PauseReason.OBJECTION_OPEN)],
    ("objection", "suspend_review"): [Pause(PauseReason.EXPERT_REVIEW)],
    ("objection", "resume_review"): [Resume(PauseReason.EXPERT_REVIEW)],
    ("rectification", "created"): [
        Open(S.RECTIFICATION_PERIOD, mirror="due_on", length_from="period_working_days")
    ],
    ("rectification", "submit"): [Close((S.RECTIFICATION_PERIOD,)), Open(S.RECTIFICATION_VERIFY)],
    ("rectification", "accept"): [Close((S.RECTIFICATION_VERIFY,))],
    ("rectification", "return"): [
        Close((S.RECTIFICATION_VERIFY,)),
        Open(S.RECTIFICATION_PERIOD, mirror="due_on", length_from="period_working_days"),
    ],
    ("rectification", "mark_overdue"): [Close((S.RECTIFICATION_PERIOD,), DeadlineState.BREACHED)],
    ("rectification", "reorder"): [
        Open(S.RECTIFICATION_PERIOD, mirror="due_on", length_from="period_working_days")
    ],
    ("talk", "created"): [Open(S.TALK_SCHEDULE)],
    ("talk", "schedule"): [Close((S.TALK_SCHEDULE,)), CheckNotice(),
                           Open(S.TALK_RECORD, start="scheduled_for")],
    ("talk", "hold"): [Close((S.TALK_RECORD,))],
    ("talk", "miss"): [Close((S.TALK_RECORD,))],
    ("talk", "escalate"): [Open(S.TALK_SCHEDULE)],
    ("measuretask", "created"): [Open(S.MEASURE_ACKNOWLEDGE)],
    ("measuretask", "acknowledge"): [Close((S.MEASURE_ACKNOWLEDGE,)), Open(S.MEASURE_REPORT)],
    ("measuretask", "report"): [Close((S.MEASURE_REPORT,))],
    ("measuretask", "request_termination"): [
        Close((S.MEASURE_ACKNOWLEDGE, S.MEASURE_REPORT), DeadlineState.CANCELLED),
        Open(S.MEASURE_TERMINATE),
    ],
    ("measuretask", "confirm"): [Close((S.MEASURE_TERMINATE,))],
    # Pushed again (the case relisted): a termination not yet confirmed is no longer asked for;
    # the department's acknowledgement clock runs as for a new task.
    ("measuretask", "reinstate"): [Close((S.MEASURE_TERMINATE,), DeadlineState.CANCELLED),
                                   Open(S.MEASURE_ACKNOWLEDGE)],
    ("repairapplication", "created"): [Open(S.REPAIR_DECIDE), Open(S.REPAIR_ANSWER)],
    ("repairapplication", "accept"): [Close((S.REPAIR_DECIDE,))],
    ("repairapplication", "reject_inadmissible"): [Close((S.REPAIR_DECIDE, S.REPAIR_ANSWER))],
    ("repairapplication", "approve"): [Close((S.REPAIR_ANSWER,))],
    ("repairapplication", "deny"): [Close((S.REPAIR_ANSWER,))],
    ("serviceact", "serve"): [StartOnService()],
    ("case", "handed_over"): [Reassign()],
    ("talk", "handed_over"): [Reassign()],
    ("measuretask", "handed_over"): [Reassign()],
}


def on_transition(event: Any) -> None:
    """casework.hooks receiver: apply the SLA_MAP actions of this transition. The clocks they
    close and open and their timeline entries are written with one statement
    (``services.batched_writes``); any other action first writes what is deferred, since it
    may read or save those clocks."""
    with services.batched_writes():
        for action in SLA_MAP.get((event.obj._meta.model_name, event.name), []):
            if not isinstance(action, Open | Close):
                services.flush_writes()
            APPLY[type(action)](action, event)


def _today() -> date:
    return timezone.localdate()


def _start_date(value: Any) -> date:
    if value is None:
        return _today()
    return timezone.localdate(value) if hasattr(value, "hour") else value


def _open(action: Open, event: Any) -> None:
    if action.when and not getattr(event.obj, action.when)():
        return
    target = event.case if action.on_case else event.obj
    length = getattr(event.obj, action.length_from, None) if action.length_from else None
    started_on = _start_date(getattr(event.obj, action.start) if action.start else None)
    # A measure task's clocks wait on its joint department; every other clock on the owner.
    is_task = event.obj._meta.model_name == "measuretask"
    department = event.obj.department if is_task else None
    if action.kept_when and not getattr(event.case, action.kept_when)():
        # Only the date shown on the target, from the policy as the clock would have it.
        services.build_deadline(target, event.case, action.step, started_on=started_on, length=length,
                                mirror_field=action.mirror, department=department, actor=event.actor)
        return
    if action.resumes_last:
        services.flush_writes()  # it reads the closed clocks
    resumed = services.last_closed_deadline(target, action.step) if action.resumes_last else None
    opened = services.open_deadline(target, event.case, action.step, started_on=started_on,
                                    length=length, mirror_field=action.mirror, department=department,
                                    actor=event.actor, resumes=resumed)
    if "clocks" in event.extra:
        event.extra["clocks"].append(opened)
    # A clock that pauses while an objection is open starts paused if one is open now.
    if (opened.state == DeadlineState.RUNNING and opened.policy.pauses_on(PauseReason.OBJECTION_OPEN)
            and event.case.has_open_objection()):
        services.flush_writes()  # pause() saves the clock: its row must be there
        services.pause(opened, PauseReason.OBJECTION_OPEN, _today(), event.actor)


def _close(action: Close, event: Any) -> None:
    rows = _case_clocks(event, *DeadlineState.open_states())
    if not action.on_case:
        rows = [clock for clock in rows if _is_clock_of(clock, event.obj)
                and (action.steps is None or clock.step in action.steps)]
    for deadline in rows:
        services.close(deadline, action.state, event.actor, transition=event.name)


def _is_clock_of(deadline: Deadline, obj: Any) -> bool:
    target_type = ContentType.objects.get_for_model(obj)  # cached by Django per process
    return deadline.target_type_id == target_type.pk and deadline.target_id == obj.pk


def _case_clocks(event: Any, *states: str) -> list[Deadline]:
    """The case's open clocks in ``states``, in a stable order.

    Read and locked once per transition (only the deadline rows) and kept on the event, so
    the actions of one transition do not read the same rows again. Their policies, which
    every case of the city shares, come from the process's cache (services.attach_policies).
    """
    clocks = event.extra.get("clocks")
    if clocks is None:
        # Fixed SQL (casework/fixed_sql.py): the row rule of DeadlineQuerySet.open().
        clocks = fixed_sql.select(Deadline, "case_id = %s AND closed_at IS NULL", [event.case.pk],
                                  lock=True, order_by="id")
        services.attach_policies(clocks)
        for clock in clocks:
            clock.case = event.case
        event.extra["clocks"] = clocks
    return [clock for clock in clocks if clock.is_open() and clock.state in states]


def _pause(action: Pause, event: Any) -> None:
    for deadline in _case_clocks(event, DeadlineState.RUNNING):
        if deadline.policy.pauses_on(action.reason) and _in_scope(deadline, action.reason, event):
            services.pause(deadline, action.reason, _today(), event.actor)


def _resume(action: Resume, event: Any) -> None:
    if action.reason == PauseReason.OBJECTION_OPEN and _other_objection_open(event):
        return
    for deadline in _case_clocks(event, DeadlineState.PAUSED):
        if deadline.pause_reason == action.reason and _in_scope(deadline, action.reason, event):
            old_due = services.resume(deadline, _today(), event.actor)
            deadline_changes.deadline_resumed(deadline=deadline, actor=event.actor, old_due=old_due)


def _in_scope(deadline: Deadline, reason: str, event: Any) -> bool:
    """Expert review pauses only the objection's own clocks; an open objection, the case's."""
    if reason != PauseReason.EXPERT_REVIEW:
        return True
    return deadline.target_id == event.obj.pk and deadline.target_type.model == "objection"


def _other_objection_open(event: Any) -> bool:
    from workflows.objection import ObjectionState

    return event.case.objections.filter(state__in=ObjectionState.open_states()).exclude(
        pk=event.obj.pk
    ).exists()


def _check_notice(action: CheckNotice, event: Any) -> None:
    talk = event.obj
    policy = services.Context(event.case).policy(Step.TALK_NOTICE, _today())
    earliest = add_working_days(_today(), policy.length, services.Context(event.case).jurisdiction)
    if timezone.localdate(talk.scheduled_for) < earliest:
        raise RuleRefused(
            "talk_notice_too_short",
            _("The subject must be notified at least %(days)s working days before the talk "
              "(earliest %(earliest)s).") % {"days": policy.length, "earliest": earliest},
        )


def _rederive(action: Rederive, event: Any) -> None:
    case = event.obj
    for deadline in _case_clocks(event, *DeadlineState.open_states()):
        if deadline.step not in action.steps or not _is_clock_of(deadline, case):
            continue
        shown = getattr(case, deadline.mirror_field) if deadline.mirror_field else None
        # The case shows a date other than the clock's: the correction set it.
        fixed_on = shown if shown is not None and shown != deadline.due_on else None
        services.rederive(deadline, event.actor, fixed_on, transition=event.name)
        if deadline.mirror_field:
            setattr(case, deadline.mirror_field, deadline.due_on)


def _reassign(action: Reassign, event: Any) -> None:
    old, new = event.data["from_department"], event.data["to_department"]
    clocks = list(Deadline.objects.open().filter(case=event.case, department_id=old)
                  .select_for_update(of=("self",)).order_by("pk"))
    Deadline.objects.filter(pk__in=[clock.pk for clock in clocks]).update(department_id=new)
    actor = event.actor if getattr(event.actor, "pk", None) else None
    detail = {"from_department": old, "to_department": new, "reason": event.data.get("reason", "")}
    DeadlineEvent.objects.bulk_create(
        DeadlineEvent(deadline=clock, kind=TimelineKind.REASSIGNED, actor=actor,
                      new_due=clock.due_on, detail=detail)
        for clock in clocks
    )


def _start_on_service(action: StartOnService, event: Any) -> None:
    act = event.obj
    services.start_on_service(act.target, act.served_on, event.actor)


APPLY: dict[type, Callable[[Any, Any], None]] = {
    Open: _open, Close: _close, Pause: _pause, Resume: _resume, CheckNotice: _check_notice,
    Reassign: _reassign, StartOnService: _start_on_service, Rederive: _rederive,
}
