"""Cases, with their open deadlines, timeline and steps."""

from typing import Any

from django.db.models import Model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.api.serializers.common import PrimaryKeysField, StrictSerializer, label, text
from casework.api.serializers.explain import ExplainsTransitions
from casework.choices import DishonestyClass, ListType
from casework.models import (
    AuditEvent,
    Case,
    LegalBasis,
    Measure,
    MeasureTask,
    Objection,
    Rectification,
    RepairApplication,
    Subject,
    Talk,
)
from casework.services import available_transitions
from casework.visibility import for_viewer
from workflows.choices import DeadlineState
from workflows.models import Deadline, DeadlineEvent
from workflows.repair import RepairState

# --- deadlines and timeline ------------------------------------------------------------


class DeadlineSerializer(serializers.ModelSerializer):
    target_type = serializers.CharField(source="target_type.model", read_only=True)
    step_label = label("step")
    party_label = label("party")
    state_label = label("state")

    class Meta:
        model = Deadline
        fields = ["id", "step", "step_label", "target_type", "target_id", "party", "party_label", "state",
                  "state_label", "started_on",
                  "due_on", "due_at", "provisional", "escalation_level"]


class TimelineItemSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=["audit", "deadline"])  # type: ignore[assignment]  # a field named like a DRF Field attribute; the metaclass collects it
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField(allow_blank=True)
    step = serializers.CharField(allow_blank=True)
    due_on = serializers.DateField(allow_null=True)


def open_deadlines(case: Case) -> Any:
    return Deadline.objects.filter(
        case=case, closed_at__isnull=True, state__in=DeadlineState.open_states()
    ).select_related("target_type").order_by("due_on", "pk")


def deadlines_of(obj: Model) -> Any:
    return open_deadlines(obj.owning_case()).filter(  # type: ignore[attr-defined]
        target_type__model=obj._meta.model_name, target_id=obj.pk
    )


def timeline(case: Case, viewer: Any = None) -> list[dict[str, Any]]:
    """Audit events and deadline events in time order (payloads stay in the audit log).

    With a ``viewer``, only the records it may see (casework/visibility.py: the subject sees
    no measure task, escalation note or internal evidence).
    """
    audit_events = AuditEvent.objects.filter(case=case)
    events = DeadlineEvent.objects.filter(deadline__case=case)
    if viewer is not None:
        audit_events, events = for_viewer(audit_events, viewer), for_viewer(events, viewer)
    items: list[dict[str, Any]] = [
        {"at": event.at, "source": "audit", "action": event.action,
         "object_type": event.object_type, "object_id": event.object_id,
         "from_state": event.from_state, "to_state": event.to_state, "step": "", "due_on": None}
        for event in audit_events.order_by("seq")
    ]
    events = events.select_related("deadline__target_type").order_by("at", "pk")
    items += [
        {"at": event.at, "source": "deadline", "action": event.kind,
         "object_type": event.deadline.target_type.model, "object_id": event.deadline.target_id,
         "from_state": "", "to_state": "", "step": event.deadline.step, "due_on": event.new_due}
        for event in events
    ]
    return sorted(items, key=lambda item: item["at"])


# --- cases -----------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    subject_identifier = serializers.SerializerMethodField()
    owner_department: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    list_type_label = label("list_type")
    dishonesty_class_label = label("dishonesty_class")
    state_label = label("state")
    exit_reason_label = label("exit_reason")

    class Meta:
        model = Case
        fields = ["id", "number", "subject", "subject_name", "subject_identifier",
                  "owner_department", "list_type", "list_type_label", "dishonesty_class",
                  "dishonesty_class_label", "state", "state_label", "version", "listed_from",
                  "listed_until", "published", "exit_reason", "exit_reason_label", "created_at"]

    def get_subject_identifier(self, case: Case) -> str:
        return case.subject_identifier_for(self.context["request"].user)


class StepRefSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    state = serializers.CharField()


class RepairHistoryItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    barred_until = serializers.DateField(allow_null=True)


class RepairHistorySerializer(serializers.Serializer):
    """Repeated repairs: this record's repairs granted (revoked ones too) and the subject's count
    on all its records; ``barred_until`` while new applications are refused (撤销修复)."""

    repairs = RepairHistoryItemSerializer(many=True)
    subject_repair_count = serializers.IntegerField()
    barred_until = serializers.DateField(allow_null=True)


class CaseDetailSerializer(CaseSerializer, ExplainsTransitions):
    available_transitions = serializers.SerializerMethodField()
    repair_history = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "facts", "legal_bases", "measures", "notified_at",
                  "statement_due_on", "statement_waived", "publication_min_until", "closed_at",
                  "available_transitions", "unavailable_transitions", "deadlines", "timeline", "steps",
                  "repair_history"]

    def get_available_transitions(self, case: Case) -> list[str]:
        return available_transitions(case, self.context["request"].user)

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, case: Case) -> Any:
        deadlines = for_viewer(open_deadlines(case), self.context["request"].user)
        return DeadlineSerializer(deadlines, many=True).data

    @extend_schema_field(TimelineItemSerializer(many=True))
    def get_timeline(self, case: Case) -> Any:
        return TimelineItemSerializer(timeline(case, self.context["request"].user), many=True).data

    @extend_schema_field(RepairHistorySerializer)
    def get_repair_history(self, case: Case) -> dict[str, Any]:
        granted = (RepairState.APPROVED, RepairState.REVOKED)
        repairs = list(case.repairapplications.filter(state__in=granted).order_by("decided_at", "pk")
                       .values("id", "state", "decided_at", "revoked_at", "barred_until"))
        count = RepairApplication.objects.filter(case__subject_id=case.subject_id,
                                                 state__in=granted).count()
        return {"repairs": repairs, "subject_repair_count": count,
                "barred_until": case.repair_barred_until(timezone.localdate())}

    @extend_schema_field(StepRefSerializer(many=True))
    def get_steps(self, case: Case) -> list[dict[str, Any]]:
        from casework.api.permissions import visible_steps

        user = self.context["request"].user
        refs = []
        for model in (Objection, Rectification, Talk, MeasureTask, RepairApplication):
            steps = for_viewer(visible_steps(model, user).filter(case=case), user)
            for pk, state in steps.order_by("pk").values_list(
                "pk", "state"
            ):
                refs.append({"type": model._meta.model_name, "id": pk, "state": state})
        return refs


class CaseCreateSerializer(StrictSerializer):
    subject: "serializers.PrimaryKeyRelatedField[Any]" = serializers.PrimaryKeyRelatedField(
        queryset=Subject.objects.all()
    )
    list_type = serializers.ChoiceField(choices=ListType.choices)
    dishonesty_class = serializers.ChoiceField(choices=DishonestyClass.choices)
    legal_bases = PrimaryKeysField(LegalBasis.objects.all(), allow_empty=False)
    facts = text()
    measures = PrimaryKeysField(Measure.objects.all(), required=False)

