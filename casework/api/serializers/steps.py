"""Steps of a case (objection, rectification, talk, measure task, repair) and their request bodies."""

from typing import Any

from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.api.serializers.cases import DeadlineSerializer, deadlines_of
from casework.api.serializers.common import MAX_ORDER_PERIOD_WORKING_DAYS, StrictSerializer, label, text
from casework.api.serializers.explain import ExplainsTransitions
from casework.models import MeasureTask, Objection, Rectification, RepairApplication, Talk
from casework.services import available_transitions
from casework.visibility import for_viewer
from workflows.objection import ObjectionKind
from workflows.talk import TalkKind

# --- steps -----------------------------------------------------------------------------


class StepSerializer(serializers.ModelSerializer, ExplainsTransitions):
    """Common to every step: its case, state, version, what the caller may do, its clocks."""

    available_transitions = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    state_label = label("state")

    COMMON = ["id", "case", "state", "state_label", "version", "created_at", "available_transitions",
              "unavailable_transitions", "deadlines"]

    def get_available_transitions(self, obj: Model) -> list[str]:
        return available_transitions(obj, self.context["request"].user)

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, obj: Model) -> Any:
        deadlines = for_viewer(deadlines_of(obj), self.context["request"].user)
        return DeadlineSerializer(deadlines, many=True).data


class ObjectionSerializer(StepSerializer):
    outcome_label = label("outcome")
    kind_label = label("kind")
    class Meta:
        model = Objection
        fields = [*StepSerializer.COMMON, "kind", "kind_label", "grounds", "outcome", "outcome_label",
                  "decision_reason", "upheld_part", "accepted_at", "review_suspended", "decided_at",
                  "re_review_grounds", "re_review_requested_at", "withdrawal_reason",
                  "revoking_decision", "penalty_decided_on"]


class RectificationSerializer(StepSerializer):
    class Meta:
        model = Rectification
        fields = [*StepSerializer.COMMON, "requirements", "due_on", "period_working_days",
                  "submission_note", "submitted_at", "return_reason", "decided_at", "overdue_since"]


class TalkSerializer(StepSerializer):
    organiser: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    co_organiser: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    kind_label = label("kind")

    class Meta:
        model = Talk
        fields = [*StepSerializer.COMMON, "kind", "kind_label", "organiser", "co_organiser", "reason",
                  "scheduled_for", "place", "record", "outcome", "held_at", "missed_at",
                  "co_organiser_confirmed_at", "co_organiser_attendee", "refused_at", "refusal_note"]


class MeasureTaskSerializer(StepSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    measure: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    department: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    subject_name = serializers.CharField(source="case.subject.name", read_only=True)
    subject_identifier = serializers.CharField(source="case.subject.masked_identifier", read_only=True)

    class Meta:
        model = MeasureTask
        fields = [*StepSerializer.COMMON, "case_number", "measure", "department", "subject_name",
                  "subject_identifier", "acknowledged_at", "report_text", "reported_at",
                  "termination_reason", "terminated_at"]


class RepairSerializer(StepSerializer):
    class Meta:
        model = RepairApplication
        fields = [*StepSerializer.COMMON, "commitment_letter", "rectification_proof",
                  "training_certificate", "statement", "accepted_at", "decided_at",
                  "decision_reason", "revoked_at", "false_material", "revocation_reason",
                  "barred_until"]


class ObjectionCreateSerializer(StrictSerializer):
    grounds = text()
    kind = serializers.ChoiceField(
        choices=ObjectionKind.choices, default=ObjectionKind.DETERMINATION,
        help_text="What the objection is against: the determination, the publication period, a repair "
                  "result, or the underlying penalty was changed or revoked (the record is then "
                  "withdrawn within the period of its policy row, 《行政处罚法》第四十八条第二款).")


class PenaltyRevocationCreateSerializer(StrictSerializer):
    revoking_decision = text(max_length=200, help_text=(
        "The decision that changed, revoked or confirmed illegal or void the penalty the record "
        "rests on (行政复议决定书、判决书 and its number)."))
    decided_on = serializers.DateField(help_text="The day that decision was made.")
    note = text(required=False, allow_blank=True, default="")


class RectificationCreateSerializer(StrictSerializer):
    requirements = text()
    period_working_days = serializers.IntegerField(
        min_value=1, max_value=MAX_ORDER_PERIOD_WORKING_DAYS, required=False, allow_null=True
    )


class TalkCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=TalkKind.choices, default=TalkKind.PROMPT)
    reason = text(required=False, allow_blank=True, default="")


class RepairCreateSerializer(StrictSerializer):
    commitment_letter = serializers.BooleanField()
    rectification_proof = text(required=False, allow_blank=True, default="")
    training_certificate = serializers.BooleanField(required=False, default=False)
    statement = text(required=False, allow_blank=True, default="")

