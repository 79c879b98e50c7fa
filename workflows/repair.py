"""Repair machine (信用修复, plan item 11; 国办发〔2025〕22号).

applied → under_review → approved (the case exits) | denied; or rejected as
inadmissible. Approval is a four-eyes decision and needs the repair
preconditions: rectification accepted or none ordered, no open objection, the
minimum publication period served.

approved → revoked (撤销修复): a repair obtained with false material is revoked by a
reviewer of the owner department; the case is listed and published again and new
applications on the record are refused for the period of the policy row in force
(step ``repair_bar``: 国家发展改革委令第58号 from 2023-05-01, 第36号 from 2026-04-01).
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.guards import Rule, all_of
from workflows.payloads import NoInput, Reasons, payload, text
from workflows.rules import OWNER_REVIEWER, OWNER_STAFF


class RepairState(models.TextChoices):
    APPLIED = "applied", _("Applied")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    REJECTED = "rejected", _("Rejected as inadmissible")
    REVOKED = "revoked", _("Revoked (false material)")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.APPLIED, cls.UNDER_REVIEW)

    @classmethod
    def terminal_states(cls) -> tuple[str, ...]:
        return (cls.APPROVED, cls.DENIED, cls.REJECTED, cls.REVOKED)


rectification_done = Rule(
    "rectification_not_accepted",
    _("Repair needs the ordered rectification to have been accepted."),
    lambda repair: repair.owning_case().rectification_done(),
)
no_open_objection = Rule(
    "objection_open",
    _("Repair cannot be decided while an objection on the case is open."),
    lambda repair: not repair.owning_case().has_open_objection(),
)
minimum_publication_served = Rule(
    "minimum_publication_not_served",
    _("Repair needs the minimum publication period to have been served."),
    lambda repair: repair.owning_case().minimum_publication_served(timezone.localdate()),
)
# Typed as django-fsm's conditions (a list is invariant: list[Rule] is not accepted).
REPAIR_PRECONDITIONS: list[Callable[[Any], bool]] = [
    rectification_done, no_open_objection, minimum_publication_served,
]


case_exited_repaired = Rule(
    "case_not_exited_by_repair",
    _("Only a repair through which the case exited can be revoked."),
    lambda repair: repair.owning_case().exited_by_repair(),
)


@payload
class Revocation:
    """撤销修复: what was false, and the decision's reasons."""

    false_material: str = text(_("The false material or false commitment found (虚假材料)"))
    decision: str = text(_("The decision's reasons (撤销修复决定)"))


@payload
class Approval:
    decision: str = text(_("The decision's reasons (修复决定)"), required=False)


class RepairMachine(FSMModelMixin, models.Model):
    # The contract with the concrete model (casework.models): columns and methods the
    # transitions below read or write, declared there. Annotations only, no fields.
    accepted_at: datetime | None
    decided_at: datetime | None
    revoked_at: datetime | None
    barred_until: date | None
    if TYPE_CHECKING:
        def apply_revocation(self, data: Revocation) -> None: ...

    state = FSMField(
        _("state"), default=RepairState.APPLIED, choices=RepairState.choices, protected=True
    )

    class Meta:
        abstract = True

    @transition(
        field=state, source=RepairState.APPLIED, target=RepairState.UNDER_REVIEW,
        permission=all_of(*OWNER_STAFF), custom={"payload": NoInput},
    )
    def accept(self, actor: Any, data: NoInput) -> None:
        self.accepted_at = timezone.now()

    @transition(
        field=state, source=RepairState.APPLIED, target=RepairState.REJECTED,
        permission=all_of(*OWNER_STAFF), custom={"payload": Reasons},
    )
    def reject_inadmissible(self, actor: Any, data: Reasons) -> None:
        self.decision_reason = data.reason
        self.decided_at = timezone.now()

    @transition(
        field=state, source=RepairState.UNDER_REVIEW, target=RepairState.APPROVED,
        conditions=REPAIR_PRECONDITIONS, permission=all_of(*OWNER_REVIEWER), custom={"payload": Approval},
    )
    def approve(self, actor: Any, data: Approval) -> None:
        self.decided_by_id = actor.pk
        self.decided_at = timezone.now()

    @transition(
        field=state, source=RepairState.UNDER_REVIEW, target=RepairState.DENIED,
        permission=all_of(*OWNER_REVIEWER), custom={"payload": Reasons},
    )
    def deny(self, actor: Any, data: Reasons) -> None:
        self.decision_reason = data.reason
        self.decided_by_id = actor.pk
        self.decided_at = timezone.now()


    @transition(
        field=state, source=RepairState.APPROVED, target=RepairState.REVOKED,
        conditions=[case_exited_repaired], permission=all_of(*OWNER_REVIEWER),
        custom={"payload": Revocation},
    )
    def revoke(self, actor: Any, data: Revocation) -> None:
        """撤销修复: the bar on new applications is set from the policy in force today."""
        self.revoked_by_id = actor.pk
        self.revoked_at = timezone.now()
        self.apply_revocation(data)
