"""Department handover after a reorganisation: open work moves to the successor."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import audit, hooks
from casework.hooks import TransitionEvent
from casework.models import Case, Department, MeasureTask, Talk
from workflows.case import CaseState
from workflows.guards import RuleRefused
from workflows.measure_task import MeasureTaskState
from workflows.talk import TalkState


@dataclass(frozen=True)
class HandoverSummary:
    cases: int
    talks: int
    measure_tasks: int


def hand_over_department(
    department: Department, successor: Department, actor: Any, reason: str
) -> HandoverSummary:
    """Move the open cases, talks and measure tasks to ``successor``; retire ``department``.

    Closed cases stay with the department that decided them (the record of who
    determined). The retired department keeps read access but can take no step:
    ownership rules require an active department.
    """
    _check(department, successor, reason)
    with transaction.atomic():
        department = Department.objects.select_for_update().get(pk=department.pk)
        cases = _move_cases(department, successor, actor, reason)
        talks = _move(Talk.objects.filter(organiser=department, state__in=TalkState.open_states()),
                      "organiser", successor, actor, reason)
        tasks = _move(MeasureTask.objects.filter(department=department,
                                                 state__in=MeasureTaskState.open_states()),
                      "department", successor, actor, reason)
        department.active = False
        department.successor = successor
        department.save(update_fields=["active", "successor"])
        audit.append(obj=department, action="retired", actor=actor, case=None,
                     department=department,
                     changes={"active": [True, False], "successor_id": [None, successor.pk]},
                     payload={"reason": reason, "cases": cases, "talks": talks,
                              "measure_tasks": tasks})
    return HandoverSummary(cases, talks, tasks)


def _check(department: Department, successor: Department, reason: str) -> None:
    if department.pk == successor.pk:
        raise RuleRefused("handover_same", _("A department cannot hand over to itself."))
    if not department.active:
        raise RuleRefused("handover_retired", _("This department was already retired."))
    if not successor.active or successor.kind != department.kind:
        raise RuleRefused(
            "handover_successor",
            _("The successor must be an active department of the same kind."),
        )
    if not reason.strip():
        raise RuleRefused("reason_required", _("A handover must state its reason."))


def _move_cases(department: Department, successor: Department, actor: Any, reason: str) -> int:
    open_cases = Case.objects.filter(owner_department=department, state__in=CaseState.open_states())
    return _move(open_cases, "owner_department", successor, actor, reason)


def _move(rows: Any, field: str, successor: Department, actor: Any, reason: str) -> int:
    """Re-point ``field`` of each row; audited, and announced to the hooks like a transition.

    The hooks move the open deadlines' responsible department, refresh the credit index and
    tell the successor what it received. Cases are locked before their steps, as advance() does.
    """
    if rows.model is not Case:
        list(Case.objects.select_for_update().filter(
            pk__in=rows.values_list("case_id", flat=True)
        ).order_by("pk").values_list("pk", flat=True))
        rows = rows.select_related("case")
    moved = 0
    for obj in rows.select_for_update().order_by("pk"):
        old = getattr(obj, f"{field}_id")
        setattr(obj, field, successor)
        obj.version += 1
        obj.save(update_fields=[field, "version"])
        case = obj.owning_case()
        data = {"from_department": old, "to_department": successor.pk, "reason": reason}
        event = TransitionEvent(obj, case, "handed_over", obj.state, obj.state, actor, data,
                                timezone.now())
        event.audit_event = audit.append(obj=obj, action="handed_over", actor=actor, case=case,
                                         changes={f"{field}_id": [old, successor.pk]},
                                         payload={"reason": reason})
        for kind in ("deadlines", "indexes", "documents", "notifications"):
            hooks.run(kind, event)
        moved += 1
    return moved
