"""Objection machine (异议): filed → under_review → upheld | partly_upheld | dismissed.

A dismissal can be re-reviewed (复核) once at the subject's request, within the window its
policy row gives, by a reviewer who did not dismiss it: re_review → upheld | partly_upheld |
confirmed. The subject may withdraw its objection while it is open (→ withdrawn); the owner
department rejects an inadmissible one (→ rejected).

An objection that the underlying administrative penalty was changed, revoked, confirmed
illegal or confirmed void (行政复议、行政诉讼) is not reviewed: the department withdraws the
record within the period of its policy row (《行政处罚法》第四十八条第二款、第八十五条:
three working days) — ``withdraw_record``, filed → upheld. The owner department's reviewer
records such a decision itself when it learns of it (casework.services.record_penalty_revocation):
the same objection kind and clock, filed by the department.

After a case has exited, its subject may object, within the window of its policy row, that it
was wrongly listed (harm from a wrong listing, 鞍政办发〔2020〕18号 第十四项): accepted and
decided on the objection clocks; upheld, the record is revoked as wrongly listed (the case's
``revoke_as_wrongly_listed``); dismissed, the record is maintained.

Every decision is a reviewer's of the owner department who did not draft the case. Its
effect on the case (correct, revoke, stop publication, clear the label, withdraw the
record) is run by the service (casework/services/objections.py); each outcome's notice to
the subject is the objection_result template.
"""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.case import Correction
from workflows.guards import Rule, RuleRefused, all_of
from workflows.payloads import NoInput, PayloadInvalid, Reasons, choice, optional, payload, text
from workflows.rules import OWNER_REVIEWER, OWNER_STAFF, case_subject


class ObjectionState(models.TextChoices):
    FILED = "filed", _("Filed")
    UNDER_REVIEW = "under_review", _("Under review")
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    DISMISSED = "dismissed", _("Dismissed")
    RE_REVIEW = "re_review", _("Under re-review (复核)")
    CONFIRMED = "confirmed", _("Dismissal confirmed on re-review")
    REJECTED = "rejected", _("Rejected as inadmissible")
    WITHDRAWN = "withdrawn", _("Withdrawn by the subject")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.FILED, cls.UNDER_REVIEW, cls.RE_REVIEW)

    @classmethod
    def terminal_states(cls) -> tuple[str, ...]:
        return (cls.UPHELD, cls.PARTLY_UPHELD, cls.CONFIRMED, cls.REJECTED, cls.WITHDRAWN)

    @classmethod
    def decided_states(cls) -> tuple[str, ...]:
        """A decision on the merits was made (a dismissal may still be re-reviewed)."""
        return (cls.UPHELD, cls.PARTLY_UPHELD, cls.DISMISSED, cls.CONFIRMED)


class ObjectionKind(models.TextChoices):
    """What the objection is against; it decides which outcomes an upholding may have."""

    DETERMINATION = "determination", _("The determination (认定)")
    PUBLICATION_PERIOD = "publication_period", _("The publication period (公示期限)")
    REPAIR_RESULT = "repair_result", _("A credit repair result (信用修复结果)")
    PENALTY_REVOKED = "penalty_revoked", _(
        "The underlying penalty was changed, revoked or confirmed illegal or void (行政复议、行政诉讼)"
    )
    WRONGFUL_LISTING = "wrongful_listing", _("After exit: harm from a wrong listing (错误列入名单)")


class ObjectionOutcome(models.TextChoices):
    """Every outcome an objection's decision records (the column's values)."""

    CORRECT = "correct", _("Correct the record")
    REVOKE = "revoke", _("Revoke the determination")
    STOP_PUBLICATION = "stop_publication", _("Stop the publication (撤销公示)")
    CORRECT_IN_PART = "correct_in_part", _("Correct the record in part")
    CLEAR_LABEL = "clear_label", _("Maintain the information, clear the dishonesty label")
    MAINTAIN = "maintain", _("Maintain the record")
    WITHDRAW_RECORD = "withdraw_record", _("Withdraw the record (the penalty was revoked)")
    WRONGLY_LISTED = "wrongly_listed", _("Revoke the record as wrongly listed (错误认定，予以撤销)")


class UpholdOutcome(models.TextChoices):
    """What upholding an objection in full does to the case."""

    CORRECT = ObjectionOutcome.CORRECT.value, ObjectionOutcome.CORRECT.label
    REVOKE = ObjectionOutcome.REVOKE.value, ObjectionOutcome.REVOKE.label
    STOP_PUBLICATION = ObjectionOutcome.STOP_PUBLICATION.value, ObjectionOutcome.STOP_PUBLICATION.label
    WRONGLY_LISTED = ObjectionOutcome.WRONGLY_LISTED.value, ObjectionOutcome.WRONGLY_LISTED.label


class PartOutcome(models.TextChoices):
    """What upholding an objection in part does to the case."""

    CORRECT_IN_PART = ObjectionOutcome.CORRECT_IN_PART.value, ObjectionOutcome.CORRECT_IN_PART.label
    CLEAR_LABEL = ObjectionOutcome.CLEAR_LABEL.value, ObjectionOutcome.CLEAR_LABEL.label


# The outcomes an upholding may have, by kind. An objection to the publication period is
# answered by a corrected end of listing or by stopping the publication; one to a repair
# result, when upheld, does what the repair would have done: the publication stops
# (国家发展改革委令第58号 第三条 defines 信用信息修复, its 第二条 is the right to it; 第36号 第三条, in
# force from 2026-04-01: 信用修复 ends the publication, the sharing and the measures).
# An objection after exit for a wrong listing is answered by one outcome: the record is revoked
# as wrongly listed (the case has exited already: nothing is left to correct or stop).
OUTCOMES_BY_KIND: dict[str, tuple[str, ...]] = {
    ObjectionKind.DETERMINATION: (
        ObjectionOutcome.CORRECT, ObjectionOutcome.REVOKE, ObjectionOutcome.STOP_PUBLICATION,
        *PartOutcome.values,
    ),
    ObjectionKind.PUBLICATION_PERIOD: (
        ObjectionOutcome.CORRECT, ObjectionOutcome.STOP_PUBLICATION, ObjectionOutcome.CORRECT_IN_PART,
    ),
    ObjectionKind.REPAIR_RESULT: (ObjectionOutcome.STOP_PUBLICATION,),
    ObjectionKind.PENALTY_REVOKED: (),
    ObjectionKind.WRONGFUL_LISTING: (ObjectionOutcome.WRONGLY_LISTED,),
}
CORRECTING = (ObjectionOutcome.CORRECT, ObjectionOutcome.CORRECT_IN_PART)


@payload
class Upholding:
    """Uphold the objection in full: the outcome's effect runs on the case."""

    outcome: UpholdOutcome = choice(_("Outcome"))
    reason: str = text(_("Reasons"))
    correction: Correction | None = optional(_("Correction (when the outcome is to correct)"))


@payload
class PartUpholding:
    """Uphold the objection in part: what is upheld, what is maintained and why."""

    outcome: PartOutcome = choice(_("Outcome"))
    upheld_part: str = text(_("What is upheld"))
    reason: str = text(_("Reasons for what is maintained"))
    correction: Correction | None = optional(_("Correction (when part of the record is corrected)"))


@payload
class ReReviewRequest:
    """The subject asks for a re-review (复核) of the dismissal."""

    grounds: str = text(_("Grounds of the re-review request"))


@payload
class ObjectionWithdrawal:
    """The subject withdraws its objection (撤回异议申请)."""

    reason: str = text(_("Why the objection is withdrawn"), required=False)


@payload
class RecordWithdrawal:
    """The record is withdrawn because its underlying penalty no longer stands (公开说明理由)."""

    revoking_decision: str = text(
        _("The decision that changed or revoked the penalty (复议决定书、判决书 and its number)"),
        max_length=200,
    )
    reason: str = text(_("Reasons, published with the withdrawal (公开说明理由)"))


owner_staff = all_of(*OWNER_STAFF)
owner_reviewer = all_of(*OWNER_REVIEWER)
# 复核: the re-review is decided by a reviewer who did not make the dismissal.
other_reviewer = Rule(
    "re_review_by_another_reviewer",
    _("A re-review is decided by a reviewer who did not dismiss the objection."),
    lambda objection, actor: objection.state != ObjectionState.RE_REVIEW
    or actor.pk != objection.decided_by_id,
)
decision_reviewer = all_of(*OWNER_REVIEWER, other_reviewer)
subject_of_case = all_of(case_subject)
# A revoked penalty the department recorded itself is not the subject's to withdraw.
own_objection = Rule(
    "not_own_objection",
    _("Only the subject who filed an objection may withdraw it."),
    lambda objection, actor: objection.filed_by_id == actor.pk,
)
filer_of_objection = all_of(case_subject, own_objection)

re_review_window = Rule(
    "re_review_window_closed",
    _("A re-review can be requested once, within the period after the dismissal was served."),
    lambda objection: objection.re_review_window_open(timezone.localdate()),
)
reviewable = Rule(
    "penalty_revoked_is_withdrawn",
    _("An objection that the underlying penalty was revoked is not reviewed: the record is withdrawn."),
    lambda objection: objection.kind != ObjectionKind.PENALTY_REVOKED,
)
# Testing, appraisal or expert review (河南 Art 41) is suspended once and resumed once: a
# review already suspended is not suspended again, and only a suspended one is resumed.
review_not_yet_suspended = Rule(
    "review_already_suspended",
    _("The review is already suspended for testing, appraisal or expert review."),
    lambda objection: not objection.review_suspended,
)
review_is_suspended = Rule(
    "review_not_suspended",
    _("The review is not suspended: there is nothing to resume."),
    lambda objection: objection.review_suspended,
)
# A suspended review waits for the result of the testing, appraisal or expert review: the
# objection is decided only once the review has been resumed with that result in hand, so that
# the decision clock's paused time is closed and the decision rests on the result.
review_running = Rule(
    "review_suspended",
    _("The review is suspended for testing, appraisal or expert review: resume it when the result "
      "is in, then decide the objection."),
    lambda objection: not objection.review_suspended,
)
# 撤销公示 answers an objection by taking the record off the public pages. A record that is not
# on them (its publication stopped already, or a list the city does not publish) has no
# publication to stop: upholding with that outcome would record a decision that did nothing,
# so it is refused and the reviewer decides with another outcome.
publication_to_stop = Rule(
    "no_publication_to_stop",
    _("The record is not on the public pages (its publication has stopped already or is not the "
      "city's): there is no publication to stop. Decide the objection with another outcome."),
    lambda objection: bool(objection.owning_case().published),
)
penalty_revoked = Rule(
    "not_a_revoked_penalty",
    _("Withdrawing the record needs an objection that the underlying penalty was revoked."),
    lambda objection: objection.kind == ObjectionKind.PENALTY_REVOKED,
)


def check_outcome(kind: str, outcome: str, correction: Correction | None) -> None:
    """An outcome the objection's kind allows, with the correction a correcting outcome needs.

    Raised as a field error of the payload (HTTP 400 naming the field); nothing is written.
    """
    if outcome not in OUTCOMES_BY_KIND.get(kind, ()):
        raise PayloadInvalid({"outcome": [str(_("This outcome does not answer an objection of this kind."))]})
    empty = correction is None or (not correction.facts and correction.dishonesty_class is None
                                   and correction.listed_until is None)
    if outcome in CORRECTING and empty:
        raise PayloadInvalid({"correction": [str(_("A correcting outcome needs the correction."))]})
    if outcome not in CORRECTING and not empty:
        raise PayloadInvalid({"correction": [str(_("Only a correcting outcome takes a correction."))]})


class ObjectionMachine(FSMModelMixin, models.Model):
    # The contract with the concrete model (casework.models): columns and methods the
    # transitions below read or write, declared there. Annotations only, no fields.
    kind: str
    outcome: str
    accepted_at: datetime | None
    review_suspended: bool
    decided_at: datetime | None
    re_review_requested_at: datetime | None
    if TYPE_CHECKING:
        def re_review_window_open(self, today: date) -> bool: ...
        def owning_case(self) -> Any: ...

    state = FSMField(
        _("state"), default=ObjectionState.FILED, choices=ObjectionState.choices, protected=True
    )

    class Meta:
        abstract = True

    def needs_acceptance(self) -> bool:
        """The accept-or-reject clock runs for every objection that is reviewed."""
        return self.kind != ObjectionKind.PENALTY_REVOKED

    def is_penalty_revoked(self) -> bool:
        """The record-withdrawal clock (《行政处罚法》第四十八条) runs for these."""
        return self.kind == ObjectionKind.PENALTY_REVOKED

    def _decide(self, actor: Any, outcome: str, reason: str) -> None:
        self.outcome = outcome
        self.decision_reason = reason
        self.decided_by_id = actor.pk
        self.decided_at = timezone.now()

    @transition(
        field=state, source=ObjectionState.FILED, target=ObjectionState.UNDER_REVIEW,
        conditions=[reviewable], permission=owner_staff, custom={"payload": NoInput},
    )
    def accept(self, actor: Any, data: NoInput) -> None:
        self.accepted_at = timezone.now()

    @transition(
        field=state, source=ObjectionState.FILED, target=ObjectionState.REJECTED,
        permission=owner_staff, custom={"payload": Reasons},
    )
    def reject_inadmissible(self, actor: Any, data: Reasons) -> None:
        self.decision_reason = data.reason
        self.decided_at = timezone.now()

    @transition(
        field=state, source=ObjectionState.UNDER_REVIEW, target=ObjectionState.UNDER_REVIEW,
        conditions=[review_not_yet_suspended], permission=owner_staff, custom={"payload": NoInput},
    )
    def suspend_review(self, actor: Any, data: NoInput) -> None:
        """Testing, appraisal or expert review begins: its time is not counted (河南 Art 41)."""
        self.review_suspended = True

    @transition(
        field=state, source=ObjectionState.UNDER_REVIEW, target=ObjectionState.UNDER_REVIEW,
        conditions=[review_is_suspended], permission=owner_staff, custom={"payload": NoInput},
    )
    def resume_review(self, actor: Any, data: NoInput) -> None:
        self.review_suspended = False

    @transition(
        field=state, source=[ObjectionState.UNDER_REVIEW, ObjectionState.RE_REVIEW],
        target=ObjectionState.UPHELD, conditions=[review_running], permission=decision_reviewer,
        custom={"payload": Upholding},
    )
    def uphold(self, actor: Any, data: Upholding) -> None:
        check_outcome(self.kind, data.outcome, data.correction)
        if data.outcome == ObjectionOutcome.STOP_PUBLICATION and not publication_to_stop(self):
            raise RuleRefused.of(publication_to_stop, self)
        self._decide(actor, data.outcome, data.reason)

    @transition(
        field=state, source=[ObjectionState.UNDER_REVIEW, ObjectionState.RE_REVIEW],
        target=ObjectionState.PARTLY_UPHELD, conditions=[review_running],
        permission=decision_reviewer, custom={"payload": PartUpholding},
    )
    def uphold_in_part(self, actor: Any, data: PartUpholding) -> None:
        check_outcome(self.kind, data.outcome, data.correction)
        self.upheld_part = data.upheld_part
        self._decide(actor, data.outcome, data.reason)

    @transition(
        field=state, source=ObjectionState.UNDER_REVIEW, target=ObjectionState.DISMISSED,
        conditions=[review_running], permission=owner_reviewer, custom={"payload": Reasons},
    )
    def dismiss(self, actor: Any, data: Reasons) -> None:
        """The record is maintained; the 异议处理中 label leaves it; a re-review may be asked."""
        self._decide(actor, ObjectionOutcome.MAINTAIN, data.reason)

    @transition(
        field=state, source=ObjectionState.DISMISSED, target=ObjectionState.RE_REVIEW,
        conditions=[re_review_window], permission=subject_of_case,
        custom={"payload": ReReviewRequest},
    )
    def request_re_review(self, actor: Any, data: ReReviewRequest) -> None:
        self.re_review_grounds = data.grounds
        self.re_review_requested_at = timezone.now()

    @transition(
        field=state, source=ObjectionState.RE_REVIEW, target=ObjectionState.CONFIRMED,
        permission=decision_reviewer, custom={"payload": Reasons},
    )
    def confirm_dismissal(self, actor: Any, data: Reasons) -> None:
        self._decide(actor, ObjectionOutcome.MAINTAIN, data.reason)

    @transition(
        field=state, source=list(ObjectionState.open_states()), target=ObjectionState.WITHDRAWN,
        permission=filer_of_objection, custom={"payload": ObjectionWithdrawal},
    )
    def withdraw(self, actor: Any, data: ObjectionWithdrawal) -> None:
        """撤回异议申请: the subject's own request ends; the record stays as it is."""
        self.withdrawal_reason = data.reason
        self.decided_at = timezone.now()

    @transition(
        field=state, source=ObjectionState.FILED, target=ObjectionState.UPHELD,
        conditions=[penalty_revoked], permission=owner_reviewer,
        custom={"payload": RecordWithdrawal},
    )
    def withdraw_record(self, actor: Any, data: RecordWithdrawal) -> None:
        """《行政处罚法》第四十八条第二款: the record is withdrawn and the reasons published."""
        self.revoking_decision = data.revoking_decision
        self._decide(actor, ObjectionOutcome.WITHDRAW_RECORD, data.reason)
