"""A case's clocks and its one timeline: transitions, field changes and deadline events.

Each clock says why it is where it is, by which rule: the policy in force when its step
started (length, clock, legal source), its start, the days restored after pauses, its
extensions and every event of its life (the ``DeadlineEvent`` rows the SLA engine writes).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.inbox import SLA_LABELS, sla_state
from casework.models import AuditEvent, Case
from workflows.models import Deadline, DeadlineEvent

TIMELINE_LIMIT = 500


@dataclass
class Clock:
    deadline: Deadline
    sla: str
    sla_label: str
    why: str
    events: list[DeadlineEvent] = field(default_factory=list)


def local_minute(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def explain(deadline: Deadline, now: datetime) -> str:
    """In words: due when, by which rule, counted from when, with pauses and extensions."""
    policy = deadline.policy
    parts = [_("%(length)s %(clock)s from %(start)s (%(step)s), due %(due)s.") % {
        "length": deadline.length, "clock": policy.get_clock_display(), "start": deadline.started_on,
        "step": deadline.get_step_display(), "due": local_minute(deadline.due_at),
    }]
    if deadline.paused_days:
        parts.append(_("%(days)s working days restored after pauses.") % {"days": deadline.paused_days})
    if deadline.paused_since:
        parts.append(_("Paused since %(date)s.") % {"date": deadline.paused_since})
    if deadline.extension:
        parts.append(_("Extended by %(length)s.") % {"length": deadline.extension})
    if deadline.is_open() and deadline.due_at <= now and deadline.state != "paused":
        parts.append(_("Overdue since %(due)s.") % {"due": local_minute(deadline.due_at)})
    parts.append(_("Rule: %(source)s") % {"source": policy.source})
    return " ".join(parts)


def case_clocks(case: Case) -> list[Clock]:
    now = timezone.now()
    deadlines = list(Deadline.objects.filter(case=case).select_related("policy").order_by("opened_at", "pk"))
    events: dict[int, list[DeadlineEvent]] = {}
    for event in DeadlineEvent.objects.filter(deadline__case=case).order_by("at", "pk"):
        events.setdefault(event.deadline_id, []).append(event)
    clocks = []
    for deadline in deadlines:
        state = sla_state(deadline, now) if deadline.is_open() else ""
        clocks.append(Clock(deadline=deadline, sla=state, sla_label=str(SLA_LABELS.get(state, "")),
                            why=explain(deadline, now), events=events.get(deadline.pk, [])))
    return clocks


def case_timeline(case: Case) -> list[dict[str, Any]]:
    """Audit events and deadline events of the case, oldest first, in one list."""
    items: list[dict[str, Any]] = []
    for event in AuditEvent.objects.filter(case=case).select_related("actor", "actor_department") \
            .order_by("seq")[:TIMELINE_LIMIT]:
        items.append({"at": event.at, "source": "audit", "object": f"{event.object_type} #{event.object_id}",
                      "action": event.action, "from_state": event.from_state, "to_state": event.to_state,
                      "actor": event.actor, "department": event.actor_department,
                      "changes": [(name, values) for name, values in sorted(event.changes.items())]})
    for event in DeadlineEvent.objects.filter(deadline__case=case).select_related("deadline", "actor") \
            .order_by("at", "pk")[:TIMELINE_LIMIT]:
        items.append({"at": event.at, "source": "deadline", "object": event.deadline.get_step_display(),
                      "action": event.get_kind_display(),
                      "old_due": event.old_due, "new_due": event.new_due, "actor": event.actor,
                      "detail": event.detail})
    return sorted(items, key=lambda item: item["at"])
