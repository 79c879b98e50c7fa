"""SLA policies (law as data, versioned by effective date) and the deadline rows the sweep reads."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.choices import (
    ASSESSED_STEPS,
    TRACKED_STEPS,
    Clock,
    DeadlineState,
    ExitCondition,
    OnDue,
    Party,
    PauseReason,
    Rung,
    Sector,
    Step,
    TimelineKind,
)


class PolicyQuerySet(models.QuerySet["Policy"]):
    def in_force(
        self, step: str, on: date, *, list_type: str = "", dishonesty_class: str = "",
        jurisdiction: str = "", sectors: Iterable[str] = (), legal_bases: Iterable[int] = (),
    ) -> "Policy | None":
        """The most specific row in force on ``on`` (``Policy.specificity``).

        Axes, most specific first: a row for one of the case's legal bases, a row for one of
        their sectors, the rule layer (the department's own jurisdiction, the province
        ``settings.CASEWORK_PROVINCE``, the national default: empty jurisdiction), then class,
        then list type. Empty on an axis: any.
        """
        province = province_layer()
        rows = self.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gt=on),
            Q(legal_basis__isnull=True) | Q(legal_basis__in=list(legal_bases)),
            step=step, effective_from__lte=on,
            list_type__in=["", list_type], dishonesty_class__in=["", dishonesty_class],
            jurisdiction__in=["", province, jurisdiction], sector__in=["", *sectors],
        )
        return max(rows, key=Policy.specificity, default=None)

    def with_case_axes(self, step: str) -> bool:
        """Whether any row of ``step`` is for a sector or a legal basis (then the lookup needs
        the case's legal bases; otherwise it does not read them)."""
        return self.filter(Q(legal_basis__isnull=False) | ~Q(sector=""), step=step).exists()


def province_layer() -> str:
    """The jurisdiction code of the provincial rule layer (辽宁 for 鞍山)."""
    return getattr(settings, "CASEWORK_PROVINCE", "") or ""


class Layer:
    """The rule layer of a policy row, from its jurisdiction."""

    NATIONAL = "national"
    PROVINCE = "province"
    LOCAL = "local"
    RANK = {NATIONAL: 0, PROVINCE: 1, LOCAL: 2}


class Confidence:
    """How sure the row's numbers are (the grade of its source)."""

    READ = "A"  # read in the legal text
    SUMMARY = "B"  # an official summary or interpretation
    DEFAULT = "C"  # a default the product chose (other regions' rules as a reference)
    NOT_OBTAINED = "D"  # the rule exists but its text was not obtained: the numbers are unverified
    VALUES = (READ, SUMMARY, DEFAULT, NOT_OBTAINED)


class Policy(models.Model):
    """One deadline rule with its legal source; a step uses the row in force when it started."""

    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    list_type = models.CharField(_("list type"), max_length=20, blank=True,
                                 help_text=_("Empty: any list type."))
    dishonesty_class = models.CharField(_("dishonesty class"), max_length=20, blank=True,
                                        help_text=_("Empty: any class."))
    jurisdiction = models.CharField(_("jurisdiction"), max_length=40, blank=True,
                                    help_text=_("Empty: national default; a code overrides locally."))
    sector = models.CharField(
        _("sector"), max_length=30, choices=Sector.choices, blank=True,
        help_text=_("Empty: any sector; otherwise the row applies to a case citing a legal basis "
                    "of this sector."),
    )
    legal_basis = models.ForeignKey(
        "casework.LegalBasis", models.PROTECT, null=True, blank=True, related_name="policies",
        verbose_name=_("legal basis"),
        help_text=_("Empty: any basis; otherwise the row applies to a case citing this basis "
                    "(the basis' own rule), before any other row."),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to (exclusive)"), null=True, blank=True)
    clock = models.CharField(_("clock"), max_length=20, choices=Clock.choices)
    length = models.PositiveIntegerField(_("length"))
    party = models.CharField(_("whose move"), max_length=20, choices=Party.choices)
    warn_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format (a literal percent sign; msgfmt --check-format would refuse it)
        _("warning at % of the period"), null=True, blank=True,
        help_text=_("Empty: no warning rung."),
    )
    warn_working_days_before = models.PositiveSmallIntegerField(
        _("or working days before due, whichever is earlier"), null=True, blank=True
    )
    escalates = models.BooleanField(_("breach escalates to the department head"), default=True)
    leadership_after = models.PositiveSmallIntegerField(
        _("督办 working days after breach"), null=True, blank=True,
        help_text=_("Empty: no leadership-office rung."),
    )
    on_due = models.CharField(_("when due passes"), max_length=30, choices=OnDue.choices,
                              default=OnDue.ESCALATE)
    pause_on = models.JSONField(_("pauses while"), default=list, blank=True,
                                help_text=_("Pause reasons that stop this clock."))
    starts_on_service = models.BooleanField(
        _("runs from service (送达)"), default=False,
        help_text=_("The period counts from the day after the document is served; until it is "
                    "served the clock waits."),
    )
    rolls_forward = models.BooleanField(
        _("an end on a rest day rolls forward to the next working day"), default=True,
        help_text=_("On for periods given for someone's act (民法典 Art 203); off for a burden on "
                    "the subject (publication, the wait before repair), which ends on its "
                    "calendar day."),
    )
    max_extension = models.PositiveIntegerField(
        _("maximum extension"), default=0, help_text=_("In the clock's units; 0: none.")
    )
    lighter_rule_applies = models.BooleanField(
        _("a lighter newer rule applies (从旧兼从轻)"), default=False,
        help_text=_("A clock started under this row takes a newer row in force today when that "
                    "row is shorter (the rule's source says why)."),
    )
    exit_condition = models.CharField(
        _("exit condition"), max_length=30, choices=ExitCondition.choices,
        default=ExitCondition.NONE,
        help_text=_("For a clock that exits the case when due: what must also hold. While it "
                    "does not, the case stays listed and the owner department and the leadership "
                    "office are told once; the sweep exits the case once it holds."),
    )
    source = models.TextField(_("legal source"))
    confidence = models.CharField(
        _("confidence"), max_length=1, default=Confidence.DEFAULT,
        help_text=_("A: read in the legal text; B: official summary; C: default; "
                    "D: the text was not obtained, the numbers are unverified."),
    )

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["step", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "list_type", "dishonesty_class", "jurisdiction", "sector",
                        "legal_basis", "effective_from"],
                name="policy_version_unique", nulls_distinct=False,
            ),
            models.CheckConstraint(name="policy_sector_valid",
                                   condition=Q(sector__in=["", *Sector.values])),
            models.CheckConstraint(name="policy_step_valid", condition=Q(step__in=Step.values)),
            models.CheckConstraint(name="policy_clock_valid", condition=Q(clock__in=Clock.values)),
            models.CheckConstraint(name="policy_confidence_valid",
                                   condition=Q(confidence__in=Confidence.VALUES)),
            models.CheckConstraint(name="policy_exit_condition_valid",
                                   condition=Q(exit_condition__in=ExitCondition.values)),
            models.CheckConstraint(
                name="policy_window_ordered",
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()}: {self.length} {self.get_clock_display()}"

    @property
    def layer(self) -> str:
        """The rule layer of the jurisdiction axis (national, provincial, local)."""
        if not self.jurisdiction:
            return Layer.NATIONAL
        return Layer.PROVINCE if self.jurisdiction == province_layer() else Layer.LOCAL

    def specificity(self) -> tuple[bool, bool, int, bool, bool, date, int, int]:
        """The order of ``PolicyQuerySet.in_force``: the greatest tuple wins.

        A row for the case's own legal basis, then one for its sector (the rule of the field,
        e.g. 国家发展改革委令第58号's one-year minimum, applies in every layer: a layer that
        wants another number for the field adds a row with both), then the rule layer (local,
        provincial, national), then class, then list type, then the later version. Rows equal
        on all of these (a case citing bases of two sectors) are decided by the longer period,
        since the rule of each basis binds the record, then by the row's id.
        """
        return (self.legal_basis_id is not None, bool(self.sector), Layer.RANK[self.layer],
                bool(self.dishonesty_class), bool(self.list_type), self.effective_from,
                self.length, -(self.pk or 0))

    def pauses_on(self, reason: str) -> bool:
        return reason in PauseReason.values and reason in (self.pause_on or [])


class DeadlineQuerySet(models.QuerySet):
    """The rules that select clocks, each named once."""

    def open(self) -> "DeadlineQuerySet":
        """Open: not yet closed. Running, paused, or breached and still waiting for its step.

        A clock closes when its step moves on (met), is cancelled, or — for a rectification
        period that the sweep marked overdue — closes as breached. Closed clocks never fire.
        """
        return self.filter(closed_at__isnull=True)

    def overdue(self, now: datetime) -> "DeadlineQuerySet":
        """Open, past its due time and counting: a paused clock (an open objection) is not overdue."""
        return self.open().filter(due_at__lte=now).exclude(state=DeadlineState.PAUSED)

    def for_party(self, department: Any) -> "DeadlineQuerySet":
        """Open clocks waiting on a move of ``department`` (its own or as a joint department)."""
        return self.open().filter(department=department).exclude(party=Party.SUBJECT)

    def of_target(self, target: models.Model) -> "DeadlineQuerySet":
        """The clocks of one step object (or of the case itself)."""
        return self.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)


class Deadline(models.Model):
    """One SLA clock on one step of a case: what it waits for, whose move, when it is due."""

    # Indexes: every one is maintained on every sweep UPDATE (next_fire_at is indexed, so no
    # HOT update), so a foreign key without a query of its own has none (migration 0025):
    # target_type is the prefix of deadline_target_step; a policy's clocks and a department's
    # are only read through the partial indexes below (deleting a policy or a department,
    # which PROTECT refuses while clocks refer to it, scans the table).
    case = models.ForeignKey("casework.Case", models.PROTECT, related_name="deadlines")
    target_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+", db_index=False)
    target_id = models.PositiveBigIntegerField()
    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    policy = models.ForeignKey(Policy, models.PROTECT, related_name="deadlines", db_index=False)
    party = models.CharField(_("whose move"), max_length=20, choices=Party.choices)
    department = models.ForeignKey(
        "casework.Department", models.PROTECT, null=True, blank=True, related_name="deadlines",
        verbose_name=_("responsible department"), db_index=False,
    )
    state = models.CharField(_("state"), max_length=20, choices=DeadlineState.choices,
                             default=DeadlineState.RUNNING)
    started_on = models.DateField(_("started on"))
    length = models.PositiveIntegerField(_("length"))
    length_from_order = models.BooleanField(
        _("length set in the order"), default=False,
        help_text=_("Otherwise the length follows the policy when deadlines are recomputed."),
    )
    extension = models.PositiveIntegerField(_("extended by"), default=0)
    due_fixed_on = models.DateField(
        _("due date set by a decision"), null=True, blank=True,
        help_text=_("A correction that sets the end (e.g. of listing) fixes it; otherwise the "
                    "period is counted from its start."),
    )
    paused_days = models.PositiveIntegerField(_("working days restored after pauses"), default=0)
    paused_since = models.DateField(_("paused since"), null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=30, blank=True)
    due_on = models.DateField(_("due on"))
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    provisional = models.BooleanField(_("provisional"), default=False)
    mirror_field = models.CharField(max_length=40, blank=True,
                                    help_text="Field on the target that shows due_on.")
    next_fire_at = models.DateTimeField(null=True, blank=True)
    next_rung = models.CharField(max_length=20, choices=Rung.choices, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    failures = models.PositiveSmallIntegerField(default=0)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            models.CheckConstraint(name="deadline_state_valid",
                                   condition=Q(state__in=DeadlineState.values)),
            # Closed clocks never fire: the sweep's partial index then only holds open rows.
            models.CheckConstraint(
                name="deadline_closed_does_not_fire",
                condition=Q(state__in=DeadlineState.open_states()) | Q(next_fire_at__isnull=True),
            ),
            # One meaning of "open" (DeadlineQuerySet.open): a met or cancelled clock is closed.
            models.CheckConstraint(
                name="deadline_open_state",
                condition=Q(closed_at__isnull=False) | Q(state__in=DeadlineState.open_states()),
            ),
        ]
        indexes = [
            # sweep: WHERE next_fire_at <= now ORDER BY next_fire_at LIMIT n FOR UPDATE SKIP LOCKED.
            # Partial, so its size (and the sweep's cost) follows the rows that will fire, not
            # the finished ones.
            models.Index(fields=["next_fire_at"], name="deadline_due_fire",
                         condition=Q(next_fire_at__isnull=False)),
            # /metrics (operations/metrics.py): the open clocks counted by state at every scrape,
            # an index-only scan of the open ones; without it the count read the whole table
            # (2.6 s on a city of 7.6 million clocks). A swept clock is in it (one entry more
            # per swept row, measured in docs/benchmarks.md, SLA sweep).
            models.Index(fields=["state"], name="deadline_open_by_state",
                         condition=Q(closed_at__isnull=True)),
            # hooks: the open clocks of one step object (open/meet/pause on each transition).
            models.Index(fields=["target_type", "target_id", "step"], name="deadline_target_step"),
            # sla_recompute after a calendar year is entered: the open provisional clocks.
            models.Index(fields=["due_on"], name="deadline_provisional_open",
                         condition=Q(provisional=True, closed_at__isnull=True)),
            # oversight dashboard (oversight/dashboard.py open_counts, overdue_counts): open clocks
            # of the tracked steps GROUP BY department, step, counted by state and due date.
            # Covering, so the grid is an index-only scan of the open tracked clocks only; and
            # the trend's open clocks (dashboard.overdue_at, which also reads opened_at).
            models.Index(fields=["department", "step", "due_on"], name="deadline_open_tracked",
                         include=["state", "due_at", "opened_at"],
                         condition=Q(closed_at__isnull=True, step__in=TRACKED_STEPS)),
            # oversight trend (dashboard.overdue_at): the tracked clocks closed after their due
            # time, which were overdue before they closed; range on closed_at. Closed ones only:
            # the open ones are in deadline_open_tracked, and an index of open clocks costs the
            # sweep an entry per swept row (migration 0026).
            models.Index(fields=["closed_at"], name="deadline_closed_late",
                         include=["due_at", "opened_at"],
                         condition=Q(step__in=TRACKED_STEPS) & Q(closed_at__gt=models.F("due_at"))),
            # department assessment (oversight/assessment.py closed_clocks): a department's
            # closed clocks of the assessed steps in a period, covering the figures it needs.
            models.Index(fields=["department", "closed_at"], name="deadline_closed_assessed",
                         include=["step", "started_on", "due_at", "paused_days", "state"],
                         condition=Q(closed_at__isnull=False, step__in=ASSESSED_STEPS)),
            # the department inbox (casework.inbox.pending_moves): WHERE department_id = d AND
            # closed_at IS NULL AND NOT party = 'subject' AND NOT step IN (the publication
            # milestones, casework.inbox.MILESTONES), the rows ORDER BY due_at, id LIMIT 50 and the
            # counts by SLA state. The condition is exactly the inbox's, so the milestones (most
            # of a department's open clocks on a large city) are not in it; covering what the
            # counts and the row filters read (inbox.sla_filters: state, escalation_level,
            # due_at, warn_at; the step filter), so the counts are an index-only scan.
            models.Index(fields=["department", "due_at", "id"], name="deadline_inbox",
                         include=["state", "escalation_level", "warn_at", "step"],
                         condition=Q(closed_at__isnull=True) & ~Q(party=Party.SUBJECT)
                         & ~Q(step__in=[Step.PUBLICATION_MIN, Step.PUBLICATION_MAX])),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} → {self.due_on}"

    def is_open(self) -> bool:
        """The row rule of DeadlineQuerySet.open()."""
        return self.closed_at is None

    def is_due(self, now: object) -> bool:
        return self.next_fire_at is not None and self.next_fire_at <= now  # type: ignore[operator]


class DeadlineEvent(models.Model):
    """The timeline of a deadline: why it is where it is, and by which rule."""

    deadline = models.ForeignKey(Deadline, models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=TimelineKind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                              related_name="+")
    old_due = models.DateField(null=True, blank=True)
    new_due = models.DateField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("deadline event")
        verbose_name_plural = _("deadline events")
        ordering = ["at", "pk"]
        constraints = [
            # A held exit is flagged once per clock, however many sweeps find it still held.
            models.UniqueConstraint(fields=["deadline"], condition=Q(kind=TimelineKind.HELD),
                                    name="deadline_event_held_once"),
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id} {self.kind}"


class Escalation(models.Model):
    """One fired rung. The unique key makes each rung of each due date fire exactly once."""

    deadline = models.ForeignKey(Deadline, models.PROTECT, related_name="escalations")
    rung = models.CharField(_("rung"), max_length=20, choices=Rung.choices)
    due_on = models.DateField(_("for due date"))
    fired_at = models.DateTimeField(_("fired at"), auto_now_add=True)
    department = models.ForeignKey("casework.Department", models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(fields=["deadline", "rung", "due_on"], name="escalation_once"),
        ]
        indexes = [
            # oversight dashboard: rungs fired this week by department, and the 12-week trend
            # (WHERE rung IN (...) AND fired_at >= t GROUP BY department, rung / week): one
            # index-only range scan per rung, which skips the many warnings the trend leaves out.
            models.Index(fields=["rung", "fired_at"], name="escalation_fired", include=["department"]),
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id} {self.rung} {self.due_on}"


class RuleSetBoundary(models.Model):
    """A day on which policy rows take effect, applied once to the clocks already running.

    从旧兼从轻: a clock whose row says ``lighter_rule_applies`` takes a newer, shorter row once
    that row is in force. The sweep applies the moves when the day is reached
    (``workflows.boundaries``) and marks the row applied, so a boundary runs once.
    """

    effective_on = models.DateField(_("effective on"), unique=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    moved = models.PositiveIntegerField(_("clocks moved"), default=0)
    failed = models.PositiveIntegerField(_("moves that failed"), default=0)
    # The pass walks the clocks in id order, a batch per transaction: the last id it walked.
    resume_after = models.BigIntegerField(_("walked up to clock"), default=0)

    class Meta:
        verbose_name = _("rule-set boundary")
        verbose_name_plural = _("rule-set boundaries")
        ordering = ["effective_on"]

    def __str__(self) -> str:
        return self.effective_on.isoformat()
