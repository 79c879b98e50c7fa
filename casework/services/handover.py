"""Department handover after a reorganisation: open work moves to the successor."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from casework import audit
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
    moved = 0
    open_cases = Case.objects.select_for_update().filter(
        owner_department=department, state__in=CaseState.open_states()
    ).order_by("pk")
    for case in open_cases:
        case.owner_department = successor
        case.version += 1
        case.save(update_fields=["owner_department", "version"])
        audit.append(obj=case, action="handed_over", actor=actor, case=case,
                     changes={"owner_department_id": [department.pk, successor.pk]},
                     payload={"reason": reason})
        moved += 1
    return moved


def _move(queryset: Any, field: str, successor: Department, actor: Any, reason: str) -> int:
    moved = 0
    for step in queryset.select_for_update().select_related("case").order_by("pk"):
        old = getattr(step, f"{field}_id")
        setattr(step, field, successor)
        step.version += 1
        step.save(update_fields=[field, "version"])
        audit.append(obj=step, action="handed_over", actor=actor, case=step.case,
                     changes={f"{field}_id": [old, successor.pk]}, payload={"reason": reason})
        moved += 1
    return moved
