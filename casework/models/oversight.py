"""The leadership office's oversight records (plan items 16, 19: it tracks progress and chases)."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.visibility import Visibility

if TYPE_CHECKING:
    from casework.models.cases import Case

# Long enough for a 督办意见 of a page; a longer text belongs in an attached document.
ESCALATION_NOTE_MAX = 2000


class EscalationNote(models.Model):
    """A 督办意见: the leadership office chases a case (and perhaps one overdue deadline of it),
    or a department's whole overdue set (no case).

    Append-only: a note is written once through ``casework.services.add_escalation_note``
    (or ``oversight.services.chase_department``) and never changed; a correction is a new
    note, an answer is an ``EscalationAnswer``. ``deadline_id`` names a
    ``workflows.Deadline`` without a foreign key, because casework does not depend on
    workflows (the SLA engine depends on the case engine).
    """

    visibility = Visibility.INTERNAL  # the leadership office's supervision (casework/visibility.py)

    case = models.ForeignKey(
        "casework.Case", models.PROTECT, null=True, blank=True, related_name="escalation_notes",
        verbose_name=_("case"),
    )
    addressee = models.ForeignKey(
        "casework.Department", models.PROTECT, related_name="escalation_notes_received",
        verbose_name=_("department chased"),
        help_text=_("The department that must answer: the case's owner, or the department chased."),
    )
    overdue_count = models.PositiveIntegerField(
        _("overdue deadlines chased"), null=True, blank=True,
        help_text=_("For a department's overdue set: how many of its deadlines were overdue."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("author")
    )
    department = models.ForeignKey(
        "casework.Department", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("author's department"),
    )
    text = models.CharField(_("text"), max_length=ESCALATION_NOTE_MAX)
    deadline_id = models.PositiveBigIntegerField(
        _("deadline chased"), null=True, blank=True,
        help_text=_("The overdue deadline of this case that the note chases, if any."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation note")
        verbose_name_plural = _("escalation notes")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(name="escalation_note_text_not_empty", condition=~Q(text="")),
        ]
        indexes = [
            # a department's 督办 inbox and the assessment: notes addressed to it, by time.
            models.Index(fields=["addressee", "created_at"], name="escalation_note_addressee"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id or self.addressee_id}: {self.text[:40]}"

    def owning_case(self) -> "Case | None":
        return self.case


class EscalationAnswer(models.Model):
    """The chased department's answer to a 督办意见: written once, by its staff; the time counts."""

    note = models.OneToOneField(EscalationNote, models.PROTECT, related_name="answer",
                                verbose_name=_("escalation note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    department = models.ForeignKey("casework.Department", models.PROTECT, related_name="+",
                                   verbose_name=_("answering department"))
    text = models.CharField(_("text"), max_length=ESCALATION_NOTE_MAX)
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation answer")
        verbose_name_plural = _("escalation answers")
        constraints = [
            models.CheckConstraint(name="escalation_answer_text_not_empty", condition=~Q(text="")),
        ]

    def __str__(self) -> str:
        return f"{self.note_id}: {self.text[:40]}"
