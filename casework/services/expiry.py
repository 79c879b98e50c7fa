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
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework import audit, hooks
from casework.models import Case
from casework.services.actors import system_actor
from casework.services.engine import advance
from workflows.case import failing_exit_condition
from workflows.choices import DeadlineState, TimelineKind
from workflows.models import Deadline, DeadlineEvent
from workflows.services import close

SERVED = "maximum publication period served"


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
