"""Objection machine: filed → under_review → upheld | dismissed (or rejected).

Upholding is a decision: a reviewer of the owner department who did not draft
the case. Its effects on the case (correct or revoke) are run by the service.
"""

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.case import Correction
from workflows.guards import all_of
from workflows.payloads import NoInput, Reasons, choice, optional, payload, text
from workflows.rules import OWNER_REVIEWER, OWNER_STAFF


class ObjectionState(models.TextChoices):
    FILED = "filed", _("Filed")
    UNDER_REVIEW = "under_review", _("Under review")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")
    REJECTED = "rejected", _("Rejected as inadmissible")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.FILED, cls.UNDER_REVIEW)

    @classmethod
    def terminal_states(cls) -> tuple[str, ...]:
        return (cls.UPHELD, cls.DISMISSED, cls.REJECTED)


class ObjectionOutcome(models.TextChoices):
    CORRECT = "correct", _("Correct the record")
    REVOKE = "revoke", _("Revoke the determination")


@payload
class Upholding:
    outcome: ObjectionOutcome = choice(_("Outcome"))
    reason: str = text(_("Reasons"))
    correction: Correction | None = optional(_("Correction (when the outcome is to correct)"))


owner_staff = all_of(*OWNER_STAFF)
owner_reviewer = all_of(*OWNER_REVIEWER)


class ObjectionMachine(FSMModelMixin, models.Model):
    # The contract with the concrete model (casework.models): columns and methods the
    # transitions below read or write, declared there. Annotations only, no fields.
    outcome: str
    accepted_at: datetime | None
    decided_at: datetime | None

    state = FSMField(
        _("state"), default=ObjectionState.FILED, choices=ObjectionState.choices, protected=True
    )

    class Meta:
        abstract = True

    @transition(
        field=state, source=ObjectionState.FILED, target=ObjectionState.UNDER_REVIEW,
        permission=owner_staff, custom={"payload": NoInput},
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
        permission=owner_staff, custom={"payload": NoInput},
    )
    def suspend_review(self, actor: Any, data: NoInput) -> None:
        """Testing, appraisal or expert review begins: its time is not counted (河南 Art 41)."""
        self.review_suspended = True

    @transition(
        field=state, source=ObjectionState.UNDER_REVIEW, target=ObjectionState.UNDER_REVIEW,
        permission=owner_staff, custom={"payload": NoInput},
    )
    def resume_review(self, actor: Any, data: NoInput) -> None:
        self.review_suspended = False

    @transition(
        field=state, source=ObjectionState.UNDER_REVIEW, target=ObjectionState.UPHELD,
        permission=owner_reviewer, custom={"payload": Upholding},
    )
    def uphold(self, actor: Any, data: Upholding) -> None:
        self.outcome = data.outcome
        self.decision_reason = data.reason
        self.decided_by_id = actor.pk
        self.decided_at = timezone.now()

    @transition(
        field=state, source=ObjectionState.UNDER_REVIEW, target=ObjectionState.DISMISSED,
        permission=owner_reviewer, custom={"payload": Reasons},
    )
    def dismiss(self, actor: Any, data: Reasons) -> None:
        self.decision_reason = data.reason
        self.decided_by_id = actor.pk
        self.decided_at = timezone.now()

