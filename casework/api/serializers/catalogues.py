"""Catalogues (departments, legal bases, measures) and subjects."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from casework.api.serializers.common import SHORT_TEXT_MAX, StrictSerializer, display_name, label, text
from casework.choices import ListType, SubjectKind
from casework.models import Department, LegalBasis, Measure, Subject
from casework.models.catalogues import normalise_identifier

# --- catalogues ------------------------------------------------------------------------


class DepartmentSerializer(serializers.ModelSerializer):
    kind_label = label("kind")
    level_label = label("level")

    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind", "kind_label", "level", "level_label", "active"]


class LegalBasisSerializer(serializers.ModelSerializer):
    kind_label = label("kind")

    class Meta:
        model = LegalBasis
        fields = ["id", "kind", "kind_label", "title", "article", "allows_serious_list", "allows_focus_list",
                  "listing_years", "sector", "active_from", "active_until"]


class MeasureSerializer(serializers.ModelSerializer):
    department: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    list_types = serializers.SerializerMethodField()
    list_type_labels = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = ["id", "code", "title", "legal_basis", "department", "list_types", "list_type_labels",
                  "active"]

    def get_list_types(self, measure: Measure) -> list[str]:
        return [item.strip() for item in measure.list_types.split(",") if item.strip()]

    def get_list_type_labels(self, measure: Measure) -> list[str]:
        labels = dict(ListType.choices)
        return [str(labels.get(code, code)) for code in self.get_list_types(measure)]


# --- subjects --------------------------------------------------------------------------


class SubjectSerializer(serializers.ModelSerializer):
    kind_label = label("kind")
    identifier = serializers.SerializerMethodField()

    class Meta:
        model = Subject
        fields = ["id", "kind", "kind_label", "name", "identifier"]

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

