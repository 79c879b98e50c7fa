from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.querysets import EvidenceQuerySet


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Stored under the checksum, never the uploader's file name (which may hold personal data).
    return f"evidence/{instance.case_id}/{instance.sha256}"


class Evidence(models.Model):
    """A file attached to a case or one of its steps; checked for size and type, checksummed."""

    case = models.ForeignKey(
        "casework.Case", models.PROTECT, related_name="evidence", verbose_name=_("case")
    )
    attached_type = models.ForeignKey(ContentType, models.PROTECT, null=True, blank=True)
    attached_id = models.PositiveBigIntegerField(null=True, blank=True)
    attached_to = GenericForeignKey("attached_type", "attached_id")
    file = models.FileField(_("file"), upload_to=evidence_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(name="evidence_size_positive", condition=models.Q(size__gt=0)),
        ]

    def __str__(self) -> str:
        return self.original_name
