from collections.abc import Callable, Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.choices import LegalBasisKind, ListType, SubjectKind
from casework.fields import EncryptedIdentifierField
from casework.identifiers import (
    mask_identifier,
    validate_citizen_id,
    validate_registrable_uscc,
    validate_uscc,
)
from workflows.choices import Sector


class Subject(models.Model):
    """A credit subject: an organisation (统一社会信用代码) or a natural person (公民身份号码)."""

    kind = models.CharField(_("kind"), max_length=24, choices=SubjectKind.choices)
    name = models.CharField(_("name"), max_length=200)
    # Encrypted at rest (casework/crypto.py): the column holds AES-SIV ciphertext only.
    identifier = EncryptedIdentifierField(_("identifier"), unique=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.CheckConstraint(name="subject_kind_valid", condition=Q(kind__in=SubjectKind.values)),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_identifier})"

    def save(self, *args: object, **kwargs: object) -> None:
        # Identifiers are validated on every save, not only in forms: scripts and
        # the API must not store a code that fails its check character.
        self.identifier = normalise_identifier(self.kind, self.identifier)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        self.identifier = normalise_identifier(self.kind, self.identifier)

    @property
    def is_natural_person(self) -> bool:
        return self.kind == SubjectKind.NATURAL_PERSON

    @property
    def masked_identifier(self) -> str:
        return mask_identifier(self.identifier) if self.is_natural_person else self.identifier

    def identifier_for(self, viewer: object, purpose: str = "") -> str:
        """A natural person's number is shown whole only to its owner departments and itself;
        each such read is logged (casework.services.identifier_reads)."""
        if not self.is_natural_person:
            return self.identifier
        department_id = getattr(viewer, "department_id", None)
        if getattr(viewer, "subject_id", None) == self.pk or (
            department_id and self.cases.filter(owner_department_id=department_id).exists()
        ):
            return self.unmasked_identifier(viewer, purpose)
        return self.masked_identifier

    def unmasked_identifier(self, viewer: object, purpose: str = "") -> str:
        """The whole number, the read logged: the one way code hands a person's number out."""
        from casework.services import identifier_reads

        identifier_reads.record(viewer, self, purpose)
        return self.identifier


def normalise_identifier(kind: str, identifier: str) -> str:
    """The identifier checked against its kind's standard; the other kind's number is named as such."""
    natural = kind == SubjectKind.NATURAL_PERSON
    validate, other = (
        (validate_citizen_id, validate_uscc) if natural else (validate_registrable_uscc, validate_citizen_id)
    )
    try:
        return validate(identifier)
    except ValidationError:
        if passes(other, identifier):
            raise ValidationError(KIND_MISMATCH, code="kind_mismatch") from None
        raise


KIND_MISMATCH = _(
    "The kind and the identifier do not match: a natural person has a 公民身份号码 (GB 11643), "
    "an organisation a 统一社会信用代码 (GB 32100-2015)."
)


def passes(validate: Callable[[str], str], identifier: str) -> bool:
    try:
        validate(identifier)
    except ValidationError:
        return False
    return True


ARTICLE_UNAVAILABLE = _("(article not verified: the text of the rule has not been obtained)")


class LegalBasis(models.Model):
    """A catalogue entry: the law, regulation or State Council decision a listing rests on."""

    kind = models.CharField(_("kind"), max_length=24, choices=LegalBasisKind.choices)
    title = models.CharField(_("title"), max_length=200)
    article = models.CharField(_("article"), max_length=100, blank=True)
    allows_serious_list = models.BooleanField(_("allows the serious dishonesty list"), default=False)
    allows_focus_list = models.BooleanField(_("allows the key attention list"), default=False)
    listing_years = models.PositiveSmallIntegerField(
        _("listing validity (years)"), null=True, blank=True,
        help_text=_("Set where the basis fixes the validity; otherwise the policy default."),
    )
    sector = models.CharField(
        _("sector"), max_length=30, choices=Sector.choices, blank=True,
        help_text=_("The field whose own periods apply (e.g. the one-year minimum publication of "
                    "国家发展改革委令第58号); empty: none."),
    )
    active_from = models.DateField(_("active from"))
    active_until = models.DateField(_("active until"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["kind", "title"]
        constraints = [
            models.CheckConstraint(
                name="legal_basis_kind_valid", condition=Q(kind__in=LegalBasisKind.values)
            ),
            models.CheckConstraint(
                name="legal_basis_sector_valid", condition=Q(sector__in=["", *Sector.values])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.article_text}"

    @property
    def article_text(self) -> str:
        """The article as shown: a row whose article text was not obtained says so, never blank."""
        return self.article or str(ARTICLE_UNAVAILABLE)

    def is_active_on(self, day: date) -> bool:
        return self.active_from <= day and (self.active_until is None or day <= self.active_until)

    def allows(self, list_type: str) -> bool:
        if list_type == ListType.SERIOUS:
            return self.allows_serious_list
        return self.allows_focus_list


class Measure(models.Model):
    """A joint-punishment measure from the published catalogue (清单), with its legal basis."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    legal_basis = models.ForeignKey(
        LegalBasis, models.PROTECT, related_name="measures", verbose_name=_("legal basis")
    )
    department = models.ForeignKey(
        "casework.Department", models.PROTECT, related_name="measures",
        verbose_name=_("implementing department"),
    )
    list_types = models.CharField(
        _("list types"), max_length=40, default="serious",
        help_text=_("Comma-separated list types the measure applies to."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title

    def applies_to(self, list_type: str) -> bool:
        return list_type in [item.strip() for item in self.list_types.split(",")]

    def misfit(self, list_type: str, basis_ids: Iterable[int]) -> str | None:
        """Why this measure may not follow from a case of ``list_type`` citing ``basis_ids``, or None.

        The one rule for every measure of a case, chosen by hand or taken from the catalogue:
        its legal basis is one the case cites (the measure rests on the law the case rests on),
        it is active, and it applies to the case's list type.
        """
        names = {"measure": self.title, "code": self.code}
        if not self.active:
            return str(_("The measure “%(measure)s” (%(code)s) is no longer active.") % names)
        if self.legal_basis_id not in set(basis_ids):
            return str(_(
                "The measure “%(measure)s” (%(code)s) rests on %(basis)s, which this case does not "
                "cite: a measure follows only from a legal basis of the case itself."
            ) % {**names, "basis": self.legal_basis})
        if not self.applies_to(list_type):
            return str(_("The measure “%(measure)s” (%(code)s) does not apply to the %(list_type)s.")
                       % {**names, "list_type": ListType(list_type).label})
        return None
