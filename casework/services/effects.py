"""What one transition does to other rows, inside the same transaction.

Each effect goes through the same door (advance / create_step), so it is
guarded, audited and notified like any other step. ``run`` is the receiver of the
``effects`` extension point (casework/hooks.py): the engine sends the point, and
does not import this module, which calls back into it.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from casework.hooks import TransitionEvent
from casework.models import Case, Measure, MeasureTask, Talk
from casework.services.engine import advance, create_step
from casework.services.objections import apply_objection_outcome
from workflows.case import ExitInput, ExitReason, Relisting
from workflows.guards import RuleRefused
from workflows.measure_task import (
    LIVE_STATES,
    MeasureTaskState,
    Reinstatement,
    TerminationRequest,
    WrongListingNotice,
)
from workflows.talk import TalkKind, TalkOutcome, talk_kind_for


def push_measures(event: TransitionEvent) -> None:
    """On listing (determined here, or a recorded determination), one measure task per
    catalogue measure to its joint department."""
    case: Case = event.obj
    for measure in measures_for(case):
        task = MeasureTask(case=case, measure=measure, department=measure.department)
        create_step(task, event.actor, {"measure": measure.code})


def measures_for(case: Case) -> list[Measure]:
    """The case's measures: those chosen for it, else the catalogue's; each must fit (Measure.misfit)."""
    basis_ids = set(case.legal_bases.values_list("pk", flat=True))
    chosen = list(case.measures.filter(active=True).select_related("department", "legal_basis"))
    for measure in chosen:
        if reason := measure.misfit(case.list_type, basis_ids):
            raise RuleRefused("measure_not_fitting", reason)
    if chosen:
        return chosen
    candidates = Measure.objects.filter(
        legal_basis__in=basis_ids, active=True
    ).select_related("department", "legal_basis").distinct()
    return [measure for measure in candidates if measure.misfit(case.list_type, basis_ids) is None]


def terminate_measures(event: TransitionEvent) -> None:
    """On exit (repair, expiry, revocation) every live measure gets a termination request."""
    case: Case = event.obj
    reason = recorded(_("The case exited the list: %(reason)s"), reason=ExitReason(case.exit_reason).label)
    for task in case.measuretasks.filter(state__in=LIVE_STATES).order_by("pk"):
        advance(task, "request_termination", event.actor, TerminationRequest(reason=reason))


def reinstate_measures(event: TransitionEvent) -> None:
    """On relisting (撤销修复), every measure the exit ended is pushed again to its department,
    each through its own ``reinstate`` (a new acknowledgement clock, the department told).
    A measure since taken out of the catalogue is not pushed again."""
    case: Case = event.obj
    reason = recorded(_("The case was listed again: %(grounds)s"), grounds=event.data.grounds)
    ended = case.measuretasks.filter(
        ended_by_exit=True, measure__active=True,
        state__in=[MeasureTaskState.TERMINATING, MeasureTaskState.TERMINATED],
    ).order_by("pk")
    for task in ended:
        advance(task, "reinstate", event.actor, Reinstatement(reason=reason))


def notify_wrong_listing(event: TransitionEvent) -> None:
    """A record revoked as wrongly listed after its exit (鞍政办发〔2020〕18号 第十四项: 消除不良影响):
    every joint department that had one of its measures is told, each task through its own
    ``notify_wrong_listing`` (audited; the notice ``measure_wrongly_listed``), whatever its state."""
    case: Case = event.obj
    for task in case.measuretasks.filter(wrong_listing_notified_at__isnull=True).order_by("pk"):
        advance(task, "notify_wrong_listing", event.actor, WrongListingNotice(grounds=event.data.grounds))


def require_talk_for_overdue(event: TransitionEvent) -> None:
    """Plan item 10: an overdue rectification requires a talk by the owner department."""
    case = event.case
    kind = talk_kind_for(case.list_type, TalkKind.PROMPT)
    talk = Talk(case=case, kind=kind, organiser=case.owner_department,
                reason=recorded(_("Rectification no. %(number)s is overdue"), number=event.obj.pk))
    create_step(talk, event.actor, {"rectification": event.obj.pk})


def warning_after_fruitless_talk(event: TransitionEvent) -> None:
    """A prompt talk held without result calls the subject to a warning talk (警示约谈)."""
    talk = event.obj
    if talk.kind != TalkKind.PROMPT or talk.outcome != TalkOutcome.FRUITLESS:
        return
    case = event.case
    warning = Talk(case=case, kind=TalkKind.WARNING, organiser=case.owner_department,
                   reason=f"prompt talk {talk.pk} fruitless")
    create_step(warning, event.actor, {"kind": TalkKind.WARNING, "after_talk": talk.pk})


def exit_repaired(event: TransitionEvent) -> None:
    advance(event.case, "exit", event.actor, ExitInput(reason=ExitReason.REPAIRED))


def relist_revoked_repair(event: TransitionEvent) -> None:
    """撤销修复: the case the revoked repair closed is listed and published again."""
    grounds = recorded(_("Credit repair no. %(number)s revoked for false material: %(material)s"),
                       number=event.obj.pk, material=event.data.false_material)
    advance(event.case, "relist", event.actor, Relisting(grounds=grounds))


EFFECTS: dict[tuple[str, str], Callable[[TransitionEvent], None]] = {
    ("case", "determine"): push_measures,
    ("case", "record_determination"): push_measures,
    ("case", "exit"): terminate_measures,
    ("case", "relist"): reinstate_measures,
    ("case", "revoke_as_wrongly_listed"): notify_wrong_listing,
    ("objection", "uphold"): apply_objection_outcome,
    ("objection", "uphold_in_part"): apply_objection_outcome,
    ("objection", "withdraw_record"): apply_objection_outcome,
    ("rectification", "mark_overdue"): require_talk_for_overdue,
    ("talk", "hold"): warning_after_fruitless_talk,
    ("repairapplication", "approve"): exit_repaired,
    ("repairapplication", "revoke"): relist_revoked_repair,
}


def recorded(message: Any, **values: Any) -> str:
    """A reason written into a step, as the notices that quote it read it: in the default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % values


def run(event: TransitionEvent) -> None:
    """The ``effects`` point's receiver: the effect of this transition in EFFECTS, if any."""
    effect = EFFECTS.get((event.obj._meta.model_name, event.name))
    if effect is not None:
        # The effect moves other steps, and their clocks: what the deadlines hook read for this
        # transition no longer describes the case (the notices read the clocks again).
        event.extra.pop("clocks", None)
        effect(event)
