"""What outsiders see: the credit check and the public lists."""

from datetime import date

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.api.serializers.common import label, mask_name
from casework.choices import ListType
from casework.identifiers import mask_identifier
from casework.models import Case
from casework.public import OBJECTION_LABEL
from workflows.case import ExitReason

# --- credit check ----------------------------------------------------------------------


class CreditTalkSerializer(serializers.Serializer):
    """A talk of the record held or refused by the subject (约谈记录记入信用记录)."""

    kind = serializers.CharField()
    kind_label = serializers.CharField()
    result = serializers.CharField(help_text="held or refused (a warning talk not attended)")
    result_label = serializers.CharField()
    on = serializers.DateField(allow_null=True)


class CreditRepairSerializer(serializers.Serializer):
    """One repair granted to the subject; a revoked one (撤销修复) carries the end of its bar."""

    case_number = serializers.CharField()
    approved_on = serializers.DateField(allow_null=True)
    revoked_on = serializers.DateField(allow_null=True)
    barred_until = serializers.DateField(allow_null=True)


class CreditCorrectionSerializer(serializers.Serializer):
    """A record of the subject revoked as wrongly listed (错误认定，已撤销)."""

    case_number = serializers.CharField()
    revoked_on = serializers.DateField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like a DRF Field attribute; the metaclass collects it


class CreditEntrySerializer(serializers.Serializer):
    case_number = serializers.CharField()
    list_type = serializers.ChoiceField(choices=ListType.choices)
    list_type_label = serializers.CharField()
    owner_department = serializers.CharField()
    since = serializers.DateField()
    until = serializers.DateField(allow_null=True)
    objection_pending = serializers.BooleanField()
    label = serializers.CharField(allow_blank=True)  # type: ignore[assignment]  # a field named like a DRF Field attribute; the metaclass collects it
    talks = CreditTalkSerializer(many=True)


class CreditMeasureSerializer(serializers.Serializer):
    case_number = serializers.CharField()
    code = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()


class CreditCheckSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    listed = serializers.BooleanField()
    list_types = serializers.ListField(child=serializers.CharField())
    objection_pending = serializers.BooleanField()
    entries = CreditEntrySerializer(many=True)
    measures = CreditMeasureSerializer(many=True)
    repairs = CreditRepairSerializer(many=True)
    repair_count = serializers.IntegerField(help_text="Repairs granted to the subject, revoked ones too.")
    corrections = CreditCorrectionSerializer(
        many=True,
        help_text="The subject's records revoked as wrongly listed (an objection after exit upheld).")
    checked_at = serializers.DateTimeField()


# --- public lists ----------------------------------------------------------------------


class PublicCaseSerializer(serializers.ModelSerializer):
    """What the public sees: natural persons' names and numbers masked."""

    subject_name = serializers.SerializerMethodField()
    subject_identifier = serializers.SerializerMethodField()
    subject_kind = serializers.CharField(source="subject.kind", read_only=True)
    subject_kind_label = serializers.CharField(source="subject.get_kind_display", read_only=True)
    list_type_label = label("list_type")
    owner_department = serializers.CharField(source="owner_department.name", read_only=True)
    legal_bases = serializers.SerializerMethodField()
    objection_pending = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField()  # type: ignore[assignment]  # a field named like a DRF Field attribute; the metaclass collects it

    class Meta:
        model = Case
        fields = ["number", "subject_kind", "subject_kind_label", "subject_name", "subject_identifier",
                  "owner_department", "list_type", "list_type_label", "listed_from", "listed_until",
                  "legal_bases", "objection_pending", "label"]

    def get_subject_name(self, case: Case) -> str:
        name = case.subject.name
        return mask_name(name) if case.subject.is_natural_person else name

    def get_subject_identifier(self, case: Case) -> str:
        # mask_identifier also masks anything shaped like a citizen number.
        return mask_identifier(case.subject.masked_identifier)

    def get_legal_bases(self, case: Case) -> list[str]:
        return [str(basis) for basis in case.legal_bases.all()]

    def get_objection_pending(self, case: Case) -> bool:
        """An objection is being processed: the record carries the label (at once, same day)."""
        annotated = getattr(case, "objection_open", None)
        return case.has_open_objection() if annotated is None else bool(annotated)

    def get_label(self, case: Case) -> str:
        return str(OBJECTION_LABEL) if self.get_objection_pending(case) else ""


class PublicExitSerializer(PublicCaseSerializer):
    exit_reason = serializers.ChoiceField(choices=ExitReason.choices, read_only=True)
    exit_reason_label = label("exit_reason")
    exited_on = serializers.SerializerMethodField()

    class Meta(PublicCaseSerializer.Meta):
        fields = [*PublicCaseSerializer.Meta.fields, "exit_reason", "exit_reason_label", "exited_on"]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_exited_on(self, case: Case) -> date | None:
        return timezone.localdate(case.closed_at) if case.closed_at else None

