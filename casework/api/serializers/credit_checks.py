"""The credit check's query and its log (who checked whom, when, for what purpose)."""


from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.models import CreditCheck
from casework.models.credit_checks import PURPOSE_MAX


class CreditCheckQuerySerializer(serializers.Serializer):
    purpose = serializers.CharField(
        max_length=PURPOSE_MAX, required=False, allow_blank=True, default="",
        help_text="Why the number is checked (e.g. the approval's file number: 行政许可 2026-0153). "
                  "Logged with the check; required when CREDIT_CHECK_PURPOSE_REQUIRED is on.",
    )

    def validate_purpose(self, value: str) -> str:
        value = value.strip()
        if not value.isprintable():
            raise serializers.ValidationError(_("A purpose is one line of printable text."))
        if not value and settings.CREDIT_CHECK_PURPOSE_REQUIRED:
            raise serializers.ValidationError(_("State the purpose of the credit check."))
        return value


class CreditCheckLogSerializer(serializers.ModelSerializer):
    checked_by: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    department: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    identifier = serializers.CharField(source="identifier_masked", read_only=True)

    class Meta:
        model = CreditCheck
        fields = ["id", "checked_at", "checked_by", "department", "subject", "identifier",
                  "identifier_kind", "purpose", "listed", "case_numbers"]

