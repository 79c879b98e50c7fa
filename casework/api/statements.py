"""陈述申辩 through the API: the subject submits (POST /statements/), the department answers
(transitions ``adopt`` / ``decline`` with a reason)."""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from casework import services
from casework.api.serializers.common import MAX_VERSION, text
from casework.api.serializers.steps import StepSerializer
from casework.api.views import WRITE_ERRORS, StepViewSet, step_views
from casework.models import Case, Statement


class StatementSerializer(StepSerializer):
    class Meta:
        model = Statement
        fields = [*StepSerializer.COMMON, "text", "answer_reason", "answered_at"]


class StatementCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1, max_value=MAX_VERSION)
    text = text()


@extend_schema_view(create=extend_schema(request=StatementCreateSerializer,
                                         responses={201: StatementSerializer, **WRITE_ERRORS}))
@step_views(Statement, StatementSerializer)
class StatementViewSet(mixins.CreateModelMixin, StepViewSet):
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = StatementCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        case = Case.objects.visible_to(request.user).filter(pk=incoming.validated_data["case"]).first()
        if case is None:
            raise NotFound()
        statement = services.submit_statement(case, request.user, incoming.validated_data["text"])
        return Response(StatementSerializer(statement, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


