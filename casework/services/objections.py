"""What an objection's decision does to its case, inside the same transaction.

Each effect is a transition of the case through the same door (advance), so it is guarded,
audited and notified like any other step:

- correct, correct in part: the case's ``correct`` (its clocks re-derived);
- revoke: the case exits as revoked;
- stop publication (撤销公示): the case's ``stop_publication`` — it leaves the public pages;
- maintain the information, clear the label: the case exits as ``label_cleared``;
- withdraw the record (《行政处罚法》第四十八条第二款): the case exits as revoked, with the
  decision that revoked the penalty and the published reasons as its grounds;
- wrongly listed (an objection after exit upheld): the exited case's
  ``revoke_as_wrongly_listed`` (鞍政办发〔2020〕18号 第十四项: 消除不良影响).

A dismissal (maintain) changes nothing on the case: the 异议处理中 label leaves the record
because the objection is no longer open.
"""

from django.utils.translation import gettext_lazy as _

from casework.hooks import TransitionEvent
from casework.services.engine import advance
from workflows.case import Correction, ExitInput, ExitReason, PublicationStop, WrongListing
from workflows.objection import ObjectionOutcome as O
from workflows.objection import ObjectionState


def apply_objection_outcome(event: TransitionEvent) -> None:
    from casework.services.effects import recorded  # effects imports this module

    objection = event.obj
    if objection.outcome == O.WITHDRAW_RECORD:
        grounds = recorded(_("Objection no. %(number)s: the penalty was revoked (%(decision)s): %(reason)s"),
                           number=objection.pk, decision=objection.revoking_decision,
                           reason=objection.decision_reason)
    elif objection.state == ObjectionState.PARTLY_UPHELD:
        grounds = recorded(_("Objection no. %(number)s partly upheld: %(reason)s"),
                           number=objection.pk, reason=objection.upheld_part)
    else:
        grounds = recorded(_("Objection no. %(number)s upheld: %(reason)s"),
                           number=objection.pk, reason=objection.decision_reason)
    outcome = objection.outcome
    if outcome in (O.CORRECT, O.CORRECT_IN_PART):
        advance(event.case, "correct", event.actor, event.data.correction or Correction())
    elif outcome == O.REVOKE:
        advance(event.case, "exit", event.actor, ExitInput(reason=ExitReason.REVOKED, grounds=grounds))
    elif outcome == O.STOP_PUBLICATION:  # the machine refused it for a record not published
        advance(event.case, "stop_publication", event.actor, PublicationStop(grounds=grounds))
    elif outcome == O.CLEAR_LABEL:
        advance(event.case, "exit", event.actor,
                ExitInput(reason=ExitReason.LABEL_CLEARED, grounds=grounds))
    elif outcome == O.WITHDRAW_RECORD:
        advance(event.case, "exit", event.actor, ExitInput(reason=ExitReason.REVOKED, grounds=grounds))
    elif outcome == O.WRONGLY_LISTED:
        advance(event.case, "revoke_as_wrongly_listed", event.actor, WrongListing(grounds=grounds))
