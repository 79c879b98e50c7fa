"""Live dashboard counts: when a clock changes state, the leadership office's pages are told.

A transition (the casework ``notifications`` hook) or a sweep batch (the sweep's
escalation receivers) may move a clock between open, overdue and closed. After the
transaction commits, one hint goes to the channel group of every leadership-office
department (``dept.<id>``, which its users join on the notifications WebSocket); the
page then reads the figures again (``/api/v1/oversight/dashboard/``). A hint is not
the record: if it is lost, the next one (or a reload) shows the same figures.
"""

from typing import Any

from django.db import transaction

from casework.choices import DepartmentKind

EVENT = "oversight.changed"


def leadership_groups() -> list[str]:
    """The leadership office's groups (its department ids cached per process: casework/caches.py)."""
    from casework import caches
    from casework.models import Department
    from notifications.transports.inapp import department_group

    ids = caches.departments_by_kind.get(DepartmentKind.LEADERSHIP, lambda: tuple(
        Department.objects.filter(kind=DepartmentKind.LEADERSHIP).values_list("pk", flat=True)))
    return [department_group(pk) for pk in ids]


def push(reason: str, count: int = 1) -> None:
    from notifications.live import group_send_many

    # "activity": the staff pages refetch their live regions (workbench.js), the dashboard among them.
    payload = {"type": "activity", "event": EVENT, "reason": reason, "count": count}
    group_send_many([(group, {"type": "department.activity", "payload": payload})
                     for group in leadership_groups()])


def on_transition(event: Any) -> None:
    """casework.hooks receiver: any transition may open, close or pause a tracked clock."""
    transaction.on_commit(lambda: push("transition"))


def on_escalations(escalations: list[Any]) -> None:
    """Sweep receiver: a batch fired rungs (a breach makes a clock overdue)."""
    if escalations:
        count = len(escalations)
        transaction.on_commit(lambda: push("sweep", count))


def tell_department(department_id: int, event: str, note_id: int) -> None:
    """A hint to the chased department's pages (its inbox shows the note)."""
    from notifications.live import group_send_many
    from notifications.transports.inapp import department_group

    payload = {"type": "activity", "event": event, "note_id": note_id, "count": 1}
    group_send_many([(department_group(department_id), {"type": "department.activity", "payload": payload})])
