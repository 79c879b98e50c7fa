"""An import run and the natural key of every record a list file brought in."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lists.choices import BatchStatus


class ImportBatch(models.Model):
    """One file imported (by the command or the upload page): its progress and summary."""

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="import_batches",
        verbose_name=_("imported by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    message = models.TextField(_("reason refused or error"), blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # {reason code: count} of the rejected rows.
    rejected_by_reason = models.JSONField(_("rejected by reason"), default=dict, blank=True)
    errors_file = models.FileField(_("rejected rows"), upload_to="imports/errors/", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("list import")
        verbose_name_plural = _("list imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="import_batch_status_valid", condition=Q(status__in=BatchStatus.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class ListEntry(models.Model):
    """The natural key of an imported record (issuing authority + document number, or
    subject + legal basis + decision date) and the digest of the row that last wrote it.

    The unique key makes an import idempotent: the same row again is recognised as
    unchanged, a changed row as a correction of the same case.
    """

    # Unique by a constraint (Meta), not unique=True: Django would add a pattern-ops index for
    # prefix LIKE on PostgreSQL, which no lookup of a natural key asks for.
    natural_key = models.CharField(_("natural key"), max_length=400)
    case = models.OneToOneField(
        "casework.Case", models.PROTECT, related_name="list_entry", verbose_name=_("case")
    )
    digest = models.CharField(_("row digest"), max_length=64)
    batch = models.ForeignKey(
        ImportBatch, models.SET_NULL, null=True, blank=True, related_name="entries",
        verbose_name=_("last import"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        constraints = [
            models.UniqueConstraint(fields=["natural_key"], name="list_entry_natural_key_unique"),
        ]

    def __str__(self) -> str:
        return self.natural_key
