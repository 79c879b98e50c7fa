"""Measure task machine (联合惩戒反馈, plan items 8–9).

One task per (case, measure, joint department): pushed → acknowledged →
implemented | not_applicable; on exit or revocation → terminating → terminated.
"""

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from workflows.guards import Role, Rule, all_of, any_of
from workflows.payloads import NoInput, choice, payload, text
from workflows.rules import OWNER_STAFF, system_actor


class MeasureTaskState(models.TextChoices):
    PUSHED = "pushed", _("Pushed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IMPLEMENTED = "implemented", _("Implemented")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    TERMINATING = "terminating", _("Termination requested")
    TERMINATED = "terminated", _("Terminated")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.PUSHED, cls.ACKNOWLEDGED, cls.TERMINATING)

    @classmethod
    def terminal_states(cls) -> tuple[str, ...]:
        return (cls.TERMINATED,)


task_department = Rule(
    "task_department",
    _("Only the joint department the measure was pushed to may take this step."),
    lambda task, actor: actor.role == Role.JOINT
    and actor.department_id is not None
    and actor.department_id == task.department_id,
)

joint_department = all_of(task_department)
LIVE_STATES = [
    MeasureTaskState.PUSHED,
    MeasureTaskState.ACKNOWLEDGED,
    MeasureTaskState.IMPLEMENTED,
    MeasureTaskState.NOT_APPLICABLE,
]


class ReportOutcome(models.TextChoices):
    IMPLEMENTED = MeasureTaskState.IMPLEMENTED.value, MeasureTaskState.IMPLEMENTED.label
    NOT_APPLICABLE = MeasureTaskState.NOT_APPLICABLE.value, MeasureTaskState.NOT_APPLICABLE.label


@payload
class Report:
    """落实情况: implemented, or not applicable with a reason."""

    outcome: ReportOutcome = choice(_("Outcome"), default=ReportOutcome.IMPLEMENTED)
    report: str = text(_("How the measure was carried out"))


@payload
class TerminationRequest:
    reason: str = text(_("Reason for ending the measure"), required=False)


class MeasureTaskMachine(FSMModelMixin, models.Model):
    # The contract with the concrete model (casework.models): columns and methods the
    # transitions below read or write, declared there. Annotations only, no fields.
    acknowledged_at: datetime | None
    reported_at: datetime | None
    terminated_at: datetime | None

    state = FSMField(
        _("state"),
        default=MeasureTaskState.PUSHED,
        choices=MeasureTaskState.choices,
        protected=True,
    )

    class Meta:
        abstract = True

    @transition(
        field=state, source=MeasureTaskState.PUSHED, target=MeasureTaskState.ACKNOWLEDGED,
        permission=joint_department, custom={"payload": NoInput},
    )
    def acknowledge(self, actor: Any, data: NoInput) -> None:
        self.acknowledged_at = timezone.now()

    @transition(
        field=state,
        source=MeasureTaskState.ACKNOWLEDGED,
        target=RETURN_VALUE(MeasureTaskState.IMPLEMENTED, MeasureTaskState.NOT_APPLICABLE),
        permission=joint_department, custom={"payload": Report},
    )
    def report(self, actor: Any, data: Report) -> str:
        """落实情况: implemented, or not applicable with a reason."""
        self.report_text = data.report
        self.reported_at = timezone.now()
        return str(data.outcome)

    @transition(
        field=state, source=LIVE_STATES, target=MeasureTaskState.TERMINATING,
        permission=any_of(all_of(*OWNER_STAFF), all_of(system_actor)), custom={"payload": TerminationRequest},
    )
    def request_termination(self, actor: Any, data: TerminationRequest) -> None:
        self.termination_reason = data.reason

    @transition(
        field=state, source=MeasureTaskState.TERMINATING, target=MeasureTaskState.TERMINATED,
        permission=joint_department, custom={"payload": NoInput},
    )
    def confirm(self, actor: Any, data: NoInput) -> None:
        self.terminated_at = timezone.now()
