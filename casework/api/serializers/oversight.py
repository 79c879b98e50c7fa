"""The leadership office's escalation notes (督办意见) on a case."""

from typing import Any

from rest_framework import serializers

from casework.api.serializers.common import text
from casework.models import EscalationNote
from casework.models.oversight import ESCALATION_NOTE_MAX

# Row ids are 64-bit: beyond that a value is malformed input, not an unknown deadline.
MAX_ROW_ID = 2**63 - 1


class EscalationNoteSerializer(serializers.ModelSerializer):
    # The writing office, not the person: like the timeline, the API names no individual actor.
    department: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = EscalationNote
        fields = ["id", "case", "department", "text", "deadline_id", "created_at"]


class EscalationNoteCreateSerializer(serializers.Serializer):
    text = text(max_length=ESCALATION_NOTE_MAX)
    deadline_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ROW_ID, required=False, allow_null=True, default=None,
        help_text="An open deadline of this case that the note chases.",
    )
