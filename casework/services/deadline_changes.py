"""The audited changes of the SLA engine: one keyword-only function per change.

The deadline engine (``workflows/``) reaches the audit chain only through these functions,
never through ``casework.audit`` itself. Each records a moved due date on the case's chain,
old → new: where the step shows the date (``Deadline.mirror_field``, e.g. a rectification's
``due_on``) the step's field changes through ``record_change`` (versioned, case then step
locked); otherwise the event records the deadline's own due date
(``deadline:<step>:due_on``). Called inside the engine's transaction, the case row locked.
"""

from datetime import date
from typing import Any

from casework import audit
from casework.services.engine import record_change


def deadline_started_on_service(*, deadline: Any, actor: Any) -> None:
    """送达: a period that waited for service now runs from the day after it."""
    _record_moved_due_date(deadline, "deadline_started_on_service", actor, None)


def deadline_extended(*, deadline: Any, approver: Any, old_due: date) -> None:
    """An extension approved by the responsible department's head."""
    _record_moved_due_date(deadline, "deadline_extended", approver, old_due)


def deadline_recomputed(*, deadline: Any, actor: Any, old_due: date) -> None:
    """The policy in force or the working-day calendar changed under an open clock."""
    _record_moved_due_date(deadline, "deadline_recomputed", actor, old_due)


def deadline_resumed(*, deadline: Any, actor: Any, old_due: date) -> None:
    """A paused clock resumed: its due date moved by the days it was paused."""
    _record_moved_due_date(deadline, "deadline_resumed", actor, old_due)


def _record_moved_due_date(deadline: Any, action: str, actor: Any, old_due: date | None) -> None:
    target = deadline.target_type.get_object_for_this_type(pk=deadline.target_id)
    if deadline.mirror_field:
        old = getattr(target, deadline.mirror_field)
        if old != deadline.due_on:
            record_change(target, action, actor, {deadline.mirror_field: (old, deadline.due_on)},
                          {"deadline": deadline.pk, "step": deadline.step})
    elif old_due is not None and old_due != deadline.due_on:
        audit.append(obj=target, action=action, actor=actor, case=deadline.case,
                     changes={f"deadline:{deadline.step}:due_on": [old_due, deadline.due_on]},
                     payload={"deadline": deadline.pk})
