"""Evidence files attached to a case or a step."""


from rest_framework import serializers

from casework.api.serializers.common import SHORT_TEXT_MAX
from casework.models import Evidence

# --- evidence --------------------------------------------------------------------------


class EvidenceSerializer(serializers.ModelSerializer):
    attached_type = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "case", "attached_type", "attached_id", "original_name", "content_type",
                  "size", "sha256", "uploaded_at"]

    def get_attached_type(self, evidence: Evidence) -> str:
        return evidence.attached_type.model if evidence.attached_type is not None else ""


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=SHORT_TEXT_MAX, allow_empty_file=False)

