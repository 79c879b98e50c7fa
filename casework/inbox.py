"""A department's inbox: its pending moves, one row per open clock waiting on it.

``department_inbox`` is the one query behind the workbench inbox (and its benchmark):
``pending_moves(department)`` (``Deadline.objects.for_party`` without the publication
milestones) ordered by due time, read through the partial covering index ``deadline_inbox``
(workflows/models/sla.py), whose condition is exactly ``pending_moves``'. ``inbox_counts``
counts the same rows by SLA state from that index alone (an index-only scan: the index
carries every column ``sla_filters`` reads, and the visibility map must be current —
VACUUM, normally autovacuum). ``sla_state`` names the colour of a row: on time, warned,
breached, 督办 (leadership office), or paused; the counts equal it applied row by row.
"""

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
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
    # The row shows the case and its subject; not the policy (one model less to build a row).
    return rows.select_related("case__subject").order_by("due_at", "pk")


def inbox_counts(department_id: int, now: datetime | None = None) -> dict[str, int]:
    """How many of the department's open clocks are in each SLA state (one query, index-only)."""
    now = now or timezone.now()
    counts = dict.fromkeys(SLA_LABELS, 0)
    if connection.vendor != "postgresql":  # the embedded SQLite: the queryset as it is
        counts.update(dict(_counts_query(department_id, now)))
        return counts
    sql, params, department_at, now_at = _counts_statement()
    bound = list(params)
    for index in department_at:
        bound[index] = department_id
    for index in now_at:
        bound[index] = now
    # Serial: the planner reads the department's share of the whole table, not of the index's
    # condition (25 352 estimated for 445 entries of 市税务局 on the 1 000 000-case city), and
    # starts two parallel workers whose Gather costs some 10 ms of a scan under 1 ms.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, bound)
        counts.update(dict(cursor.fetchall()))
    return counts


# Stand-ins compiled into the counts' statement, then replaced by the call's department and time.
_SOME_DEPARTMENT = -1_999_999_997
_SOME_TIME = datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=UTC)


@functools.cache
def _counts_statement() -> tuple[str, tuple[Any, ...], tuple[int, ...], tuple[int, ...]]:
    """The counts' SQL on PostgreSQL, compiled once per process (the ORM built the CASE and its Q
    objects at each call: most of inbox_counts' time, the scan itself is under 1 ms), with the
    positions of its department and time parameters: the statement of _counts_query."""
    sql, params = _counts_query(_SOME_DEPARTMENT, _SOME_TIME).query.sql_with_params()
    department_at = tuple(i for i, value in enumerate(params) if value == _SOME_DEPARTMENT)
    now_at = tuple(i for i, value in enumerate(params) if value == _SOME_TIME)
    if not department_at or not now_at:  # PostgreSQL takes a datetime parameter as it is
        raise RuntimeError(f"the inbox counts' parameters are not where they were: {sql} {params}")
    return sql, tuple(params), department_at, now_at


def _counts_query(department_id: int, now: datetime) -> QuerySet[Deadline, tuple[Any, ...]]:
    """(sla, n) of the department's pending moves: the rule of sla_state as one ordered CASE (the
    first state that holds), grouped; the same split as sla_filters without their nested negations."""
    state = Case(
        When(escalation_level__gte=LEVEL_LEADERSHIP, then=Value(LEADERSHIP)),
        When(state=DeadlineState.PAUSED, then=Value(PAUSED)),
        When(Q(state=DeadlineState.BREACHED) | Q(due_at__lte=now) | Q(escalation_level=LEVEL_BREACH),
             then=Value(BREACHED)),
        When(Q(escalation_level=LEVEL_WARNING) | Q(warn_at__lte=now), then=Value(WARNED)),
        default=Value(ON_TIME), output_field=CharField(),
    )
    grouped = pending_moves(department_id).annotate(sla=state).values_list("sla")
    return grouped.annotate(n=Count("pk")).order_by()


def pending_moves(department_id: int) -> QuerySet[Deadline]:
    """The department's open clocks waiting on its move: the condition of index deadline_inbox."""
    return Deadline.objects.for_party(department_id).exclude(step__in=MILESTONES)
