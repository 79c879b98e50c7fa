"""Rectification machine (限期整改, plan item 10).

ordered → submitted → accepted; a returned submission goes back to ordered;
a passed deadline makes it overdue, and a held talk lets the department order
it again.
"""

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.guards import Rule, all_of, any_of
from workflows.payloads import NoInput, optional, payload, text
from workflows.rules import OWNER_STAFF, case_subject, system_actor


class RectificationState(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    OVERDUE = "overdue", _("Overdue")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.ORDERED, cls.SUBMITTED, cls.OVERDUE)

    @classmethod
    def terminal_states(cls) -> tuple[str, ...]:
        return (cls.ACCEPTED,)


deadline_passed = Rule(
    "rectification_not_due",
    _("The rectification period has not ended yet."),
    lambda rect: rect.due_on is not None and timezone.localdate() > rect.due_on,
)
talk_held = Rule(
    "talk_not_held",
    _("An overdue rectification is ordered again only after the required talk was held."),
    lambda rect: rect.talk_held_since_overdue(),
)

owner_staff = all_of(*OWNER_STAFF)


@payload
class Submission:
    note: str = text(_("What was rectified"), required=False)


@payload
class Overdue:
    deadline: int | None = optional(_("The rectification period that passed"))


@payload
class Return:
    reason: str = text(_("Why the evidence is returned"), required=False)


class RectificationMachine(FSMModelMixin, models.Model):
    # The contract with the concrete model (casework.models): columns and methods the
    # transitions below read or write, declared there. Annotations only, no fields.
    submitted_at: datetime | None
    decided_at: datetime | None
    overdue_since: datetime | None

    state = FSMField(
        _("state"),
        default=RectificationState.ORDERED,
        choices=RectificationState.choices,
        protected=True,
    )

    class Meta:
        abstract = True

    @transition(
        field=state, source=RectificationState.ORDERED, target=RectificationState.SUBMITTED,
        permission=all_of(case_subject), custom={"payload": Submission},
    )
    def submit(self, actor: Any, data: Submission) -> None:
        self.submission_note = data.note
        self.submitted_at = timezone.now()

    @transition(
        field=state, source=RectificationState.SUBMITTED, target=RectificationState.ACCEPTED,
        permission=owner_staff, custom={"payload": NoInput},
    )
    def accept(self, actor: Any, data: NoInput) -> None:
        self.decided_at = timezone.now()

    @transition(
        field=state, source=RectificationState.SUBMITTED, target=RectificationState.ORDERED,
        permission=owner_staff, custom={"payload": Return, "name": "return"},
    )
    def return_submission(self, actor: Any, data: Return) -> None:
        self.return_reason = data.reason

    @transition(
        field=state, source=RectificationState.ORDERED, target=RectificationState.OVERDUE,
        conditions=[deadline_passed],
        # Owner staff first: a refusal then names the ownership rule, not "system only".
        permission=any_of(owner_staff, all_of(system_actor)), custom={"payload": Overdue},
    )
    def mark_overdue(self, actor: Any, data: Overdue) -> None:
        self.overdue_since = timezone.now()

    @transition(
        field=state, source=RectificationState.OVERDUE, target=RectificationState.ORDERED,
        conditions=[talk_held],
        permission=owner_staff, custom={"payload": NoInput},
    )
    def reorder(self, actor: Any, data: NoInput) -> None:
        self.overdue_since = None
