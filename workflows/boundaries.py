"""Rule-set boundaries: the day a newer policy row takes effect, applied once to running clocks.

A clock keeps the row in force when its step started, except where that row says
``lighter_rule_applies`` (从旧兼从轻): then a newer row in force today that is shorter applies to
it (``workflows.services.rule_in_force``). Today's date alone decides that, so a clock must be
moved when a boundary is reached — the ``effective_from`` of any policy row (e.g. 2025-06-22,
国办发〔2025〕22号 in force; 2026-04-01, 国家发展改革委令第36号 in force).

The sweep calls ``apply_reached_boundaries`` first. Each reached boundary gets a
``RuleSetBoundary`` row; the open clocks whose rows take a lighter rule are then walked in
order of id, in batches of ``SLA_BOUNDARY_BATCH_SIZE`` clocks, each batch its own transaction:
it locks the unapplied rows (``FOR UPDATE SKIP LOCKED``: one sweeper at a time, the others go
on), moves the batch's clocks that the rules in force today move (``planned_moves`` /
``apply_move``, each move audited as ``sla_recompute`` does), and records on the rows how far
it got (``resume_after``, the last clock id walked) and the running counts; the batch that
finds no clock left marks the rows applied. A pass stopped half-way (a crash, a deploy)
therefore resumes where it stopped, and a clock already moved is not moved again (the
rules in force today give it the due date it has). A boundary runs once; a second sweep
moves nothing. Several boundaries reached at once (a first sweep after deployment) are
applied by one pass, since the rules in force today decide every move; that pass's count is
on the latest row. A boundary reached while an earlier pass is half-way joins it and the pass
starts again from the first clock (the rules in force changed).
A row edited in place (same ``effective_from``) is not a boundary: ``manage.py sla_recompute``.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
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


def batch_size() -> int:
    return int(getattr(settings, "SLA_BOUNDARY_BATCH_SIZE", 1000))


def apply_reached_boundaries(now: datetime) -> int:
    """Apply every reached boundary not yet applied, batch by batch; returns how many clocks moved."""
    applied = set(RuleSetBoundary.objects.filter(applied_at__isnull=False)
                  .values_list("effective_on", flat=True))
    pending = reached_days(now) - applied
    if not pending:  # the usual sweep: two small reads
        return 0
    RuleSetBoundary.objects.bulk_create([RuleSetBoundary(effective_on=day) for day in sorted(pending)],
                                        ignore_conflicts=True)
    moved = 0
    while True:
        step = apply_boundary_batch(pending, now, batch_size())
        if step is None:  # another sweeper holds the rows, or applied them meanwhile
            return moved
        moved += step.moved
        if step.done:
            return moved


@dataclass
class BoundaryBatch:
    walked: int
    moved: int
    failed: int
    done: bool


def apply_boundary_batch(pending: set[date], now: datetime, size: int) -> BoundaryBatch | None:
    """One batch of the pass, in its own transaction; None when no pending row could be locked."""
    with transaction.atomic():
        claimed = list(RuleSetBoundary.objects.select_for_update(skip_locked=True)
                       .filter(effective_on__in=pending, applied_at__isnull=True).order_by("effective_on"))
        if not claimed:
            return None
        # A row the pass has not reached yet (resume_after 0) restarts it: the rules in force changed.
        after = min(boundary.resume_after for boundary in claimed)
        ids = list(running_clocks().filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size])
        moved, failed = move_clocks(ids)
        done = len(ids) < size
        latest = claimed[-1]
        for boundary in claimed:
            boundary.resume_after = ids[-1] if ids else after
            if done:
                boundary.applied_at = now
        latest.moved += moved
        latest.failed += failed
        RuleSetBoundary.objects.bulk_update(claimed, ["applied_at", "resume_after", "moved", "failed"])
    days = ", ".join(boundary.effective_on.isoformat() for boundary in claimed)
    if done:
        logger.info("Rule-set boundaries %s applied: %d clocks moved, %d failed",
                    days, latest.moved, latest.failed)
    else:
        logger.info("Rule-set boundaries %s: clocks up to id %d walked, %d moved and %d failed so far",
                    days, latest.resume_after, latest.moved, latest.failed)
    return BoundaryBatch(walked=len(ids), moved=moved, failed=failed, done=done)


def running_clocks() -> Any:
    """The open clocks a boundary can move: only those whose row says ``lighter_rule_applies``.

    The others keep the row of their start day whatever today is.
    """
    return open_deadlines().filter(policy__lighter_rule_applies=True)


def move_clocks(ids: list[int]) -> tuple[int, int]:
    """Move those of ``ids`` that the rules in force today move; (moved, failed).

    Each move is its own savepoint, so one row that raises is logged and the others still move.
    """
    moved = failed = 0
    if not ids:
        return 0, 0
    for move in list(planned_moves(running_clocks().filter(pk__in=ids).order_by("pk"))):
        try:
            apply_move(move)
        except Exception:
            logger.exception("Rule-set boundary: moving deadline %s failed", move.deadline_id)
            failed += 1
        else:
            moved += 1
    return moved, failed
