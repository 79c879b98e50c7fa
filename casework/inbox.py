"""A department's inbox: its pending moves, one row per open clock waiting on it.

``department_inbox`` is the one query behind the workbench inbox (and its benchmark):
``Deadline.objects.for_party(department)`` ordered by due time, read through the
partial index ``deadline_party_due`` (workflows/models/sla.py). ``sla_state`` names
the colour of a row: on time, warned, breached, 督办 (leadership office), or paused.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from workflows.choices import DeadlineState, Step
from workflows.models import Deadline

ON_TIME, WARNED, BREACHED, LEADERSHIP, PAUSED = "on_time", "warned", "breached", "leadership", "paused"
SLA_LABELS: dict[str, Promise] = {
    ON_TIME: _("On time"), WARNED: _("Warned"), BREACHED: _("Breached"),
    LEADERSHIP: _("督办 (leadership office)"), PAUSED: _("Paused"),
}
# Milestones of the publication window: the sweep acts on them (repair possible, exit as expired);
# they wait on nobody's move, so the inbox leaves them out.
MILESTONES = (Step.PUBLICATION_MIN, Step.PUBLICATION_MAX)
# escalation_level: 1 warned, 2 breached (department head told), 3 督办 (workflows.services.RUNG_LEVEL).
LEVEL_LEADERSHIP, LEVEL_BREACH, LEVEL_WARNING = 3, 2, 1


def sla_filters(now: datetime) -> dict[str, Q]:
    """One condition per SLA state; together they split the open clocks without overlap."""
    leadership = Q(escalation_level__gte=LEVEL_LEADERSHIP)
    paused = Q(state=DeadlineState.PAUSED) & ~leadership
    breached = (Q(state=DeadlineState.BREACHED) | Q(due_at__lte=now) | Q(escalation_level=LEVEL_BREACH)) \
        & ~leadership & ~paused
    warned = (Q(escalation_level=LEVEL_WARNING) | Q(warn_at__lte=now)) & ~leadership & ~paused & ~breached
    on_time = ~leadership & ~paused & ~breached & ~warned
    return {ON_TIME: on_time, WARNED: warned, BREACHED: breached, LEADERSHIP: leadership, PAUSED: paused}


def sla_state(deadline: Deadline, now: datetime) -> str:
    """The row rule of ``sla_filters`` for one clock."""
    if deadline.escalation_level >= LEVEL_LEADERSHIP:
        return LEADERSHIP
    if deadline.state == DeadlineState.PAUSED:
        return PAUSED
    if (deadline.state == DeadlineState.BREACHED or deadline.due_at <= now
            or deadline.escalation_level == LEVEL_BREACH):
        return BREACHED
    warned_by_time = deadline.warn_at is not None and deadline.warn_at <= now
    if deadline.escalation_level == LEVEL_WARNING or warned_by_time:
        return WARNED
    return ON_TIME


@dataclass(frozen=True)
class InboxFilter:
    sla: str = ""
    step: str = ""
    case_number: str = ""


def department_inbox(department_id: int, *, filters: InboxFilter | None = None,
                     now: datetime | None = None) -> QuerySet[Deadline]:
    """The department's open clocks waiting on its move, soonest due first (index deadline_party_due)."""
    filters = filters or InboxFilter()
    rows = pending_moves(department_id)
    if filters.sla in SLA_LABELS:
        rows = rows.filter(sla_filters(now or timezone.now())[filters.sla])
    if filters.step:
        rows = rows.filter(step=filters.step)
    if filters.case_number:
        rows = rows.filter(case__number__icontains=filters.case_number)
    return rows.select_related("case__subject", "policy").order_by("due_at", "pk")


def inbox_counts(department_id: int, now: datetime | None = None) -> dict[str, int]:
    """How many of the department's open clocks are in each SLA state (one query)."""
    now = now or timezone.now()
    aggregates: dict[str, Any] = {state: Count("pk", filter=condition)
                                  for state, condition in sla_filters(now).items()}
    return pending_moves(department_id).aggregate(**aggregates)


def pending_moves(department_id: int) -> QuerySet[Deadline]:
    return Deadline.objects.for_party(department_id).exclude(step__in=MILESTONES)
