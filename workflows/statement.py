"""Statement and defence machine (陈述申辩): submitted → adopted | not_adopted.

The subject submits its statement (text and evidence) while the window that runs
from service of the 信用信息告知书 is open; the owner department records whether
it adopts it, with its reasons, before it may determine (国办发〔2020〕49号 第（七）项:
认定前告知并听取陈述申辩).
"""

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.guards import Rule, all_of
from workflows.payloads import Reasons
from workflows.rules import OWNER_STAFF


class StatementState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ADOPTED = "adopted", _("Adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.SUBMITTED,)

    @classmethod
    def terminal_states(cls) -> tuple[str, ...]:
        return (cls.ADOPTED, cls.NOT_ADOPTED)


# A guard for the case's determine transition: every statement answered first.
statements_answered = Rule(
    "statement_not_answered",
    _("Every statement and defence must be answered (adopted or not, with reasons) "
      "before the determination."),
    lambda case: not case.has_unanswered_statement(),
)
# Rules for submitting one (create_step rules, asked ``rule(case, actor)``).
case_notified = Rule(
    "case_not_notified",
    _("A statement and defence can be submitted only after the notice (告知), before the decision."),
    lambda case, actor: case.state == "notified",
)
window_running = Rule(
    "statement_window_closed",
    _("The statement and defence window is not open: it opens when the notice is served and "
      "closes at its end date, or when the subject waived it."),
    lambda case, actor: case.statement_window_running(timezone.localdate()),
)

owner_staff = all_of(*OWNER_STAFF)


class StatementMachine(FSMModelMixin, models.Model):
    # The contract with the concrete model (casework.models): columns and methods the
    # transitions below read or write, declared there. Annotations only, no fields.
    answered_at: datetime | None

    state = FSMField(
        _("state"), default=StatementState.SUBMITTED, choices=StatementState.choices,
        protected=True,
    )

    class Meta:
        abstract = True

    @transition(field=state, source=StatementState.SUBMITTED, target=StatementState.ADOPTED,
                permission=owner_staff, custom={"payload": Reasons})
    def adopt(self, actor: Any, data: Reasons) -> None:
        self.record_answer(actor, data.reason)

    @transition(field=state, source=StatementState.SUBMITTED, target=StatementState.NOT_ADOPTED,
                permission=owner_staff, custom={"payload": Reasons})
    def decline(self, actor: Any, data: Reasons) -> None:
        self.record_answer(actor, data.reason)

    def record_answer(self, actor: Any, reason: str) -> None:
        self.answer_reason = reason
        self.answered_by_id = actor.pk
        self.answered_at = timezone.now()
