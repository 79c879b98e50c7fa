"""Catalogues (departments, legal bases, measures) and subjects."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from casework.api.serializers.common import SHORT_TEXT_MAX, StrictSerializer, display_name, text
from casework.choices import SubjectKind
from casework.models import Department, LegalBasis, Measure, Subject
from casework.models.catalogues import normalise_identifier

# --- catalogues ------------------------------------------------------------------------


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind", "level", "active"]


class LegalBasisSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalBasis
        fields = ["id", "kind", "title", "article", "allows_serious_list", "allows_focus_list",
                  "listing_years", "active_from", "active_until"]


class MeasureSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    list_types = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = ["id", "code", "title", "legal_basis", "department", "list_types", "active"]

    def get_list_types(self, measure: Measure) -> list[str]:
        return [item.strip() for item in measure.list_types.split(",") if item.strip()]


# --- subjects --------------------------------------------------------------------------


class SubjectSerializer(serializers.ModelSerializer):
    identifier = serializers.SerializerMethodField()

    class Meta:
        model = Subject
        fields = ["id", "kind", "name", "identifier"]

    def get_identifier(self, subject: Subject) -> str:
        return subject.identifier_for(self.context["request"].user)


class SubjectCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=SubjectKind.choices)
    name = display_name(SHORT_TEXT_MAX)
    identifier = text(40)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["identifier"] = normalise_identifier(attrs["kind"], attrs["identifier"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"identifier": exc.messages}, code=exc.code) from None
        return attrs

