"""Transition requests and results."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.api.serializers.common import (
    MAX_VERSION,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    BoundedDateField,
    BoundedDateTimeField,
    text,
)
from casework.choices import DishonestyClass
from workflows.measure_task import MeasureTaskState
from workflows.objection import ObjectionOutcome

# --- transitions -----------------------------------------------------------------------

OUTCOMES = [*ObjectionOutcome.values, MeasureTaskState.IMPLEMENTED, MeasureTaskState.NOT_APPLICABLE]


class CorrectionSerializer(serializers.Serializer):
    facts = text(required=False)
    dishonesty_class = serializers.ChoiceField(choices=DishonestyClass.choices, required=False)
    listed_until = BoundedDateField(required=False)


class TransitionRequestSerializer(serializers.Serializer):
    """``expected_version`` plus the step's data; which fields a step reads is in docs/api.md."""

    expected_version = serializers.IntegerField(min_value=1, max_value=MAX_VERSION)
    reason = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    grounds = text(required=False, allow_blank=True)
    note = text(required=False, allow_blank=True)
    record = text(required=False, allow_blank=True)
    report = text(required=False, allow_blank=True)
    outcome = serializers.ChoiceField(choices=OUTCOMES, required=False)
    scheduled_for = BoundedDateTimeField(required=False)
    place = text(SHORT_TEXT_MAX, required=False, allow_blank=True)
    co_organiser = serializers.SlugField(max_length=40, required=False, allow_blank=True)
    correction = CorrectionSerializer(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Unknown field.")] for name in sorted(unknown)}
            )
        return attrs

    def step_data(self) -> dict[str, Any]:
        """The validated data as the machines read it (JSON values, ISO dates)."""
        data = {k: v for k, v in self.validated_data.items() if k != "expected_version"}
        if "scheduled_for" in data:
            data["scheduled_for"] = data["scheduled_for"].isoformat()
        correction = dict(data.get("correction") or {})
        if "listed_until" in correction:
            correction["listed_until"] = correction["listed_until"].isoformat()
        if "correction" in data:
            data["correction"] = correction
        return data


class TransitionResultSerializer(serializers.Serializer):
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.CharField()
    version = serializers.IntegerField()
    audit_event_id = serializers.IntegerField(allow_null=True)

