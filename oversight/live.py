"""Live dashboard counts: when a clock changes state, the leadership office's pages are told.

A transition (the casework ``notifications`` hook) or a sweep batch (the sweep's
escalation receivers) may move a clock between open, overdue and closed. After the
transaction commits, one hint goes to the channel group of every leadership-office
department (``dept.<id>``, which its users join on the notifications WebSocket); the
page then reads the figures again (``/api/v1/oversight/dashboard/``). A hint is not
the record: if it is lost, the next one (or a reload) shows the same figures.
"""

import asyncio
import os
import threading
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
    transaction.on_commit(hint_transition)


# On a shared channel layer (Redis) a process's transition hints within this long travel as one,
# their counts summed: each was a Redis round trip the committing request waited for (~1 ms of
# its CPU and 3 ms of its time, docs/benchmarks.md). Not a legal period: how stale a dashboard
# may be after a step, at most.
HINT_WINDOW_SECONDS = 0.25

_hints_lock = threading.Lock()
_hints_pending = 0


def _forget_hints_after_fork() -> None:
    global _hints_lock, _hints_pending
    _hints_lock, _hints_pending = threading.Lock(), 0


os.register_at_fork(after_in_child=_forget_hints_after_fork)


def hint_transition() -> None:
    """After a transition's commit: tell the leadership office's pages, at most one hint per
    ``HINT_WINDOW_SECONDS`` per process on a shared layer (sent from the process's live loop,
    without waiting: a hint is not the record). The in-memory layer (one server process)
    is told at once, as before."""
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    from notifications.live import process_loop

    global _hints_pending
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        push("transition")
        return
    with _hints_lock:
        _hints_pending += 1
        if _hints_pending > 1:  # a send is scheduled and will count this one
            return
    groups = leadership_groups()  # here, not in the loop: it may read the database
    loop = process_loop()
    loop.call_soon_threadsafe(loop.call_later, HINT_WINDOW_SECONDS, _send_hints, layer, groups)


def _send_hints(layer: Any, groups: list[str]) -> None:
    """On the live loop: one hint with the count of the transitions committed since it was scheduled."""
    from notifications.live import send_all

    global _hints_pending
    with _hints_lock:
        count, _hints_pending = _hints_pending, 0
    payload = {"type": "activity", "event": EVENT, "reason": "transition", "count": count}
    task = asyncio.get_running_loop().create_task(send_all(
        layer, [(group, {"type": "department.activity", "payload": payload}) for group in groups]))
    _sending.add(task)  # the loop keeps only a weak reference to a task
    task.add_done_callback(_sending.discard)


_sending: set[asyncio.Task[None]] = set()


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
