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
    """A 督办意见: the leadership office chases a case (and perhaps one overdue deadline of it).

    Append-only: a note is written once through ``casework.services.add_escalation_note``
    and never changed; a correction is a new note. ``deadline_id`` names a
    ``workflows.Deadline`` without a foreign key, because casework does not depend on
    workflows (the SLA engine depends on the case engine).
    """

    visibility = Visibility.INTERNAL  # the leadership office's supervision (casework/visibility.py)

    case = models.ForeignKey(
        "casework.Case", models.PROTECT, related_name="escalation_notes", verbose_name=_("case")
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

    def __str__(self) -> str:
        return f"{self.case_id}: {self.text[:40]}"

    def owning_case(self) -> "Case":
        return self.case
