"""Keeps the credit-check index (CreditIndexEntry) in step with the cases.

Registered as an ``indexes`` hook in CaseworkConfig.ready: it runs inside the
transition's transaction after the effects (so measure tasks pushed on listing
are already there), and rebuilds the one row of the transition's case.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef

from casework.hooks import TransitionEvent
from casework.models import Case, CreditIndexEntry, MeasureTask, Objection
from workflows.case import CaseState
from workflows.measure_task import LIVE_STATES
from workflows.objection import ObjectionState


def on_transition(event: TransitionEvent) -> None:
    """Write only what the transition can change of the row.

    A case's own transitions (its state, dates, owner) and its measure tasks' (the measures
    shown) rebuild the row. An objection changes only ``objection_open``, and only when it
    opens or closes: one UPDATE then, nothing for a move between two open states (受理). The
    other steps show nothing in the index; what their effects do to the case (an exit) is
    that case transition's own event.
    """
    model_name = event.obj._meta.model_name
    if model_name in ("case", "measuretask"):
        refresh(event.case)
    elif model_name == "objection":
        open_states = ObjectionState.open_states()
        if (event.source in open_states) != (event.target in open_states):
            CreditIndexEntry.objects.filter(case_id=event.case.pk).update(objection_open=Exists(
                Objection.objects.filter(case_id=OuterRef("case_id"), state__in=open_states)))


def refresh(case: Case) -> None:
    """Write the case's row if it is listed now, else remove it."""
    if case.state != CaseState.LISTED or case.listed_from is None:
        CreditIndexEntry.objects.filter(case_id=case.pk).delete()
        return
    CreditIndexEntry.objects.update_or_create(case_id=case.pk, defaults=entry_fields(case))


def entry_fields(case: Case, tasks: Iterable[MeasureTask] | None = None,
                 objection_open: bool | None = None) -> dict[str, Any]:
    """The row's values; ``tasks`` (the case's measure tasks by pk) and ``objection_open``
    when the caller holds them already (the batch import), else they are read."""
    if tasks is None:
        tasks = case.measuretasks.filter(state__in=LIVE_STATES).select_related(
            "measure", "department"
        ).order_by("pk")
    else:
        tasks = [task for task in tasks if task.state in LIVE_STATES]
    if objection_open is None:
        objection_open = case.has_open_objection()
    return {
        "identifier": case.subject.identifier,
        "list_type": case.list_type,
        "case_number": case.number,
        "owner_department": case.owner_department.name,
        "listed_from": case.listed_from,
        "listed_until": case.listed_until,
        "objection_open": objection_open,
        "measures": [
            {"code": task.measure.code, "title": task.measure.title,
             "department": task.department.code, "department_id": task.department_id,
             "state": task.state}
            for task in tasks
        ],
    }
