"""Accounts and API tokens (administrator; a department head within its department)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.api.permissions import SCOPES
from casework.api.serializers.common import BoundedDateTimeField
from casework.choices import Role
from casework.models import ApiToken, Department, Subject, User

MAX_ROW_ID = 2**63 - 1


class AccountSerializer(serializers.ModelSerializer):
    department: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "role", "role_label", "department", "subject",
                  "is_department_head", "is_active", "date_joined"]


class AccountCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{1,150}$", max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    password = serializers.CharField(write_only=True, min_length=8, max_length=128,
                                     style={"input_type": "password"})
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), required=False, allow_null=True,
        default=None, help_text="Department code (staff roles; a department head: its own).",
    )
    subject = serializers.PrimaryKeyRelatedField(
        queryset=Subject.objects.all(), required=False, allow_null=True, default=None,
        help_text="The subject a subject account speaks for (administrator only).",
    )
    is_department_head = serializers.BooleanField(required=False, default=False)

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username=value).exists():
            raise serializers.ValidationError(_("A user with this name already exists."), code="taken")
        return value


class TokenSerializer(serializers.ModelSerializer):
    user: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    created_by: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    revoked_by: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=list(SCOPES)), read_only=True)
    prefix = serializers.CharField(read_only=True,
                                   help_text="The key's first characters, to tell tokens apart.")

    class Meta:
        model = ApiToken
        fields = ["id", "user", "name", "prefix", "scopes", "created_at", "created_by", "expires_at",
                  "last_used_at", "revoked_at", "revoked_by"]


class TokenIssuedSerializer(TokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The key, shown only in this answer.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]


class TokenCreateSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=MAX_ROW_ID, help_text="The account's id.")
    name = serializers.CharField(max_length=80, help_text="What the token is for.")
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SCOPES)), required=False, default=list, max_length=10,
        help_text="A system client's scopes (a department head may grant only credit_check).",
    )
    expires_at = BoundedDateTimeField(required=False, allow_null=True, default=None,
                                      help_text="Default: API_TOKEN_DAYS from now.")
