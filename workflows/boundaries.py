"""Rule-set boundaries: the day a newer policy row takes effect, applied once to running clocks.

A clock keeps the row in force when its step started, except where that row says
``lighter_rule_applies`` (从旧兼从轻): then a newer row in force today that is shorter applies to
it (``workflows.services.rule_in_force``). Today's date alone decides that, so a clock must be
moved when a boundary is reached — the ``effective_from`` of any policy row (e.g. 2025-06-22,
国办发〔2025〕22号 in force; 2026-04-01, 国家发展改革委令第36号 in force).

The sweep calls ``apply_reached_boundaries`` first. Each reached boundary gets a
``RuleSetBoundary`` row; the sweep that locks the unapplied rows (``FOR UPDATE SKIP LOCKED``: one
sweeper, the others go on) moves the open clocks whose rows take a lighter rule
(``planned_moves`` / ``apply_move``, each move audited as ``sla_recompute`` does) and marks the rows
applied in the same transaction. A boundary therefore runs once; a second sweep moves nothing.
Several boundaries reached at once (a first sweep after deployment) are applied by one pass,
since the rules in force today decide every move; that pass's count is on the latest row.
A row edited in place (same ``effective_from``) is not a boundary: ``manage.py sla_recompute``.
"""

import logging
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from workflows.models import Policy, RuleSetBoundary
from workflows.services import apply_move, open_deadlines, planned_moves

logger = logging.getLogger(__name__)


def reached_days(now: datetime) -> set[date]:
    """The boundaries reached by ``now``: every policy row's ``effective_from`` up to today."""
    today = timezone.localdate(now)
    return set(Policy.objects.filter(effective_from__lte=today).order_by()  # no ordering columns
               .values_list("effective_from", flat=True).distinct())


def apply_reached_boundaries(now: datetime) -> int:
    """Apply every reached boundary not yet applied; returns how many clocks moved."""
    applied = set(RuleSetBoundary.objects.filter(applied_at__isnull=False)
                  .values_list("effective_on", flat=True))
    pending = reached_days(now) - applied
    if not pending:  # the usual sweep: two small reads
        return 0
    RuleSetBoundary.objects.bulk_create([RuleSetBoundary(effective_on=day) for day in sorted(pending)],
                                        ignore_conflicts=True)
    with transaction.atomic():
        claimed = list(RuleSetBoundary.objects.select_for_update(skip_locked=True)
                       .filter(effective_on__in=pending, applied_at__isnull=True).order_by("effective_on"))
        if not claimed:  # another sweeper holds them, or applied them meanwhile
            return 0
        moved, failed = move_running_clocks()
        for boundary in claimed:
            boundary.applied_at = now
        claimed[-1].moved, claimed[-1].failed = moved, failed
        RuleSetBoundary.objects.bulk_update(claimed, ["applied_at", "moved", "failed"])
    logger.info("Rule-set boundaries %s applied: %d clocks moved, %d failed",
                ", ".join(boundary.effective_on.isoformat() for boundary in claimed), moved, failed)
    return moved


def move_running_clocks() -> tuple[int, int]:
    """Move the open clocks a lighter newer rule now applies to; (moved, failed).

    Only clocks whose row says ``lighter_rule_applies`` can change at a boundary: the others
    keep the row of their start day whatever today is. Each move is its own savepoint, so one
    row that raises is logged and the others still move.
    """
    moved = failed = 0
    clocks = open_deadlines().filter(policy__lighter_rule_applies=True).order_by("pk")
    for move in list(planned_moves(clocks)):
        try:
            apply_move(move)
        except Exception:
            logger.exception("Rule-set boundary: moving deadline %s failed", move.deadline_id)
            failed += 1
        else:
            moved += 1
    return moved, failed
