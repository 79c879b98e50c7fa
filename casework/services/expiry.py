"""The exit at the end of the maximum publication period, and the condition its rule sets.

The maximum publication row says what must hold, besides the period having passed, before
the case exits as expired (``Policy.exit_condition``, with its source; the shipped default:
every ordered rectification accepted, ``Case.rectification_done``). The sweep calls
``exit_expired`` with the case and the clock locked:

* the condition holds → the clock closes as met and the case exits as expired;
* it does not → the case stays listed (**held**): the clock is checked again after
  ``SLA_EXIT_RECHECK_SECONDS`` and exits at the first check the condition holds. The first
  hold of a clock is written to its timeline (``held``, once: the constraint
  ``deadline_event_held_once``), audited on the case's chain (``exit_held``) and sent to the
  ``exit_held`` extension point (casework/hooks.py: the notifications app tells the owner
  department and the leadership office). Later checks that find it still held only move the next check.

An external record keeps no publication clocks (workflows.hooks, ``Open.kept_when``): the
sweep exits it as expired once its ``listed_until`` has passed (``exit_expired_records``). It
has no exit condition to wait for: the city orders no rectification on it.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework import audit, hooks
from casework.choices import CaseOrigin
from casework.models import Case
from casework.services.actors import system_actor
from casework.services.engine import advance
from workflows.case import CaseState, failing_exit_condition
from workflows.choices import DeadlineState, TimelineKind
from workflows.models import Deadline, DeadlineEvent
from workflows.services import close

SERVED = "maximum publication period served"
logger = logging.getLogger(__name__)


def recheck_delay() -> timedelta:
    return timedelta(seconds=getattr(settings, "SLA_EXIT_RECHECK_SECONDS", 3600))


def exit_expired(deadline: Deadline) -> bool:
    """Exit the case of a passed maximum publication clock, or hold it; True when it exited.

    Called with the case row and the clock locked (the sweep's due action).
    """
    case: Case = deadline.case
    condition = deadline.policy.exit_condition
    if not case.is_listed():  # exited or withdrawn meanwhile: the clock has nothing left to do
        close(deadline, DeadlineState.MET, detail_reason=SERVED)
        return False
    failing = failing_exit_condition(case, condition)
    if failing is not None:
        hold(deadline, failing.code)
        return False
    close(deadline, DeadlineState.MET, detail_reason=SERVED, exit_condition=condition)
    advance(case, "exit", system_actor(), {"reason": "expired"})
    return True


def hold(deadline: Deadline, rule: str) -> DeadlineEvent | None:
    """Keep the case listed and check again later; the clock's first hold is flagged (returned)."""
    deadline.next_fire_at = timezone.now() + recheck_delay()
    deadline.save(update_fields=["next_fire_at"])
    if deadline.events.filter(kind=TimelineKind.HELD).exists():
        return None
    policy = deadline.policy
    detail: dict[str, Any] = {"exit_condition": policy.exit_condition, "rule": rule,
                              "policy": policy.pk, "source": policy.source}
    try:
        with transaction.atomic():  # the constraint is the last word if two checks ever race
            event = DeadlineEvent.objects.create(deadline=deadline, kind=TimelineKind.HELD,
                                                 new_due=deadline.due_on, detail=detail)
    except IntegrityError:
        return None
    case: Case = deadline.case
    audit.append(obj=case, action="exit_held", actor=system_actor(), case=case,
                 payload={"deadline": deadline.pk, "listed_until": deadline.due_on.isoformat(),
                          **detail})
    hooks.EXIT_HELD.send(case, deadline, event)
    return event


def exit_expired_records(now: datetime, batch_size: int = 500) -> tuple[int, int]:
    """Exit as expired the listed external records whose listed_until is before ``now``'s day
    (they keep no maximum publication clock); one transaction each, the case locked (a case
    another worker holds is left to it). Returns (exited, failed): a record that raises is
    logged and left for the next sweep."""
    today = timezone.localdate(now)
    exited = failed = 0
    last = 0
    while True:
        ids = list(Case.objects.filter(origin=CaseOrigin.EXTERNAL, state=CaseState.LISTED,
                                       listed_until__lt=today, pk__gt=last)
                   .order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return exited, failed
        for pk in ids:
            try:
                with transaction.atomic():
                    case = (Case.objects.select_for_update(skip_locked=True)
                            .filter(pk=pk, state=CaseState.LISTED).first())
                    if case is None or not case.publication_max_passed(today):
                        continue
                    advance(case, "exit", system_actor(), {"reason": "expired"})
                    exited += 1
            except Exception:
                logger.exception("SLA sweep failed to exit external record %s", pk)
                failed += 1
        last = ids[-1]
