"""Choices of the SLA engine: steps, clocks, deadline states, rungs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Step(models.TextChoices):
    STATEMENT_WINDOW = "statement_window", _("Statement and defence window (陈述申辩)")
    OBJECTION_ACCEPT = "objection_accept", _("Objection: accept or reject")
    OBJECTION_DECIDE = "objection_decide", _("Objection: decision")
    OBJECTION_RE_REVIEW_REQUEST = "objection_re_review_request", _("Objection: re-review may be requested")
    OBJECTION_RE_REVIEW = "objection_re_review", _("Objection: re-review decision (复核)")
    RECORD_WITHDRAWAL = "record_withdrawal", _("Withdraw the record: the penalty was revoked")
    RECTIFICATION_PERIOD = "rectification_period", _("Rectification period")
    RECTIFICATION_VERIFY = "rectification_verify", _("Rectification: verify the evidence")
    TALK_SCHEDULE = "talk_schedule", _("Talk: schedule")
    TALK_NOTICE = "talk_notice", _("Talk: notice to the subject before the talk")
    TALK_RECORD = "talk_record", _("Talk: file the record")
    MEASURE_ACKNOWLEDGE = "measure_acknowledge", _("Measure: acknowledge")
    MEASURE_REPORT = "measure_report", _("Measure: report implementation")
    MEASURE_TERMINATE = "measure_terminate", _("Measure: confirm termination")
    REPAIR_DECIDE = "repair_decide", _("Repair: accept or reject")
    REPAIR_ANSWER = "repair_answer", _("Repair: end-to-end answer")
    PUBLICATION_MIN = "publication_min", _("Minimum publication period (repair possible)")
    PUBLICATION_MAX = "publication_max", _("Maximum publication period (exit as expired)")
    # Not a clock: the period after a repair is revoked for false material (撤销修复) during
    # which the subject's new repair applications are refused.
    REPAIR_BAR = "repair_bar", _("Repair: new applications barred after a revoked repair")
    # Not a clock: the period after a case's exit within which its subject may object that it
    # was wrongly listed (harm from a wrong listing, 鞍政办发〔2020〕18号 第14项).
    OBJECTION_AFTER_EXIT = "objection_after_exit", _("Objection after exit: wrong listing may be raised")


# The clocks of a case's steps, which the leadership office tracks (not the publication
# periods, which are milestones of the case and nobody's move).
TRACKED_STEPS: tuple[str, ...] = (
    Step.STATEMENT_WINDOW, Step.OBJECTION_ACCEPT, Step.OBJECTION_DECIDE, Step.OBJECTION_RE_REVIEW,
    Step.RECORD_WITHDRAWAL, Step.RECTIFICATION_PERIOD, Step.RECTIFICATION_VERIFY,
    Step.TALK_SCHEDULE, Step.TALK_RECORD, Step.MEASURE_ACKNOWLEDGE,
    Step.MEASURE_REPORT, Step.MEASURE_TERMINATE, Step.REPAIR_DECIDE, Step.REPAIR_ANSWER,
)
# The clocks that wait on a department's own move (owner or joint department): those it is
# assessed on. The statement window and the rectification period are the subject's.
ASSESSED_STEPS: tuple[str, ...] = tuple(
    step for step in TRACKED_STEPS if step not in (Step.STATEMENT_WINDOW, Step.RECTIFICATION_PERIOD)
)


class Sector(models.TextChoices):
    """The field (领域) of a legal basis, where a rule sets periods by field.

    国家发展改革委令第58号 sets a one-year minimum publication for the administrative penalty
    information of five fields (workflows/policy_defaults.py, SECTOR_MINIMUM); a policy row
    with a sector applies to a case that cites a basis of that sector.
    """

    FOOD = "food", _("Food (食品)")
    DRUG = "drug", _("Drugs (药品)")
    SPECIAL_EQUIPMENT = "special_equipment", _("Special equipment (特种设备)")
    WORK_SAFETY = "work_safety", _("Work safety (安全生产)")
    FIRE_SAFETY = "fire_safety", _("Fire safety (消防)")


class Clock(models.TextChoices):
    WORKING_DAYS = "working_days", _("Working days")
    CALENDAR_DAYS = "calendar_days", _("Calendar days")
    MONTHS = "months", _("Months")


class Party(models.TextChoices):
    """Whose move the deadline waits for."""

    DEPARTMENT = "department", _("Owner department")
    SUBJECT = "subject", _("Subject")
    JOINT = "joint", _("Joint department")


class OnDue(models.TextChoices):
    """What the sweep does when the due time passes."""

    ESCALATE = "escalate", _("Breach and escalate")
    EXIT_EXPIRED = "exit_expired", _("Exit the case as expired")
    RECTIFICATION_OVERDUE = "rectification_overdue", _("Mark the rectification overdue (a talk is required)")
    MILESTONE = "milestone", _("Milestone reached (no breach)")


class ExitCondition(models.TextChoices):
    """What must hold, besides the period having passed, before the sweep exits a case as expired.

    A property of the maximum publication row (``Policy.exit_condition``), with the row's source.
    """

    NONE = "none", _("None: the case exits when the period has passed")
    RECTIFICATION_DONE = "rectification_done", _(
        "Every ordered rectification accepted (none open or overdue)")


class DeadlineState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.RUNNING, cls.PAUSED, cls.BREACHED)


class Rung(models.TextChoices):
    WARNING = "warning", _("Warning to the responsible officer")
    BREACH = "breach", _("Breach: officer and department head")
    LEADERSHIP = "leadership", _("督办: leadership office")


class PauseReason(models.TextChoices):
    OBJECTION_OPEN = "objection_open", _("An objection on the case is open")
    EXPERT_REVIEW = "expert_review", _("Testing, appraisal or expert review")
    AWAITING_SUBJECT = "awaiting_subject", _("Waiting on the subject")
    # A period that runs from service (送达) waits until the document is served.
    AWAITING_SERVICE = "awaiting_service", _("Waiting for the document to be served")


class TimelineKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    PAUSED = "paused", _("Paused")
    RESUMED = "resumed", _("Resumed")
    EXTENDED = "extended", _("Extended")
    WARNED = "warned", _("Warned")
    BREACHED = "breached", _("Breached")
    ESCALATED = "escalated", _("Escalated")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")
    RECOMPUTED = "recomputed", _("Recomputed")
    REASSIGNED = "reassigned", _("Reassigned to a successor department")
    SERVED = "served", _("Started on service of the document (送达)")
    FAILED = "failed", _("Sweep failed on this row")
    # The maximum publication period passed, the exit condition of its rule did not hold: the
    # case stays listed, the owner department and the leadership office are told (once).
    HELD = "held", _("Exit held: the exit condition of the rule is not met")
