"""The credit check (信用前置筛查) and its log: answered, throttled per account, every check logged."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import filters
from casework.api import permissions as perms
from casework.api import serializers as s
from casework.api.credit import parse_identifier
from casework.api.throttles import CreditCheckThrottle
from casework.api.views import READ_ERRORS, errors, validated_query
from casework.indexing import credit_check
from casework.models import CreditCheck
from casework.services.credit_checks import record_credit_check


class CreditCheckView(APIView):
    """Every answered check is logged (who, whom, when, purpose); callers are throttled per account."""

    permission_classes = [IsAuthenticated, perms.ChecksCredit]
    throttle_classes = [CreditCheckThrottle]

    @extend_schema(parameters=[s.CreditCheckQuerySerializer],
                   responses={200: s.CreditCheckSerializer, **errors(400, 401, 403, 429)},
                   operation_id="credit_check",
                   description="Is this subject listed now? The check is logged with the caller, the "
                               "number (masked and as a keyed digest), the time and the `purpose`; the "
                               "subject's owner department reads the log (`/credit-checks/`). Too many "
                               "checks in a period answer 429 with `Retry-After`.")
    def get(self, request: Request, identifier: str) -> Response:
        number = parse_identifier(identifier)
        purpose = validated_query(s.CreditCheckQuerySerializer, request)["purpose"]
        answer = credit_check(number, request.user)
        record_credit_check(checker=request.user, identifier=number, purpose=purpose, answer=answer)
        return Response(answer)


@extend_schema_view(list=extend_schema(
    responses={200: s.CreditCheckLogSerializer(many=True), **READ_ERRORS},
    description="The credit-check log, newest first: the checks of the subjects the caller's "
                "department has a case on (the leadership office: every check).",
))
class CreditCheckLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CreditCheckLogSerializer
    permission_classes = [IsAuthenticated, perms.ReadsCreditCheckLog]
    filterset_class = filters.CreditCheckLogFilter

    def get_queryset(self) -> QuerySet[CreditCheck]:
        if getattr(self, "swagger_fake_view", False):
            return CreditCheck.objects.none()
        checks = CreditCheck.objects.visible_to(self.request.user).select_related("checked_by", "department")
        return checks.order_by("-checked_at", "-pk")
