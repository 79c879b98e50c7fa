"""Keeps the credit-check index (CreditIndexEntry) in step with the cases.

Registered as an ``indexes`` hook in CaseworkConfig.ready: it runs inside the
transition's transaction after the effects (so measure tasks pushed on listing
are already there), and rebuilds the one row of the transition's case.
"""

from typing import Any

from casework.hooks import TransitionEvent
from casework.models import Case, CreditIndexEntry
from workflows.case import CaseState
from workflows.measure_task import LIVE_STATES


def on_transition(event: TransitionEvent) -> None:
    refresh(event.case)


def refresh(case: Case) -> None:
    """Write the case's row if it is listed now, else remove it."""
    if case.state != CaseState.LISTED or case.listed_from is None:
        CreditIndexEntry.objects.filter(case_id=case.pk).delete()
        return
    CreditIndexEntry.objects.update_or_create(case_id=case.pk, defaults=entry_fields(case))


def entry_fields(case: Case) -> dict[str, Any]:
    tasks = case.measuretasks.filter(state__in=LIVE_STATES).select_related(
        "measure", "department"
    ).order_by("pk")
    return {
        "identifier": case.subject.identifier,
        "list_type": case.list_type,
        "case_number": case.number,
        "owner_department": case.owner_department.name,
        "listed_from": case.listed_from,
        "listed_until": case.listed_until,
        "objection_open": case.has_open_objection(),
        "measures": [
            {"code": task.measure.code, "title": task.measure.title,
             "department": task.department.code, "department_id": task.department_id,
             "state": task.state}
            for task in tasks
        ],
    }
