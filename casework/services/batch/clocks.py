"""The clocks the batch door opens: the deadlines hook's ``Open`` actions
(``workflows.hooks._open``), each clock built once per key (step, start date, policy,
department…) by ``workflows.services.build_deadline`` and repeated for every target of that
key, with its ``opened`` timeline entry."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from casework.models import Case
from casework.services.batch import bulk
from casework.services.batch.rows import Task

DEADLINE_OWN = ("id", "case_id", "target_id")
TIMELINE_OWN = ("id", "deadline_id")


@dataclass(frozen=True)
class Clock:
    """A clock as build_deadline opens it for one key (step, start, policy, department…):
    every target of that key gets the same row, its own ids aside."""

    values: bulk.Shared  # the Deadline columns after id, case_id, target_id (DEADLINE_OWN)
    opened: bulk.Shared  # its "opened" timeline entry's columns after id, deadline_id
    facts: dict[str, Any]  # notifications.services.deadline_facts
    mirror: tuple[str, Any] | None  # the target's field showing the due date, and its value


def deadline_filled() -> tuple[str, ...]:
    from workflows.models import Deadline

    return bulk.filled(Deadline, *DEADLINE_OWN)


def timeline_filled() -> tuple[str, ...]:
    from workflows.models import DeadlineEvent

    return bulk.filled(DeadlineEvent, *TIMELINE_OWN)


def _deadline_facts(deadline: Any) -> dict[str, Any]:
    from notifications.services import deadline_facts

    return deadline_facts(deadline)


@dataclass
class Clocks:
    """The clocks of one batch: built once per key, a row per target."""

    actor: Any
    bases_of: dict[int, tuple[int, ...]]  # case pk → its legal bases' pks
    clocks: dict[tuple[Any, ...], Clock] = field(default_factory=dict)
    rows: list[tuple[Clock, int, int]] = field(default_factory=list)  # (clock, case id, target id)
    # The day a clock with no start field starts on (workflows.hooks._today), read once: the
    # batch is one transaction, its "now" one moment.
    today: date = field(default_factory=timezone.localdate)
    # What open() asks of the settings and other modules, read once (the provincial layer of
    # the policies, workflows.models.sla.province_layer; imported here, not at the module's
    # top: workflows imports the casework services).
    province: str = ""
    _sla: Any = None
    _start_date: Any = None

    def __post_init__(self) -> None:
        from workflows import services as sla
        from workflows.hooks import _start_date
        from workflows.models.sla import province_layer

        self.province, self._sla, self._start_date = province_layer(), sla, _start_date

    def open(self, action: Any, case: Case, obj: Any, target: Any) -> Clock | None:
        """The deadlines hook's ``Open`` (workflows.hooks._open), computed once per key.

        ``obj`` is the event's object (the case or a task); ``target`` the model instance
        the first clock of the key is built on (a task's template instance). None where the
        clock is not kept for the case (``Open.kept_when``): its date is shown, no row written.
        """
        started_on: date = self._start_date(getattr(obj, action.start)) if action.start else self.today
        length = getattr(obj, action.length_from, None) if action.length_from else None
        is_task = type(obj) is Task
        department = obj.department if is_task else None
        case_id = case.id
        # What build_deadline reads: what decides the policy (Context.policy_key: the step,
        # day, list, class, the owner's jurisdiction, the sectors and bases of the case's legal
        # bases, the provincial layer), the legal bases (one may set the period itself), the
        # clock's department.
        key = (action.step, started_on, case.list_type, case.dishonesty_class,
               case.owner_department_id, self.province, self.bases_of[case_id],
               action.mirror, action.on_case,
               type(target), length, department.pk if department is not None else None)
        clock = self.clocks.get(key)
        if clock is None:
            sla = self._sla
            clock_target = case if action.on_case else target
            policy = sla.Context(case).policy(action.step, started_on)
            deadline, opened = sla.build_deadline(
                clock_target, case, action.step, started_on=started_on, length=length,
                mirror_field=action.mirror, department=department, actor=self.actor, policy=policy,
            )
            mirror = (action.mirror, getattr(clock_target, action.mirror)) if action.mirror else None
            clock = self.clocks[key] = Clock(
                values=bulk.shared(deadline, deadline_filled()[len(DEADLINE_OWN):]),
                opened=bulk.shared(opened, timeline_filled()[len(TIMELINE_OWN):]),
                facts=_deadline_facts(deadline), mirror=mirror,
            )
        elif clock.mirror is not None:
            setattr(case if action.on_case else obj, *clock.mirror)
        if action.kept_when and not getattr(case, action.kept_when)():
            return None
        self.rows.append((clock, case_id, case_id if action.on_case or obj is case else obj.pk))
        return clock

    def write(self) -> None:
        """The deadlines and their ``opened`` timeline entries."""
        from workflows.models import Deadline, DeadlineEvent

        deadline_ids = bulk.reserve_ids(Deadline, len(self.rows))
        bulk.copy_rows(Deadline, deadline_filled(), (
            (pk, case_id, target_id, clock.values)  # the clock's columns formatted once (bulk.Shared)
            for pk, (clock, case_id, target_id) in zip(deadline_ids, self.rows, strict=True)))
        bulk.copy_rows(DeadlineEvent, timeline_filled(), (
            (pk, deadline_id, clock.opened) for pk, deadline_id, (clock, _case_id, _target_id)
            in zip(bulk.reserve_ids(DeadlineEvent, len(deadline_ids)), deadline_ids, self.rows,
                   strict=True)))
