"""The log of unmasked reads of natural persons' identifiers (个人信息查阅记录).

Every time the system shows or hands out a citizen identity number whole — a page, an API
answer, the admin, an export, an official document — one row records who read it, when,
which subject, and why (the view or operation). Written by
``casework.services.identifier_reads``, never changed: on PostgreSQL a trigger refuses
UPDATE and DELETE (migration 0014), as for the audit events.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models.credit_checks import LOG_READ_ALL_ROLES

# Room for a view name and its path, or an operation's name.
PURPOSE_MAX = 200


class IdentifierReadQuerySet(models.QuerySet["IdentifierRead"]):
    def visible_to(self, user: Any) -> "IdentifierReadQuerySet":
        """The leadership office and administrators read the whole log (they answer for the
        protection of personal information); a department's staff read the reads of the
        subjects their department has a case on, whoever made them; nobody else reads it."""
        role = getattr(user, "role", None)
        if role in LOG_READ_ALL_ROLES or getattr(user, "is_superuser", False):
            return self.all()
        department_id = getattr(user, "department_id", None)
        if department_id:
            owned = Q(subject__cases__owner_department_id=department_id)
            return self.filter(pk__in=self.filter(owned).values("pk"))
        return self.none()


class IdentifierRead(models.Model):
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("read by"), help_text=_("Empty for the system itself (a scheduled task)."),
    )
    department = models.ForeignKey(
        "casework.Department", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("reader's department"),
    )
    subject = models.ForeignKey(
        "casework.Subject", models.PROTECT, related_name="identifier_reads", verbose_name=_("subject"),
    )
    purpose = models.CharField(_("why (view or operation)"), max_length=PURPOSE_MAX)
    path = models.CharField(_("request path"), max_length=PURPOSE_MAX, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    objects = IdentifierReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("identifier read")
        verbose_name_plural = _("identifier reads")
        ordering = ["-read_at", "-pk"]
        indexes = [
            models.Index(fields=["subject", "read_at"], name="identifier_read_subject"),
            models.Index(fields=["read_by", "read_at"], name="identifier_read_reader"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id} @ {self.read_at:%Y-%m-%d %H:%M} ({self.purpose})"
