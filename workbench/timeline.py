"""A case's clocks and its one timeline: transitions, field changes and deadline events.

Each clock says why it is where it is, by which rule: the policy in force when its step
started (length, clock, legal source), its start, the days restored after pauses, its
extensions and every event of its life (the ``DeadlineEvent`` rows the SLA engine writes).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from casework.inbox import SLA_LABELS, sla_state
from casework.models import AuditEvent, Case
from workbench.labels import audit_action_label
from workflows.choices import DeadlineState
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
    if deadline.is_open() and deadline.due_at <= now and deadline.state != DeadlineState.PAUSED:
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


def model_of(object_type: str) -> type[models.Model] | None:
    """The model an audit event's ``object_type`` (a model name, e.g. ``measuretask``) names."""
    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return model
    return None


def field_of(model: type[models.Model] | None, name: str) -> "models.Field[Any, Any] | None":
    if model is None:
        return None
    try:
        return model._meta.get_field(name.removesuffix("_id"))  # type: ignore[return-value]
    except FieldDoesNotExist:
        return None


def shown_value(field: "models.Field[Any, Any] | None", value: Any) -> str:
    """A recorded value as the page's reader reads it: a choice's label, yes/no, local time, the
    name of the row a key points at."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(field, models.ForeignKey) and isinstance(value, int):
        related = field.related_model._default_manager.filter(pk=value).first()  # type: ignore[union-attr]
        return str(related) if related is not None else str(value)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and "T" in value:
        moment = parse_datetime(value)
        if moment is not None:
            return local_minute(moment) if timezone.is_aware(moment) else moment.strftime("%Y-%m-%d %H:%M")
    return str(value)


def audit_item(event: AuditEvent) -> dict[str, Any]:
    """One audit event in the page's language: the object's, the action's and the fields' names."""
    model = model_of(event.object_type)
    state = field_of(model, "state")
    changes = []
    for name, values in sorted(event.changes.items()):
        field = field_of(model, name)
        label = str(field.verbose_name) if field is not None else name
        if name.startswith("deadline:"):  # workflows.services.mirror: "deadline:<step>:due_on"
            step = name.split(":")[1]
            steps = dict(Deadline._meta.get_field("step").flatchoices)
            label = _("%(step)s due on") % {"step": steps.get(step, step)}
        old, new = (list(values) + [None, None])[:2] if isinstance(values, list | tuple) else (None, values)
        changes.append((label, (shown_value(field, old), shown_value(field, new))))
    kind = str(model._meta.verbose_name) if model is not None else event.object_type
    return {"at": event.at, "source": "audit", "object": f"{kind} #{event.object_id}",
            "action": audit_action_label(event.object_type, event.action),
            "from_state": shown_value(state, event.from_state) if event.from_state else "",
            "to_state": shown_value(state, event.to_state) if event.to_state else "",
            "actor": event.actor, "department": event.actor_department, "changes": changes}


def case_timeline(case: Case) -> list[dict[str, Any]]:
    """Audit events and deadline events of the case, oldest first, in one list."""
    items: list[dict[str, Any]] = []
    for event in AuditEvent.objects.filter(case=case).select_related("actor", "actor_department") \
            .order_by("seq")[:TIMELINE_LIMIT]:
        items.append(audit_item(event))
    for event in DeadlineEvent.objects.filter(deadline__case=case).select_related("deadline", "actor") \
            .order_by("at", "pk")[:TIMELINE_LIMIT]:
        items.append({"at": event.at, "source": "deadline", "object": event.deadline.get_step_display(),
                      "action": event.get_kind_display(),
                      "old_due": event.old_due, "new_due": event.new_due, "actor": event.actor,
                      "detail": event.detail})
    return sorted(items, key=lambda item: item["at"])
