"""Serializers: what each resource shows, and the validated shape of every request body."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.choices import DishonestyClass, ListType, SubjectKind
from casework.identifiers import mask_identifier
from casework.models import (
    AuditEvent,
    Case,
    Department,
    Evidence,
    LegalBasis,
    Measure,
    MeasureTask,
    Objection,
    Rectification,
    RepairApplication,
    Subject,
    Talk,
)
from casework.models.catalogues import normalise_identifier
from casework.services import available_transitions
from workflows.case import ExitReason
from workflows.choices import DeadlineState
from workflows.measure_task import MeasureTaskState
from workflows.models import Deadline, DeadlineEvent
from workflows.objection import ObjectionOutcome
from workflows.talk import TalkKind

# Sanity bounds on dates a client sends: outside them the input is an error, not a policy.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
# Free text limits: long enough for any real decision, short enough to keep rows sane.
TEXT_MAX = 10_000
SHORT_TEXT_MAX = 200
# An order's own period: beyond one working year it is a typing error, not a decision.
MAX_ORDER_PERIOD_WORKING_DAYS = 250
MAX_VERSION = 2**31 - 1


def text(max_length: int = TEXT_MAX, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


def bounded_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise serializers.ValidationError(
            _("Dates must lie between %(first)s and %(last)s.")
            % {"first": EARLIEST_DATE, "last": LATEST_DATE}
        )
    return value


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> date:
        return bounded_date(super().to_internal_value(value))


class BoundedDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value: Any) -> datetime:
        result = super().to_internal_value(value)
        bounded_date(result.date())
        return result


def mask_name(name: str) -> str:
    """A natural person's name in public: the family name, the rest starred (张某 → 张*)."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def shows_full_identity(viewer: Any, case: Case) -> bool:
    """The owner department and the subject itself see a natural person's number whole."""
    return (viewer.department_id is not None and viewer.department_id == case.owner_department_id) or (
        viewer.subject_id is not None and viewer.subject_id == case.subject_id
    )


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


class SubjectCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SubjectKind.choices)
    name = text(SHORT_TEXT_MAX)
    identifier = text(40)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["identifier"] = normalise_identifier(attrs["kind"], attrs["identifier"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"identifier": exc.messages}, code=exc.code) from None
        if Subject.objects.filter(identifier=attrs["identifier"]).exists():
            raise serializers.ValidationError(
                {"identifier": [_("A subject with this identifier is already registered.")]}
            )
        return attrs


# --- deadlines and timeline ------------------------------------------------------------


class DeadlineSerializer(serializers.ModelSerializer):
    target_type = serializers.CharField(source="target_type.model", read_only=True)

    class Meta:
        model = Deadline
        fields = ["id", "step", "target_type", "target_id", "party", "state", "started_on",
                  "due_on", "due_at", "provisional", "escalation_level"]


class TimelineItemSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=["audit", "deadline"])
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


def timeline(case: Case) -> list[dict[str, Any]]:
    """Audit events and deadline events in time order (payloads stay in the audit log)."""
    items = [
        {"at": event.at, "source": "audit", "action": event.action,
         "object_type": event.object_type, "object_id": event.object_id,
         "from_state": event.from_state, "to_state": event.to_state, "step": "", "due_on": None}
        for event in AuditEvent.objects.filter(case=case).order_by("seq")
    ]
    events = DeadlineEvent.objects.filter(deadline__case=case).select_related(
        "deadline__target_type"
    ).order_by("at", "pk")
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
    owner_department = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "number", "subject", "subject_name", "subject_identifier",
                  "owner_department", "list_type", "dishonesty_class", "state", "version",
                  "listed_from", "listed_until", "published", "exit_reason", "created_at"]

    def get_subject_identifier(self, case: Case) -> str:
        if shows_full_identity(self.context["request"].user, case):
            return case.subject.identifier
        return case.subject.masked_identifier


class StepRefSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    state = serializers.CharField()


class CaseDetailSerializer(CaseSerializer):
    available_transitions = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "facts", "legal_bases", "measures", "notified_at",
                  "statement_due_on", "statement_waived", "publication_min_until", "closed_at",
                  "available_transitions", "deadlines", "timeline", "steps"]

    def get_available_transitions(self, case: Case) -> list[str]:
        return available_transitions(case, self.context["request"].user)

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, case: Case) -> Any:
        return DeadlineSerializer(open_deadlines(case), many=True).data

    @extend_schema_field(TimelineItemSerializer(many=True))
    def get_timeline(self, case: Case) -> Any:
        return TimelineItemSerializer(timeline(case), many=True).data

    @extend_schema_field(StepRefSerializer(many=True))
    def get_steps(self, case: Case) -> list[dict[str, Any]]:
        from casework.api.permissions import visible_steps

        user = self.context["request"].user
        refs = []
        for model in (Objection, Rectification, Talk, MeasureTask, RepairApplication):
            for pk, state in visible_steps(model, user).filter(case=case).order_by("pk").values_list(
                "pk", "state"
            ):
                refs.append({"type": model._meta.model_name, "id": pk, "state": state})
        return refs


class CaseCreateSerializer(serializers.Serializer):
    subject = serializers.PrimaryKeyRelatedField(queryset=Subject.objects.all())
    list_type = serializers.ChoiceField(choices=ListType.choices)
    dishonesty_class = serializers.ChoiceField(choices=DishonestyClass.choices)
    legal_bases = serializers.PrimaryKeyRelatedField(
        queryset=LegalBasis.objects.all(), many=True, allow_empty=False
    )
    facts = text()
    measures = serializers.PrimaryKeyRelatedField(
        queryset=Measure.objects.all(), many=True, required=False
    )


# --- steps -----------------------------------------------------------------------------


class StepSerializer(serializers.ModelSerializer):
    """Common to every step: its case, state, version, what the caller may do, its clocks."""

    available_transitions = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()

    COMMON = ["id", "case", "state", "version", "created_at", "available_transitions", "deadlines"]

    def get_available_transitions(self, obj: Model) -> list[str]:
        return available_transitions(obj, self.context["request"].user)

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, obj: Model) -> Any:
        return DeadlineSerializer(deadlines_of(obj), many=True).data


class ObjectionSerializer(StepSerializer):
    class Meta:
        model = Objection
        fields = [*StepSerializer.COMMON, "grounds", "outcome", "decision_reason", "accepted_at",
                  "review_suspended", "decided_at"]


class RectificationSerializer(StepSerializer):
    class Meta:
        model = Rectification
        fields = [*StepSerializer.COMMON, "requirements", "due_on", "period_working_days",
                  "submission_note", "submitted_at", "return_reason", "decided_at", "overdue_since"]


class TalkSerializer(StepSerializer):
    organiser = serializers.SlugRelatedField(slug_field="code", read_only=True)
    co_organiser = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Talk
        fields = [*StepSerializer.COMMON, "kind", "organiser", "co_organiser", "reason",
                  "scheduled_for", "place", "record", "held_at", "missed_at"]


class MeasureTaskSerializer(StepSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    measure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
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
                  "decision_reason"]


class ObjectionCreateSerializer(serializers.Serializer):
    grounds = text()


class RectificationCreateSerializer(serializers.Serializer):
    requirements = text()
    period_working_days = serializers.IntegerField(
        min_value=1, max_value=MAX_ORDER_PERIOD_WORKING_DAYS, required=False, allow_null=True
    )


class TalkCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TalkKind.choices, default=TalkKind.PROMPT)
    reason = text(required=False, allow_blank=True, default="")


class RepairCreateSerializer(serializers.Serializer):
    commitment_letter = serializers.BooleanField()
    rectification_proof = text(required=False, allow_blank=True, default="")
    training_certificate = serializers.BooleanField(required=False, default=False)
    statement = text(required=False, allow_blank=True, default="")


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


# --- evidence --------------------------------------------------------------------------


class EvidenceSerializer(serializers.ModelSerializer):
    attached_type = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "case", "attached_type", "attached_id", "original_name", "content_type",
                  "size", "sha256", "uploaded_at"]

    def get_attached_type(self, evidence: Evidence) -> str:
        return evidence.attached_type.model if evidence.attached_type_id else ""


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=SHORT_TEXT_MAX, allow_empty_file=False)


# --- credit check ----------------------------------------------------------------------


class CreditEntrySerializer(serializers.Serializer):
    case_number = serializers.CharField()
    list_type = serializers.ChoiceField(choices=ListType.choices)
    owner_department = serializers.CharField()
    since = serializers.DateField()
    until = serializers.DateField(allow_null=True)
    objection_pending = serializers.BooleanField()
    label = serializers.CharField(allow_blank=True)


class CreditMeasureSerializer(serializers.Serializer):
    case_number = serializers.CharField()
    code = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()


class CreditCheckSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    listed = serializers.BooleanField()
    list_types = serializers.ListField(child=serializers.CharField())
    objection_pending = serializers.BooleanField()
    entries = CreditEntrySerializer(many=True)
    measures = CreditMeasureSerializer(many=True)
    checked_at = serializers.DateTimeField()


# --- public lists ----------------------------------------------------------------------


class PublicCaseSerializer(serializers.ModelSerializer):
    """What the public sees: natural persons' names and numbers masked."""

    subject_name = serializers.SerializerMethodField()
    subject_identifier = serializers.SerializerMethodField()
    subject_kind = serializers.CharField(source="subject.kind", read_only=True)
    owner_department = serializers.CharField(source="owner_department.name", read_only=True)
    legal_bases = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["number", "subject_kind", "subject_name", "subject_identifier", "owner_department",
                  "list_type", "listed_from", "listed_until", "legal_bases"]

    def get_subject_name(self, case: Case) -> str:
        name = case.subject.name
        return mask_name(name) if case.subject.is_natural_person else name

    def get_subject_identifier(self, case: Case) -> str:
        # mask_identifier also masks anything shaped like a citizen number.
        return mask_identifier(case.subject.masked_identifier)

    def get_legal_bases(self, case: Case) -> list[str]:
        return [f"{basis.title} {basis.article}".strip() for basis in case.legal_bases.all()]


class PublicExitSerializer(PublicCaseSerializer):
    exit_reason = serializers.ChoiceField(choices=ExitReason.choices, read_only=True)
    exited_on = serializers.SerializerMethodField()

    class Meta(PublicCaseSerializer.Meta):
        fields = [*PublicCaseSerializer.Meta.fields, "exit_reason", "exited_on"]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_exited_on(self, case: Case) -> date | None:
        return timezone.localdate(case.closed_at) if case.closed_at else None


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(required=False)
    version = serializers.IntegerField(required=False)

