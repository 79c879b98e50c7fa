"""The filters of every list, as django-filter FilterSets (the OpenAPI lists each with its type).

A value a filter does not know — a department code that does not exist, a state the
machine does not have, a case the caller cannot see — is a 400 naming the filter,
never an empty 200 that looks like "nothing matches".
"""

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Exists, Field, Model, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers

from casework.api import permissions as perms
from casework.api.serializers.common import bounded_date
from casework.choices import DepartmentKind, LegalBasisKind, ListType, SubjectKind
from casework.models import Case, CreditCheck, Department, LegalBasis, Measure, Subject
from workflows.case import CaseState
from workflows.choices import DeadlineState
from workflows.models import Deadline

TRUE_VALUES = frozenset({"true", "True", "1"})
FALSE_VALUES = frozenset({"false", "False", "0"})


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or 1/0); anything else is an error, not "no filter"."""

    widget = forms.TextInput  # NullBooleanSelect would read "maybe" as "no filter"

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]  # NullBooleanField's to_python returns None too
        if value in (None, ""):
            return None
        if value is True or value in TRUE_VALUES:
            return True
        if value is False or value in FALSE_VALUES:
            return False
        raise forms.ValidationError(_("Enter true or false."), code="invalid")

    def validate(self, value: Any) -> None:
        pass


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class ListFilterBackend(DjangoFilterBackend):
    """Filters apply to lists only: ``/cases/1/?state=x`` is the case, whatever the query says."""

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        if getattr(view, "action", None) != "list":
            return queryset
        return super().filter_queryset(request, queryset, view)


def visible_subjects(request: Any) -> QuerySet[Subject]:
    user = getattr(request, "user", None)
    condition = perms.subjects_visible(user) if getattr(user, "is_authenticated", False) else None
    return Subject.objects.none() if condition is None else Subject.objects.filter(condition)


def visible_cases(request: Any) -> QuerySet[Case]:
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return perms.visible_cases(user)


# --- catalogues and subjects -----------------------------------------------------------


class DepartmentFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=DepartmentKind.choices, help_text="Department kind.")
    active = StrictBooleanFilter()

    class Meta:
        model = Department
        fields = ["kind", "active"]


class LegalBasisFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=LegalBasisKind.choices)
    list_type = filters.ChoiceFilter(choices=ListType.choices, method="allowing",
                                     help_text="Bases that allow this list type.")

    class Meta:
        model = LegalBasis
        fields = ["kind", "list_type"]

    def allowing(self, queryset: QuerySet[LegalBasis], name: str, value: str) -> QuerySet[LegalBasis]:
        column = "allows_serious_list" if value == ListType.SERIOUS else "allows_focus_list"
        return queryset.filter(**{column: True})


class MeasureFilter(filters.FilterSet):
    department = filters.ModelChoiceFilter(queryset=Department.objects.all(), to_field_name="code",
                                           help_text="The implementing department's code.")
    legal_basis = filters.ModelChoiceFilter(queryset=LegalBasis.objects.all())
    active = StrictBooleanFilter()

    class Meta:
        model = Measure
        fields = ["department", "legal_basis", "active"]


class SubjectFilter(filters.FilterSet):
    identifier = filters.CharFilter(method="exact_identifier", max_length=40,
                                    help_text="Exact 统一社会信用代码 or 公民身份号码 (no fragments).")
    kind = filters.ChoiceFilter(choices=SubjectKind.choices)

    class Meta:
        model = Subject
        fields = ["identifier", "kind"]

    def exact_identifier(self, queryset: QuerySet[Subject], name: str, value: str) -> QuerySet[Subject]:
        # Exact match only: the register is not searchable by fragments of numbers.
        return queryset.filter(identifier=value.strip().upper())


# --- cases and steps -------------------------------------------------------------------


def overdue_clocks() -> QuerySet[Deadline]:
    return Deadline.objects.filter(case=OuterRef("pk"), closed_at__isnull=True).filter(
        Q(state=DeadlineState.BREACHED) | Q(state=DeadlineState.RUNNING, due_at__lt=timezone.now())
    )


class CaseFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=CaseState.choices)
    department = filters.ModelChoiceFilter(field_name="owner_department", to_field_name="code",
                                           queryset=Department.objects.all(),
                                           help_text="The owner department's code.")
    list_type = filters.ChoiceFilter(choices=ListType.choices)
    subject = filters.ModelChoiceFilter(queryset=visible_subjects, help_text="Subject id.")
    overdue = StrictBooleanFilter(method="filter_overdue",
                                    help_text="An open clock of the case is past due or breached.")

    class Meta:
        model = Case
        fields = ["state", "department", "list_type", "subject", "overdue"]

    def filter_overdue(self, queryset: QuerySet[Case], name: str, value: bool) -> QuerySet[Case]:
        overdue = Exists(overdue_clocks())
        return queryset.filter(overdue if value else ~overdue)


def step_filter(model: type[Model]) -> type[filters.FilterSet]:
    """``case`` (a case you can see) and ``state`` (one of this machine's states)."""
    state_field = model._meta.get_field("state")
    assert isinstance(state_field, Field)
    state_choices = state_field.choices
    meta = type("Meta", (), {"model": model, "fields": ["case", "state"]})
    return type(f"{model.__name__}Filter", (filters.FilterSet,), {
        "Meta": meta,
        "case": filters.ModelChoiceFilter(queryset=visible_cases, help_text="Case id."),
        "state": filters.ChoiceFilter(choices=state_choices),
    })


# --- the credit-check log ----------------------------------------------------------------


class BoundedDateTimeField(IsoDateTimeField):
    """An ISO 8601 time within the API's date bounds; a time past year 9999 in UTC is an error."""

    def clean(self, value: Any) -> Any:
        try:
            result = super().clean(value)
        except (OverflowError, ValueError):
            raise forms.ValidationError(_("Enter a valid date/time."), code="invalid") from None
        if result is not None:
            try:
                bounded_date(result.date())
            except serializers.ValidationError as error:
                raise forms.ValidationError(error.detail[0], code="invalid") from None  # type: ignore[index]  # bounded_date raises a list detail
        return result


class BoundedDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = BoundedDateTimeField


class CreditCheckLogFilter(filters.FilterSet):
    subject = filters.ModelChoiceFilter(queryset=visible_subjects, help_text="Subject id.")
    since = BoundedDateTimeFilter(field_name="checked_at", lookup_expr="gte",
                                  help_text="Checks at or after this time (ISO 8601).")

    class Meta:
        model = CreditCheck
        fields = ["subject", "since"]
