"""One row of a list file checked with the rules of a case opened by hand.

The identifier's check character (GB 32100 / GB 11643), the legal basis exists, is in
force on the decision date and allows the list type, the list type and dishonesty class
fit, the decision date is a real date not in the future, the department exists, is
active and is a determining department, and it is the importing officer's department
(谁认定). Everything a row needs is looked up in a catalogue loaded once per import.
"""

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from casework.choices import CaseOrigin, DepartmentKind, DishonestyClass, ListType, SubjectKind
from casework.crypto import encrypt
from casework.identifiers import validate_citizen_id, validate_uscc
from casework.models import Department, LegalBasis
from lists.columns import BASIS_SEPARATORS, COLUMN_NAMES, EXPORT_ONLY
from lists.readers import RawRow
from workflows.case import LIST_CLASSES

DATE_SEPARATORS = ("/", ".")


def class_fits_list_type(list_type: str, dishonesty_class: str) -> bool:
    """The list type / dishonesty class pairing of a case (the case machine's LIST_CLASSES)."""
    return dishonesty_class in LIST_CLASSES.get(list_type, ())


class RowRejected(ValueError):
    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = str(message)


@dataclass(frozen=True)
class ListRow:
    """A valid row, its values parsed once."""

    line: int
    identifier: str
    subject_name: str
    subject_kind: str
    list_type: str
    dishonesty_class: str
    bases: tuple[LegalBasis, ...]
    facts: str
    decided_on: date
    document_number: str
    department: Department
    determining_authority: str

    @property
    def origin(self) -> str:
        return CaseOrigin.EXTERNAL if self.determining_authority else CaseOrigin.IMPORTED

    @functools.cached_property
    def natural_key(self) -> str:
        """Issuing authority + document number; without a number, subject + basis + date
        (made once: the import asks it of each row several times)."""
        if self.document_number:
            authority = self.determining_authority or self.department.code
            return f"doc|{authority}|{self.document_number}"
        bases = ",".join(sorted(str(basis.pk) for basis in self.bases))
        # The subject's number as the identifier column stores it (deterministic ciphertext,
        # casework/crypto.py): the key stays unique and comparable without the number in clear.
        return f"subject|{encrypt(self.identifier)}|{bases}|{self.decided_on.isoformat()}"

    @property
    def digest(self) -> str:
        parts = [self.identifier, self.subject_name, self.subject_kind, self.list_type,
                 self.dishonesty_class, ",".join(sorted(str(b.pk) for b in self.bases)),
                 self.facts, self.decided_on.isoformat(), self.document_number,
                 self.department.code, self.determining_authority]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class Catalogue:
    """Departments and legal bases, loaded once; the importing actor's department."""

    actor_department_id: int | None
    departments: dict[str, Department] = field(default_factory=dict)
    bases: dict[str, list[LegalBasis]] = field(default_factory=dict)
    today: date = field(default_factory=timezone.localdate)

    @classmethod
    def load(cls, actor: Any) -> "Catalogue":
        catalogue = cls(actor_department_id=actor.department_id)
        for department in Department.objects.all():
            catalogue.departments[department.code] = department
            catalogue.departments.setdefault(department.name, department)
        for basis in LegalBasis.objects.all():
            catalogue.bases.setdefault(basis_reference(basis), []).append(basis)
        return catalogue


def basis_reference(basis: LegalBasis) -> str:
    """How a file names a legal basis: its title and article, as the catalogue shows it."""
    return " ".join(str(basis).split())


def _choice_map(choices: type) -> dict[str, str]:
    """Codes and display labels (zh-Hans and English) → code."""
    found: dict[str, str] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for code, label in choices.choices:  # type: ignore[attr-defined]
                found[str(label)] = code
                found[code] = code
    return found


_CHOICE_MAPS: dict[str, dict[str, str]] = {}


def choice(values: dict[str, str], column: str, choices: type, code: str) -> str:
    maps = _CHOICE_MAPS.get(choices.__name__)
    if maps is None:
        maps = _CHOICE_MAPS[choices.__name__] = _choice_map(choices)
    value = values.get(column, "")
    found = maps.get(value) or maps.get(value.lower())
    if found is None:
        raise RowRejected(code, _("Unknown %(column)s “%(value)s”; expected one of: %(codes)s.")
                          % {"column": column, "value": value,
                             "codes": ", ".join(choices.values)})  # type: ignore[attr-defined]
    return found


def validate_row(raw: RawRow, catalogue: Catalogue) -> ListRow:
    """The row parsed and checked, or RowRejected with the first rule that failed."""
    values = raw.values
    _require_values(values)
    kind = choice(values, "subject_kind", SubjectKind, "unknown_subject_kind")
    identifier = _identifier(kind, values["subject_identifier"])
    list_type = choice(values, "list_type", ListType, "unknown_list_type")
    dishonesty_class = choice(values, "dishonesty_class", DishonestyClass, "unknown_class")
    if not class_fits_list_type(list_type, dishonesty_class):
        raise RowRejected("class_not_fitting_list", _(
            "The dishonesty class “%(cls)s” does not fit the list “%(list)s”: the serious "
            "dishonesty list takes serious cases, the key attention list minor and general ones."
        ) % {"cls": dishonesty_class, "list": list_type})
    decided_on = _decision_date(values["decided_on"], catalogue.today)
    bases = _bases(values["legal_basis"], list_type, decided_on, catalogue)
    department = _department(values["department"], catalogue)
    return ListRow(
        line=raw.line, identifier=identifier, subject_name=values["subject_name"],
        subject_kind=kind, list_type=list_type, dishonesty_class=dishonesty_class, bases=bases,
        facts=values["facts"], decided_on=decided_on, document_number=values["document_number"],
        department=department, determining_authority=values.get("determining_authority", ""),
    )


def _require_values(values: dict[str, str]) -> None:
    if values.get("__extra__"):
        raise RowRejected("extra_cells", _("The row has more cells than the header has columns."))
    optional = {"document_number", "determining_authority", *EXPORT_ONLY}
    for name in COLUMN_NAMES:
        if name not in optional and not values.get(name, ""):
            raise RowRejected("value_missing", _("The column “%(name)s” is empty.") % {"name": name})


def _identifier(kind: str, value: str) -> str:
    validator = validate_citizen_id if kind == SubjectKind.NATURAL_PERSON else validate_uscc
    try:
        return validator(value)
    except ValidationError as error:
        raise RowRejected(error.code or "identifier_invalid", " ".join(error.messages)) from None


def _decision_date(value: str, today: date) -> date:
    text = value
    for separator in DATE_SEPARATORS:
        text = text.replace(separator, "-")
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise RowRejected("date_invalid", _("“%(value)s” is not a date (YYYY-MM-DD).")
                          % {"value": value})
    if parsed > today:
        raise RowRejected("date_in_future", _("The decision date %(date)s is in the future.")
                          % {"date": parsed.isoformat()})
    return parsed


def _bases(cell: str, list_type: str, decided_on: date, catalogue: Catalogue) -> tuple[LegalBasis, ...]:
    text = cell
    for separator in BASIS_SEPARATORS[1:]:
        text = text.replace(separator, BASIS_SEPARATORS[0])
    found: list[LegalBasis] = []
    for reference in (" ".join(part.split()) for part in text.split(BASIS_SEPARATORS[0])):
        if reference:
            found.append(_basis(reference, list_type, decided_on, catalogue))
    return tuple(found)


def _basis(reference: str, list_type: str, decided_on: date, catalogue: Catalogue) -> LegalBasis:
    candidates = catalogue.bases.get(reference, [])
    if not candidates:
        raise RowRejected("unknown_basis", _("No legal basis “%(reference)s” in the catalogue.")
                          % {"reference": reference})
    allowing = [basis for basis in candidates if basis.allows(list_type)]
    if not allowing:
        raise RowRejected("basis_not_allowing_list", _(
            "The legal basis “%(reference)s” does not allow the list “%(list)s”."
        ) % {"reference": reference, "list": list_type})
    in_force = [basis for basis in allowing if basis.is_active_on(decided_on)]
    if not in_force:
        raise RowRejected("basis_not_in_force", _(
            "The legal basis “%(reference)s” was not in force on %(date)s."
        ) % {"reference": reference, "date": decided_on.isoformat()})
    return in_force[0]


def _department(value: str, catalogue: Catalogue) -> Department:
    department = catalogue.departments.get(value)
    if department is None:
        raise RowRejected("unknown_department", _("No department “%(value)s”.") % {"value": value})
    if not department.active:
        raise RowRejected("department_retired", _("The department “%(name)s” is retired.")
                          % {"name": department.name})
    if department.kind != DepartmentKind.DETERMINING:
        raise RowRejected("not_determining_department", _(
            "“%(name)s” is not a determining department.") % {"name": department.name})
    if department.pk != catalogue.actor_department_id:
        raise RowRejected("not_your_department", _(
            "Only an officer of “%(name)s” may import its cases (谁认定).")
            % {"name": department.name})
    return department
