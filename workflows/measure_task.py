"""Measure task machine (联合惩戒反馈, plan items 8–9).

One task per (case, measure, joint department): pushed → acknowledged →
implemented | not_applicable; on exit or revocation → terminating → terminated.
A task the case's exit ended (``ended_by_exit``) is pushed again when the case is listed
again (撤销修复 → relist): terminating | terminated → pushed (``reinstate``), with a new
acknowledgement clock, and the department acknowledges and reports as for a new task.
A record revoked after its exit as wrongly listed (an upheld objection after exit, 鞍政办发〔2020〕18号
第十四项) is told to every joint department that had one of its measures, whatever the task's
state (``notify_wrong_listing``, the state stays): the department removes the measure's effects.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from workflows.case import CaseState, ExitReason
from workflows.guards import Role, Rule, all_of, any_of
from workflows.payloads import NoInput, choice, payload, text
from workflows.rules import OWNER_REVIEWER, OWNER_STAFF, system_actor


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

measure_ended_by_exit = Rule(
    "measure_not_ended_by_exit",
    _("Only a measure that the case's exit ended is pushed again when the case is listed again."),
    lambda task: bool(task.ended_by_exit),
)
case_listed_again = Rule(
    "case_not_listed",
    _("A measure is pushed again only while its case is listed."),
    lambda task: task.owning_case().state == CaseState.LISTED,
)
measure_still_active = Rule(
    "measure_inactive",
    _("The measure is no longer in the catalogue: it is not pushed again."),
    lambda task: bool(task.measure.active),
)
case_wrongly_listed = Rule(
    "case_not_wrongly_listed",
    _("Only a record revoked as wrongly listed is told to its joint departments as such."),
    lambda task: task.owning_case().exit_reason == ExitReason.WRONGLY_LISTED,
)
wrong_listing_not_yet_notified = Rule(
    "wrong_listing_already_notified",
    _("The joint department has already been told that this record was wrongly listed."),
    lambda task: task.wrong_listing_notified_at is None,
)
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


@payload
class Reinstatement:
    reason: str = text(_("Why the measure is carried out again (e.g. the repair revoked)"))


@payload
class WrongListingNotice:
    grounds: str = text(_("Why the listing was wrong (the upheld objection)"))


class MeasureTaskMachine(FSMModelMixin, models.Model):
    # The contract with the concrete model (casework.models): columns and methods the
    # transitions below read or write, declared there. Annotations only, no fields.
    acknowledged_at: datetime | None
    reported_at: datetime | None
    terminated_at: datetime | None
    ended_by_exit: bool
    reinstated_at: datetime | None
    wrong_listing_notified_at: datetime | None
    wrong_listing_grounds: str
    if TYPE_CHECKING:
        def owning_case(self) -> Any: ...

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
        # Asked while the case is exited: the exit's own request (effects.terminate_measures);
        # a request on a listed case is the owner department's decision on this measure alone.
        self.ended_by_exit = self.owning_case().state == CaseState.EXITED

    @transition(
        field=state, source=MeasureTaskState.TERMINATING, target=MeasureTaskState.TERMINATED,
        permission=joint_department, custom={"payload": NoInput},
    )
    def confirm(self, actor: Any, data: NoInput) -> None:
        self.terminated_at = timezone.now()

    @transition(
        field=state, source=[MeasureTaskState.TERMINATING, MeasureTaskState.TERMINATED],
        target=MeasureTaskState.PUSHED,
        conditions=[measure_ended_by_exit, case_listed_again, measure_still_active],
        permission=any_of(all_of(*OWNER_REVIEWER), all_of(system_actor)),
        custom={"payload": Reinstatement},
    )
    def reinstate(self, actor: Any, data: Reinstatement) -> None:
        """The case is listed again: the measure is pushed again, as a new task of the same row
        (one task per case and measure); what was acknowledged, reported and ended before stays
        in the audit chain, as old → new of this transition."""
        self.reinstated_at = timezone.now()
        self.reinstatement_reason = data.reason
        self.ended_by_exit = False
        self.termination_reason = ""
        self.terminated_at = None
        self.acknowledged_at = None
        self.reported_at = None
        self.report_text = ""

    @transition(
        field=state, source=[*MeasureTaskState.values], target=None,
        conditions=[case_wrongly_listed, wrong_listing_not_yet_notified],
        permission=any_of(all_of(*OWNER_REVIEWER), all_of(system_actor)),
        custom={"payload": WrongListingNotice},
    )
    def notify_wrong_listing(self, actor: Any, data: WrongListingNotice) -> None:
        """消除不良影响 (鞍政办发〔2020〕18号 第十四项): the joint department that had this measure
        is told that the record was revoked as wrongly listed (the notice ``measure_wrongly_listed``);
        the task keeps its state: a measure still being ended is ended as before."""
        self.wrong_listing_notified_at = timezone.now()
        self.wrong_listing_grounds = data.grounds
