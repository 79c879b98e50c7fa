"""Sub-processes of a case, each with its own machine, version and deadlines."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.choices import DepartmentKind
from casework.models.querysets import MeasureTaskQuerySet, StepQuerySet, TalkQuerySet
from casework.visibility import Visibility
from workflows.guards import RuleRefused
from workflows.measure_task import MeasureTaskMachine, MeasureTaskState
from workflows.objection import ObjectionKind, ObjectionMachine, ObjectionOutcome, ObjectionState
from workflows.rectification import RectificationMachine, RectificationState
from workflows.repair import RepairMachine, RepairState
from workflows.statement import StatementMachine, StatementState
from workflows.talk import TalkKind, TalkMachine, TalkOutcome, TalkState


class CaseStep(models.Model):
    case = models.ForeignKey(
        "casework.Case", models.PROTECT, related_name="%(class)ss", verbose_name=_("case")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.case})"

    def owning_case(self) -> Any:
        return self.case


def _state_constraint(name: str, values: list[str]) -> models.CheckConstraint:
    return models.CheckConstraint(name=name, condition=Q(state__in=values))


class Objection(ObjectionMachine, CaseStep):
    visibility = Visibility.SUBJECT
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    kind = models.CharField(_("objection to"), max_length=20, choices=ObjectionKind.choices,
                            default=ObjectionKind.DETERMINATION)
    grounds = models.TextField(_("grounds"))
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ObjectionOutcome.choices, blank=True
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    upheld_part = models.TextField(_("what is upheld (partly upheld)"), blank=True)
    re_review_grounds = models.TextField(_("grounds of the re-review request"), blank=True)
    re_review_requested_at = models.DateTimeField(_("re-review requested at"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("withdrawal reason"), blank=True)
    revoking_decision = models.CharField(
        _("decision that revoked the penalty"), max_length=200, blank=True
    )
    # Set when the owner department recorded the revoked penalty itself (not the subject).
    penalty_decided_on = models.DateField(
        _("day the penalty was revoked"), null=True, blank=True
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    review_suspended = models.BooleanField(_("review suspended (expert review)"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            _state_constraint("objection_state_valid", ObjectionState.values),
            models.CheckConstraint(name="objection_kind_valid",
                                   condition=Q(kind__in=ObjectionKind.values)),
            models.CheckConstraint(name="objection_outcome_valid",
                                   condition=Q(outcome__in=["", *ObjectionOutcome.values])),
        ]
        indexes = [
            # department assessment (oversight/assessment.py objection_counts): objections
            # decided in a period, then joined to their case's owner department.
            models.Index(fields=["decided_at"], name="objection_decided",
                         condition=Q(decided_at__isnull=False)),
        ]

    def re_review_window_open(self, today: Any) -> bool:
        """A re-review may be asked while the dismissal's request window runs: before the
        dismissal is served (the window waits for service) or until its last day; once."""
        from workflows.choices import DeadlineState, Step
        from workflows.models import Deadline

        if self.re_review_requested_at is not None:
            return False
        window = Deadline.objects.of_target(self).open().filter(
            step=Step.OBJECTION_RE_REVIEW_REQUEST).first()
        if window is None:
            return False
        return window.state == DeadlineState.PAUSED or window.due_on is None or today <= window.due_on


class Rectification(RectificationMachine, CaseStep):
    visibility = Visibility.SUBJECT
    requirements = models.TextField(_("requirements"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    period_working_days = models.PositiveSmallIntegerField(
        _("period (working days)"), null=True, blank=True,
        help_text=_("Set in the order; empty means the policy default."),
    )
    submission_note = models.TextField(_("submission"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    return_reason = models.TextField(_("return reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        constraints = [_state_constraint("rectification_state_valid", RectificationState.values)]

    def talk_held_since_overdue(self) -> bool:
        if self.overdue_since is None:
            return False
        return self.case.talks.filter(
            state=TalkState.HELD, held_at__gte=self.overdue_since
        ).exists()


class Talk(TalkMachine, CaseStep):
    visibility = Visibility.SUBJECT
    kind = models.CharField(_("kind"), max_length=10, choices=TalkKind.choices)
    organiser = models.ForeignKey(
        "casework.Department", models.PROTECT, related_name="organised_talks",
        verbose_name=_("organiser"),
    )
    co_organiser = models.ForeignKey(
        "casework.Department", models.PROTECT, null=True, blank=True,
        related_name="co_organised_talks", verbose_name=_("co-organiser (发改委)"),
    )
    reason = models.TextField(_("reason"), blank=True)
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    record = models.TextField(_("record"), blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=TalkOutcome.choices, blank=True)
    missed_at = models.DateTimeField(_("missed at"), null=True, blank=True)
    co_organiser_confirmed_at = models.DateTimeField(
        _("attendance confirmed by 发改委 at"), null=True, blank=True
    )
    co_organiser_attendee = models.CharField(_("attending for 发改委"), max_length=200, blank=True)
    refused_at = models.DateTimeField(_("refusal recorded at"), null=True, blank=True)
    refusal_note = models.TextField(_("refusal"), blank=True)

    objects = TalkQuerySet.as_manager()  # type: ignore[misc]  # narrower manager than CaseStep's, on purpose

    class Meta:
        verbose_name = _("talk")
        verbose_name_plural = _("talks")
        constraints = [
            _state_constraint("talk_state_valid", TalkState.values),
            models.CheckConstraint(name="talk_kind_valid", condition=Q(kind__in=TalkKind.values)),
            # 谁认定、谁约谈: 发改委 co-organises, it is never also the organiser.
            models.CheckConstraint(
                name="talk_co_organiser_not_organiser",
                condition=Q(co_organiser__isnull=True) | ~Q(co_organiser=models.F("organiser")),
            ),
        ]

    def apply_schedule(self, data: Any) -> None:
        from casework.models.departments import Department

        self.scheduled_for = data.scheduled_for
        self.place = data.place.strip()
        if data.co_organiser:
            department = Department.objects.filter(code=data.co_organiser, active=True).first()
            if department is None or department.kind != DepartmentKind.NDRC:
                raise RuleRefused(
                    "co_organiser_not_ndrc",
                    _("Only 市发展改革委 may co-organise a talk; the organiser stays the owner department."),
                )
            self.co_organiser = department


class MeasureTask(MeasureTaskMachine, CaseStep):
    visibility = Visibility.INTERNAL  # the joint departments' feedback (casework/visibility.py)
    # CaseStep's case without an index of its own: measure_task_unique (case, measure) leads with it.
    case = models.ForeignKey(
        "casework.Case", models.PROTECT, related_name="measuretasks", verbose_name=_("case"),
        db_index=False,
    )
    measure = models.ForeignKey(
        "casework.Measure", models.PROTECT, related_name="tasks", verbose_name=_("measure")
    )
    department = models.ForeignKey(
        "casework.Department", models.PROTECT, related_name="measure_tasks",
        verbose_name=_("joint department"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    report_text = models.TextField(_("report"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    termination_reason = models.TextField(_("termination reason"), blank=True)
    terminated_at = models.DateTimeField(_("terminated at"), null=True, blank=True)
    # The termination was the case's exit (workflows.measure_task): relisting pushes it again.
    ended_by_exit = models.BooleanField(_("ended by the case's exit"), default=False)
    reinstated_at = models.DateTimeField(_("pushed again at"), null=True, blank=True)
    reinstatement_reason = models.TextField(_("why pushed again"), blank=True)
    # The record was revoked as wrongly listed after its exit and the department told so.
    wrong_listing_notified_at = models.DateTimeField(_("told of the wrong listing at"), null=True,
                                                     blank=True)
    wrong_listing_grounds = models.TextField(_("why the listing was wrong"), blank=True)

    objects = MeasureTaskQuerySet.as_manager()  # type: ignore[misc]  # narrower manager than CaseStep's, on purpose

    class Meta:
        verbose_name = _("measure task")
        verbose_name_plural = _("measure tasks")
        constraints = [
            _state_constraint("measure_task_state_valid", MeasureTaskState.values),
            models.UniqueConstraint(fields=["case", "measure"], name="measure_task_unique"),
        ]


class RepairApplication(RepairMachine, CaseStep):
    visibility = Visibility.SUBJECT
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("applicant")
    )
    commitment_letter = models.BooleanField(_("credit commitment letter (信用承诺书)"))
    rectification_proof = models.TextField(_("rectification proof"), blank=True)
    training_certificate = models.BooleanField(_("training certificate"), default=False)
    statement = models.TextField(_("statement"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    # 撤销修复 (workflows.repair.RepairMachine.revoke).
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    false_material = models.TextField(_("false material found"), blank=True)
    revocation_reason = models.TextField(_("revocation reasons"), blank=True)
    barred_until = models.DateField(
        _("new applications barred until"), null=True, blank=True,
        help_text=_("Last day on which a new repair application on this record is refused."),
    )
    bar_policy = models.ForeignKey(
        "workflows.Policy", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("rule of the bar"),
    )

    class Meta:
        verbose_name = _("repair application")
        verbose_name_plural = _("repair applications")
        constraints = [
            _state_constraint("repair_state_valid", RepairState.values),
            models.CheckConstraint(
                name="repair_needs_commitment", condition=Q(commitment_letter=True)
            ),
            # The "one open repair application per case" rule (services.apply_repair), also
            # held by the database: checked under the case lock, this is the backstop.
            models.UniqueConstraint(
                fields=["case"], condition=Q(state__in=RepairState.open_states()),
                name="repair_one_open_per_case",
            ),
            # A revoked repair carries the end of its bar and the rule that set it.
            models.CheckConstraint(
                name="repair_revoked_has_bar",
                condition=~Q(state=RepairState.REVOKED)
                | Q(barred_until__isnull=False, bar_policy__isnull=False, revoked_at__isnull=False),
            ),
        ]

    def apply_revocation(self, data: Any) -> None:
        """The bar on new applications: the ``repair_bar`` row in force on the revocation day,
        counted in months from that day (it ends on its calendar day: a burden on the subject)."""
        from workflows.choices import Step
        from workflows.services import Context, compute_due

        self.false_material = data.false_material
        self.revocation_reason = data.decision
        today = timezone.localdate()
        context = Context(self.case)
        policy = context.policy(Step.REPAIR_BAR, today)
        self.bar_policy = policy
        self.barred_until = compute_due(policy, today, policy.length, context.jurisdiction).day


class Statement(StatementMachine, CaseStep):
    """陈述申辩: the subject's statement and defence, and the department's answer to it."""

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    text = models.TextField(_("statement and defence"))
    answer_reason = models.TextField(_("reasons for adopting or not"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    visibility = Visibility.SUBJECT
    objects = StepQuerySet.as_manager()  # type: ignore[misc]  # redeclared for the concrete model, same manager

    class Meta:
        verbose_name = _("statement and defence")
        verbose_name_plural = _("statements and defences")
        constraints = [_state_constraint("statement_state_valid", StatementState.values)]
