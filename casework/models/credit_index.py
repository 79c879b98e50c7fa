"""The credit-check index (信用前置筛查): one row per listed case, keyed by the identifier.

A credit check before an approval must answer in milliseconds whatever the
number of cases, so it reads one indexed table and nothing else. The rows are
derived: ``casework.indexing`` rebuilds or updates a case's row inside the
transaction of every transition that changes what the row shows (the ``indexes``
hook), so the index never disagrees with a committed state.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.choices import ListType
from casework.fields import EncryptedIdentifierField


class CreditIndexEntry(models.Model):
    case = models.OneToOneField(
        "casework.Case", models.CASCADE, primary_key=True, related_name="credit_index",
        verbose_name=_("case"),
    )
    # Indexed in Meta, not db_index=True: the credit check looks the ciphertext up exactly;
    # Django's pattern-ops index for prefix LIKE on PostgreSQL would serve no query.
    identifier = EncryptedIdentifierField(_("identifier"))
    list_type = models.CharField(_("list type"), max_length=20, choices=ListType.choices)
    case_number = models.CharField(_("case number"), max_length=60)
    owner_department = models.CharField(_("owner department"), max_length=120)
    listed_from = models.DateField(_("listed from"))
    listed_until = models.DateField(_("listed until"), null=True, blank=True)
    objection_open = models.BooleanField(_("objection pending (有异议)"), default=False)
    # [{"code", "title", "department", "state"}] of the case's live measure tasks.
    measures = models.JSONField(_("measures"), default=list)
    # [{"id", "kind", "result", "on"}]: the case's talks held or refused (约谈记录记入信用记录).
    talks = models.JSONField(_("talks"), default=list)
    # [{"case_number", "approved_on", "revoked_on", "barred_until"}]: every repair granted to the
    # subject on any of its records, revoked ones too (repeated repairs are visible).
    repairs = models.JSONField(_("repair history"), default=list)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("credit index entry")
        verbose_name_plural = _("credit index entries")
        indexes = [models.Index(fields=["identifier"], name="credit_index_identifier")]

    def __str__(self) -> str:
        return f"{self.identifier} {self.case_number}"

