"""Documents and their service through the API.

``GET /documents/?case=`` lists a case's documents; ``/documents/{id}/download/`` returns
the PDF (for the subject it is also the read receipt, as in the portal);
``/service-acts/{id}/transitions/serve/`` records a service by post or in person.
"""


from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from casework.api.serializers.steps import StepSerializer
from casework.api.views import READ_ERRORS, StepViewSet, step_views
from casework.visibility import for_viewer
from documents.models import Document, ServiceAct
from documents.services import open_document, pdf_of


class ServiceActSerializer(StepSerializer):
    documents: "serializers.PrimaryKeyRelatedField[Any]" = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = ServiceAct
        fields = [*StepSerializer.COMMON, "method", "served_on", "recorded_at", "note", "documents"]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "case", "service_act", "kind", "number", "title", "language",
                  "template_version", "sha256", "pdf_sha256", "reason_code", "audit_event",
                  "issued_at"]


@step_views(ServiceAct, ServiceActSerializer)
class ServiceActViewSet(StepViewSet):
    pass


CASE_PARAMETER = OpenApiParameter("case", int, description="Only the documents of this case.")


@extend_schema_view(
    list=extend_schema(parameters=[CASE_PARAMETER], responses={200: DocumentSerializer(many=True),
                                                              **READ_ERRORS}),
    retrieve=extend_schema(responses={200: DocumentSerializer, **READ_ERRORS}),
)
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DocumentSerializer

    def get_queryset(self) -> QuerySet[Document]:
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        documents = for_viewer(Document.objects.visible_to(self.request.user), self.request.user)
        case = self.request.query_params.get("case", "")
        if self.action == "list" and case:
            if not case.isdigit():
                raise ValidationError({"case": [_("A case id is a number.")]})
            documents = documents.filter(case_id=int(case))
        return documents.select_related("service_act").order_by("pk")

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
                              **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        document = open_document(self.get_object(), request.user)
        response = HttpResponse(pdf_of(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="document-{document.pk}.pdf"'
        return response
