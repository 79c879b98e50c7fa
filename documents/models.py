"""Official documents: editable templates, numbered documents and the service acts that deliver them."""

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models.querysets import StepQuerySet
from casework.visibility import Visibility
from documents.choices import CASELESS_KINDS, DocumentKind, RefusalReason
from workflows.guards import Role, RuleRefused
from workflows.service_act import ServiceActMachine, ServiceMethod, ServiceState


class DocumentTemplate(models.Model):
    """The text of one kind of document in one language; an office edits it in the admin.

    A document keeps the text it was issued with: editing a template changes only
    the documents issued after it (the version is recorded on each document).
    """

    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(
        _("body"),
        help_text=_("Django template: {{ subject.name }}, {{ case.number }}, "
                    "{% for basis in bases %} …"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="document_template_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language}, v{self.version})"


class ServiceActQuerySet(StepQuerySet):
    def of_target(self, target: models.Model) -> "ServiceActQuerySet":
        """The acts that delivered documents about one case or step."""
        return self.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)

    def pending(self) -> "ServiceActQuerySet":
        """Issued and not yet served: the periods that run from service still wait on these."""
        return self.filter(state=ServiceState.PENDING)


class ServiceAct(ServiceActMachine):
    """送达: one act delivers one or more documents (两书同达) and records how and when."""

    case = models.ForeignKey("casework.Case", models.PROTECT, related_name="service_acts",
                             verbose_name=_("case"))
    target_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    method = models.CharField(_("method"), max_length=20, choices=ServiceMethod.choices, blank=True)
    served_on = models.DateField(_("served on"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    note = models.CharField(_("note (e.g. return receipt number)"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    visibility = Visibility.SUBJECT  # served on the subject (casework/visibility.py)
    objects = ServiceActQuerySet.as_manager()

    class Meta:
        verbose_name = _("service act")
        verbose_name_plural = _("service acts")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(name="service_act_state_valid",
                                   condition=Q(state__in=ServiceState.values)),
            models.CheckConstraint(
                name="service_act_served_has_date",
                condition=~Q(state=ServiceState.SERVED) | Q(served_on__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="service_act_target")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.case})"

    def owning_case(self) -> Any:
        return self.case

    def apply_service(self, actor: Any, data: Any) -> None:
        """A subject serves itself only by opening the documents in the portal (today);
        staff record a post return receipt or an in-person service on a past date."""
        method = data.method
        if actor.role == Role.SUBJECT:
            if method != ServiceMethod.PORTAL:
                raise RuleRefused("service_method", _("A subject is served in the portal only."))
            served_on = timezone.localdate()
        else:
            if method not in (ServiceMethod.POST, ServiceMethod.IN_PERSON):
                raise RuleRefused("service_method",
                                  _("Staff record a service by post or in person."))
            served_on = self._served_on(data.served_on)
        self.method, self.served_on = method, served_on
        self.recorded_at, self.recorded_by_id = timezone.now(), actor.pk
        self.note = data.note

    def _served_on(self, served_on: date | None) -> date:
        issued_on = timezone.localdate(self.created_at) if self.created_at else timezone.localdate()
        if served_on is None or not issued_on <= served_on <= timezone.localdate():
            raise RuleRefused(
                "service_date_invalid",
                _("The date of service (the return receipt's date) must lie between the issue "
                  "date and today."),
            )
        return served_on


def document_path(instance: "Document", filename: str) -> str:
    if instance.case_id is None:
        return f"documents/{instance.kind}/{instance.period}-{instance.pk}-{instance.sha256[:16]}.pdf"
    return f"documents/{instance.case_id}/{instance.pk}-{instance.sha256[:16]}.pdf"


class DocumentQuerySet(StepQuerySet):
    def visible_to(self, user: Any) -> "StepQuerySet":
        """A case's documents with their case; a document about no case (the monthly 通报)
        for the leadership office alone — not for administrators or system clients."""
        from casework.choices import Role

        visible = super().visible_to(user)
        if getattr(user, "role", None) == Role.LEADERSHIP:
            return visible
        return visible.exclude(kind__in=CASELESS_KINDS)


def _case_document() -> Q:
    return (~Q(kind__in=CASELESS_KINDS) & Q(case__isnull=False, service_act__isnull=False,
                                           target_type__isnull=False, target_id__isnull=False, period=""))


def _caseless_document() -> Q:
    return (Q(kind__in=CASELESS_KINDS, case__isnull=True, service_act__isnull=True,
              target_type__isnull=True, target_id__isnull=True) & ~Q(period=""))


class Document(models.Model):
    """One issued document: numbered per department and year, checksummed, tied to its audit event.

    A case's document has its case, service act and target (the step it is about); a
    document about no case (``CASELESS_KINDS``: the monthly 通报) has none of them and
    names its period instead, one per kind and period. A check constraint keeps the two apart.
    """

    case = models.ForeignKey("casework.Case", models.PROTECT, related_name="documents",
                             verbose_name=_("case"), null=True, blank=True)
    service_act = models.ForeignKey(ServiceAct, models.PROTECT, related_name="documents",
                                    verbose_name=_("service act"), null=True, blank=True)
    period = models.CharField(_("period (YYYY-MM)"), max_length=7, blank=True,
                              help_text=_("Only for a document about no case: the month it reports on."))
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=100)
    language = models.CharField(_("language"), max_length=10)
    template_version = models.PositiveIntegerField(_("template version"))
    html = models.TextField(_("text of record (HTML)"))
    sha256 = models.CharField(_("SHA-256 of the text of record"), max_length=64)
    pdf = models.FileField(_("PDF"), upload_to=document_path, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    reason_code = models.CharField(_("structured reason"), max_length=40,
                                   choices=RefusalReason.choices, blank=True)
    audit_event = models.ForeignKey("casework.AuditEvent", models.PROTECT, related_name="+",
                                    verbose_name=_("produced by audit event"))
    target_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+", null=True, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    visibility = Visibility.SUBJECT  # addressed to the subject (casework/visibility.py)
    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(name="document_kind_valid",
                                   condition=Q(kind__in=DocumentKind.values)),
            models.CheckConstraint(name="document_case_or_caseless",
                                   condition=_case_document() | _caseless_document()),
            models.UniqueConstraint(fields=["kind", "period"], condition=Q(kind__in=CASELESS_KINDS),
                                    name="document_caseless_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"

    def owning_case(self) -> Any:
        return self.case

    @property
    def is_served(self) -> bool:
        return self.service_act is not None and self.service_act.state == ServiceState.SERVED


class DocumentNumberCounter(models.Model):
    """Document numbers run per department and year; the row is locked while a number is taken."""

    department = models.ForeignKey("casework.Department", models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "year"],
                                    name="document_number_counter_unique")
        ]
