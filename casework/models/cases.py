from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.choices import CaseOrigin, DishonestyClass, ListType
from casework.models.querysets import CaseQuerySet
from casework.visibility import Visibility
from workflows.case import (
    CaseMachine,
    CaseState,
    Correction,
    ExitReason,
    list_class_allowed,
    list_class_allowed_q,
)
from workflows.choices import ExitCondition, Step
from workflows.guards import RuleRefused
from workflows.guards import today as rules_today
from workflows.objection import ObjectionState
from workflows.rectification import RectificationState
from workflows.repair import RepairState
from workflows.statement import StatementState


class Case(CaseMachine):
    """A dishonesty determination on one subject, owned by one department (谁认定)."""

    visibility = Visibility.SUBJECT  # casework/visibility.py: what the subject sees

    number = models.CharField(_("case number"), max_length=60, unique=True)
    subject = models.ForeignKey(
        "casework.Subject", models.PROTECT, related_name="cases", verbose_name=_("subject")
    )
    # No index of its own: the (owner_department, state) index leads with it.
    owner_department = models.ForeignKey(
        "casework.Department", models.PROTECT, related_name="cases",
        verbose_name=_("owner department"), db_index=False,
    )
    list_type = models.CharField(_("list type"), max_length=20, choices=ListType.choices)
    dishonesty_class = models.CharField(
        _("dishonesty class"), max_length=20, choices=DishonestyClass.choices
    )
    legal_bases = models.ManyToManyField(
        "casework.LegalBasis", related_name="cases", verbose_name=_("legal bases")
    )
    measures = models.ManyToManyField(
        "casework.Measure", blank=True, related_name="cases", verbose_name=_("measures")
    )
    facts = models.TextField(_("facts"))
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="drafted_cases",
        verbose_name=_("drafter"),
    )
    determined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
        related_name="determined_cases", verbose_name=_("determined by"),
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    statement_due_on = models.DateField(_("statement window ends on"), null=True, blank=True)
    statement_waived = models.BooleanField(_("statement window waived"), default=False)
    listed_from = models.DateField(_("listed from"), null=True, blank=True)
    listed_until = models.DateField(_("listed until (maximum publication)"), null=True, blank=True)
    publication_min_until = models.DateField(
        _("minimum publication until"), null=True, blank=True
    )
    published = models.BooleanField(_("published"), default=False)
    exit_reason = models.CharField(
        _("exit reason"), max_length=20, choices=ExitReason.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    wrongly_listed_at = models.DateTimeField(
        _("revoked as wrongly listed at"), null=True, blank=True,
        help_text=_("An objection after exit found the listing wrong (错误认定)."),
    )
    origin = models.CharField(
        _("origin"), max_length=20, choices=CaseOrigin.choices, default=CaseOrigin.OPENED_HERE
    )
    determining_authority = models.CharField(
        _("determining authority"), max_length=200, blank=True,
        help_text=_("Who made a determination recorded from an external list (e.g. a court)."),
    )
    document_number = models.CharField(_("decision document number"), max_length=100, blank=True)
    decided_on = models.DateField(
        _("decided on"), null=True, blank=True,
        help_text=_("Date of a determination made before the case was recorded here."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(name="case_state_valid", condition=Q(state__in=CaseState.values)),
            models.CheckConstraint(
                name="case_list_type_valid", condition=Q(list_type__in=ListType.values)
            ),
            models.CheckConstraint(
                name="case_class_valid", condition=Q(dishonesty_class__in=DishonestyClass.values)
            ),
            # A listed or exited case was determined: it has a listing date.
            models.CheckConstraint(
                name="case_listed_has_date",
                condition=~Q(state__in=[CaseState.LISTED, CaseState.EXITED])
                | Q(listed_from__isnull=False),
            ),
            # Only the allowed (list type, class) pairs (workflows.case.LIST_CLASSES).
            models.CheckConstraint(name="case_list_class_allowed", condition=list_class_allowed_q()),
            models.CheckConstraint(
                name="case_origin_valid", condition=Q(origin__in=CaseOrigin.values)
            ),
            # A recorded determination (imported or external) carries its decision date.
            models.CheckConstraint(
                name="case_recorded_has_decision_date",
                condition=Q(origin=CaseOrigin.OPENED_HERE) | Q(decided_on__isnull=False),
            ),
            models.CheckConstraint(
                name="case_exit_reason_valid", condition=Q(exit_reason__in=["", *ExitReason.values])
            ),
            # A record revoked as wrongly listed carries when it was (the credit check shows it).
            models.CheckConstraint(
                name="case_wrongly_listed_has_date",
                condition=~Q(exit_reason=ExitReason.WRONGLY_LISTED) | Q(wrongly_listed_at__isnull=False),
            ),
            models.CheckConstraint(
                name="case_exit_has_reason",
                condition=~Q(state=CaseState.EXITED) | ~Q(exit_reason=""),
            ),
        ]
        indexes = [
            models.Index(fields=["owner_department", "state"]),
            # The sweep's listed external records past their listed_until (they keep no
            # publication clock: casework.services.expiry.exit_expired_records).
            models.Index(fields=["listed_until"], name="case_external_listed_until",
                         condition=Q(origin=CaseOrigin.EXTERNAL, state=CaseState.LISTED)),
        ]

    def __str__(self) -> str:
        return self.number

    def owning_case(self) -> "Case":
        return self

    def subject_identifier_for(self, viewer: Any) -> str:
        """A natural person's number, whole only for this case's owner department and the subject."""
        if (viewer.department_id is not None and viewer.department_id == self.owner_department_id) or (
            viewer.subject_id is not None and viewer.subject_id == self.subject_id
        ):
            return self.subject.unmasked_identifier(viewer)
        return self.subject.masked_identifier

    def is_determined_here(self) -> bool:
        """External records are only carried out here: objections and repair go to their authority."""
        return self.origin != CaseOrigin.EXTERNAL

    def decision_date(self) -> date | None:
        return self.decided_on or self.listed_from

    def is_listed(self) -> bool:
        return self.state == CaseState.LISTED

    def has_active_legal_basis(self) -> bool:
        today = rules_today()
        # The prefetched bases where a caller holds them (no related manager made per call).
        bases = getattr(self, "_prefetched_objects_cache", {}).get("legal_bases")
        return any(
            basis.is_active_on(today) and basis.allows(self.list_type)
            for basis in (self.legal_bases.all() if bases is None else bases)
        )

    def statement_window_ended(self, today: date) -> bool:
        if self.statement_waived:
            return True
        return self.statement_due_on is not None and today > self.statement_due_on

    def statement_window_running(self, today: date) -> bool:
        """Served (the window has an end date), not waived, and not yet past its end."""
        return (not self.statement_waived and self.statement_due_on is not None
                and today <= self.statement_due_on)

    def has_unanswered_statement(self) -> bool:
        return self.statements.filter(state__in=StatementState.open_states()).exists()

    def has_approved_repair(self) -> bool:
        return self.repairapplications.filter(state=RepairState.APPROVED).exists()

    def has_revoked_repair(self) -> bool:
        return self.repairapplications.filter(state=RepairState.REVOKED).exists()

    def exited_by_repair(self) -> bool:
        return self.state == CaseState.EXITED and self.exit_reason == ExitReason.REPAIRED

    def repair_barred_until(self, today: date) -> date | None:
        """The last day of a bar on new repair applications (撤销修复) running on ``today``."""
        return self.repairapplications.filter(
            state=RepairState.REVOKED, barred_until__gte=today
        ).order_by("-barred_until").values_list("barred_until", flat=True).first()

    def wrong_listing_objection_until(self) -> date | None:
        """The last day on which the subject may object, after the exit, that it was wrongly
        listed: the ``objection_after_exit`` row in force on the exit day, counted from that day
        (it rolls forward as its row says: a period for the subject's own act)."""
        from workflows.services import Context, compute_due

        if self.state != CaseState.EXITED or self.closed_at is None:
            return None
        exited_on = timezone.localdate(self.closed_at)
        context = Context(self)
        policy = context.policy(Step.OBJECTION_AFTER_EXIT, exited_on)
        return compute_due(policy, exited_on, policy.length, context.jurisdiction).day

    def publication_max_passed(self, today: date) -> bool:
        return self.listed_until is not None and today > self.listed_until

    def minimum_publication_served(self, today: date) -> bool:
        return self.publication_min_until is not None and today >= self.publication_min_until

    def rectification_done(self) -> bool:
        """Every ordered rectification was accepted (true when none was ordered)."""
        return not self.rectifications.exclude(state=RectificationState.ACCEPTED).exists()

    def expiry_exit_condition(self) -> str:
        """The exit condition of the rule of the open maximum publication clock (none without one)."""
        deadline = (self.deadlines.filter(step=Step.PUBLICATION_MAX, closed_at__isnull=True)
                    .select_related("policy").order_by("-pk").first())
        return deadline.policy.exit_condition if deadline is not None else ExitCondition.NONE

    def has_open_objection(self) -> bool:
        return self.objections.filter(state__in=ObjectionState.open_states()).exists()

    def apply_correction(self, correction: Correction) -> None:
        """Correct the record; the service audits each changed field (old → new)."""
        if correction.facts:
            self.facts = correction.facts
        if correction.dishonesty_class is not None:
            self.dishonesty_class = correction.dishonesty_class
            if not list_class_allowed(self):
                raise RuleRefused.of(list_class_allowed)
        if correction.listed_until is not None:
            if self.listed_from and correction.listed_until < self.listed_from:
                raise RuleRefused("correction_invalid", _("The new listing end date is invalid."))
            self.listed_until = correction.listed_until


class CaseNumberCounter(models.Model):
    """Case numbers run per department and year; the row is locked while a number is taken."""

    department = models.ForeignKey("casework.Department", models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="case_number_counter_unique")
        ]
