"""Why a transition is not available: ``?explain=1`` on a case or step names the refusing rule.

A client greys a button out and shows the rule's message beside it, instead of guessing
why a transition is missing from ``available_transitions``.
"""

from collections.abc import Mapping
from typing import Any

from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.services.engine import check_guards, transition_names
from workflows.guards import RuleRefused

EXPLAIN_PARAMETER = "explain"


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


def refusals(obj: Model, actor: Any) -> dict[str, dict[str, str]]:
    """Each transition this actor cannot take now → the first rule refusing it."""
    refused = {}
    for public_name, method_name in sorted(transition_names(obj).items()):
        try:
            check_guards(obj, public_name, method_name, actor)
        except RuleRefused as refusal:
            refused[public_name] = {"code": refusal.code, "detail": str(refusal.message)}
    return refused


def explain_requested(context: Mapping[str, Any]) -> bool:
    request = context.get("request")
    return request is not None and request.query_params.get(EXPLAIN_PARAMETER) in ("1", "true")


class ExplainsTransitions(serializers.Serializer):
    """``unavailable_transitions``: null unless the request asked ``?explain=1``."""

    unavailable_transitions = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField(child=RefusalSerializer(), allow_null=True))
    def get_unavailable_transitions(self, obj: Model) -> dict[str, dict[str, str]] | None:
        if not explain_requested(self.context):
            return None
        return refusals(obj, self.context["request"].user)
