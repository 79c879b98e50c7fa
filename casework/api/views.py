"""The REST API: resources, transitions, evidence, the credit check and the public lists.

Every state change goes through ``casework.services`` (the one door); the views
only decide visibility (404), role (403) and the request's shape (400).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from casework import services
from casework.api import filters
from casework.api import permissions as perms
from casework.api import serializers as s
from casework.api.errors import error
from casework.api.evidence import check_upload, download_response
from casework.choices import Role
from casework.models import (
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
from casework.public import public_exits, public_listings
from casework.visibility import for_viewer

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 100


def errors(*codes: int) -> dict[int, Any]:
    return {code: s.ErrorSerializer for code in codes}


READ_ERRORS = errors(400, 401, 403, 404)
EXPLAIN = OpenApiParameter(
    "explain", bool, OpenApiParameter.QUERY, required=False,
    description="1: `unavailable_transitions` names, for each transition you cannot take now, "
                "the rule refusing it (`code`, `detail`); otherwise it is null.",
)
WRITE_ERRORS = errors(400, 401, 403, 404, 422)


# --- catalogues ------------------------------------------------------------------------


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated, perms.ReadsCatalogues]


@extend_schema_view(list=extend_schema(responses={200: s.DepartmentSerializer(many=True), **READ_ERRORS}),
                    retrieve=extend_schema(responses={200: s.DepartmentSerializer, **READ_ERRORS}))
class DepartmentViewSet(CatalogueViewSet):
    queryset = Department.objects.order_by("code")
    serializer_class = s.DepartmentSerializer
    filterset_class = filters.DepartmentFilter


@extend_schema_view(list=extend_schema(responses={200: s.LegalBasisSerializer(many=True), **READ_ERRORS}),
                    retrieve=extend_schema(responses={200: s.LegalBasisSerializer, **READ_ERRORS}))
class LegalBasisViewSet(CatalogueViewSet):
    queryset = LegalBasis.objects.order_by("pk")
    serializer_class = s.LegalBasisSerializer
    filterset_class = filters.LegalBasisFilter


@extend_schema_view(list=extend_schema(responses={200: s.MeasureSerializer(many=True), **READ_ERRORS}),
                    retrieve=extend_schema(responses={200: s.MeasureSerializer, **READ_ERRORS}))
class MeasureViewSet(CatalogueViewSet):
    queryset = Measure.objects.select_related("department").order_by("code")
    serializer_class = s.MeasureSerializer
    filterset_class = filters.MeasureFilter


# --- subjects --------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: s.SubjectSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.SubjectSerializer, **READ_ERRORS}),
    create=extend_schema(request=s.SubjectCreateSerializer,
                         responses={201: s.SubjectSerializer, **errors(400, 401, 403, 409)}),
)
class SubjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    serializer_class = s.SubjectSerializer
    filterset_class = filters.SubjectFilter

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [IsAuthenticated(), perms.RegistersSubjects()]
        return [IsAuthenticated(), perms.ReadsCatalogues(), perms.ReadsCases()]

    def get_queryset(self) -> QuerySet[Subject]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Subject.objects.none()
        condition = perms.subjects_visible(self.request.user)
        if condition is None:
            return Subject.objects.none()
        return Subject.objects.filter(condition).order_by("pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = s.SubjectCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            with transaction.atomic():  # the unique index decides a race between registrations
                subject = Subject.objects.create(**incoming.validated_data)
        except IntegrityError:
            existing = Subject.objects.get(identifier=incoming.validated_data["identifier"])
            return error("subject_exists", _("A subject with this identifier is already registered."),
                         status.HTTP_409_CONFLICT, subject=existing.pk)
        # The registering officer typed the number: the answer shows it whole, as stored.
        identifier = subject.unmasked_identifier(request.user)
        return Response({**self.get_serializer(subject).data, "identifier": identifier},
                        status=status.HTTP_201_CREATED)


def validated_query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Query parameters of a single object's read (lists use their FilterSet)."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


# --- transitions and evidence, shared by cases and steps --------------------------------


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not (0 < len(key) <= IDEMPOTENCY_KEY_MAX and key.isascii() and key.isprintable()):
        raise serializers.ValidationError(
            {IDEMPOTENCY_HEADER: [_("An idempotency key is 1 to 100 printable ASCII characters.")]}
        )
    return key


def evidence_schema(model: type[Any]) -> Any:
    return extend_schema_view(
        evidence=[
            extend_schema(methods=["GET"], responses={200: s.EvidenceSerializer(many=True), **READ_ERRORS}),
            extend_schema(
                methods=["POST"],
                request={"multipart/form-data": s.EvidenceUploadSerializer},
                responses={201: s.EvidenceSerializer,
                           200: OpenApiResponse(s.EvidenceSerializer,
                                                description="The same bytes were already attached here."),
                           **WRITE_ERRORS},
            ),
        ],
    )


class StepActions(viewsets.GenericViewSet):
    """Transitions and evidence on one case or step; visibility comes from get_queryset."""

    permission_classes = [IsAuthenticated, perms.Writes]

    @action(detail=True, methods=["get", "post"], url_path="evidence", parser_classes=[MultiPartParser],
            filter_backends=[])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        case = obj.owning_case()
        if request.method == "GET":
            evidence = for_viewer(perms.visible_evidence(request.user).filter(case=case), request.user)
            if not isinstance(obj, Case):
                evidence = evidence.filter(attached_type__model=obj._meta.model_name, attached_id=obj.pk)
            page = self.paginate_queryset(evidence.select_related("attached_type").order_by("pk"))
            return self.get_paginated_response(s.EvidenceSerializer(page, many=True).data)
        if not may_attach(request.user, obj):
            raise PermissionDenied(_("Only the owner department, the subject or the task's joint "
                                     "department may attach evidence here."))
        upload = s.EvidenceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        check_upload(file)
        stored, created = services.store_evidence(case, request.user, file,
                                                  attached_to=None if isinstance(obj, Case) else obj)
        return Response(s.EvidenceSerializer(stored).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def may_attach(user: Any, obj: Any) -> bool:
    case = obj.owning_case()
    if isinstance(obj, MeasureTask):
        return user.role == Role.JOINT and user.department_id == obj.department_id
    if user.role in perms.DEPARTMENT_STAFF:
        return user.department_id == case.owner_department_id
    return user.role == Role.SUBJECT and user.subject_id == case.subject_id


# --- cases -----------------------------------------------------------------------------


STEP_CREATES: dict[str, tuple[type[serializers.Serializer], type[serializers.Serializer]]] = {
    "objections": (s.ObjectionCreateSerializer, s.ObjectionSerializer),
    "rectifications": (s.RectificationCreateSerializer, s.RectificationSerializer),
    "talks": (s.TalkCreateSerializer, s.TalkSerializer),
    "repairs": (s.RepairCreateSerializer, s.RepairSerializer),
    "penalty-revocations": (s.PenaltyRevocationCreateSerializer, s.ObjectionSerializer),
}


def step_create_schema(kind: str) -> Any:
    request, response = STEP_CREATES[kind]
    return extend_schema(request=request, responses={201: response, **WRITE_ERRORS})


@evidence_schema(Case)
@extend_schema_view(
    list=extend_schema(responses={200: s.CaseSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(parameters=[EXPLAIN], responses={200: s.CaseDetailSerializer, **READ_ERRORS}),
    create=extend_schema(request=s.CaseCreateSerializer, responses={201: s.CaseDetailSerializer,
                                                                    **WRITE_ERRORS}),
    objections=step_create_schema("objections"),
    rectifications=step_create_schema("rectifications"),
    talks=step_create_schema("talks"),
    repairs=step_create_schema("repairs"),
    penalty_revocations=extend_schema(
        request=s.PenaltyRevocationCreateSerializer, responses={201: s.ObjectionSerializer, **WRITE_ERRORS},
        description="A reviewer of the owner department records that the penalty the record rests on "
                    "was changed, revoked, or confirmed illegal or void (行政复议、行政诉讼): an objection "
                    "of kind `penalty_revoked` filed by the department, whose record-withdrawal clock "
                    "opens from its policy row (《行政处罚法》第四十八条第二款); `withdraw_record` follows."),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, StepActions):
    filterset_class = filters.CaseFilter

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        cases = perms.visible_cases(self.request.user).select_related("subject", "owner_department")
        return cases.order_by("-created_at", "-pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return s.CaseSerializer if self.action == "list" else s.CaseDetailSerializer

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [IsAuthenticated(), perms.OpensCases()]
        if self.action == "escalation_notes":
            return [IsAuthenticated(), perms.WritesEscalationNotes(), perms.ReadsCases()]
        return [*super().get_permissions(), perms.ReadsCases()]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = s.CaseCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        case = services.open_case(request.user, **incoming.validated_data)
        return Response(s.CaseDetailSerializer(case, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def _create_step(self, request: Request, kind: str) -> Response:
        case = self.get_object()
        request_class, response_class = STEP_CREATES[kind]
        incoming = request_class(data=request.data)
        incoming.is_valid(raise_exception=True)
        step = start_step(kind, case, request.user, incoming.validated_data)
        return Response(response_class(step, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def objections(self, request: Request, pk: str | None = None) -> Response:
        return self._create_step(request, "objections")

    @action(detail=True, methods=["post"])
    def rectifications(self, request: Request, pk: str | None = None) -> Response:
        return self._create_step(request, "rectifications")

    @action(detail=True, methods=["post"])
    def talks(self, request: Request, pk: str | None = None) -> Response:
        return self._create_step(request, "talks")

    @action(detail=True, methods=["post"])
    def repairs(self, request: Request, pk: str | None = None) -> Response:
        return self._create_step(request, "repairs")

    @action(detail=True, methods=["post"], url_path="penalty-revocations")
    def penalty_revocations(self, request: Request, pk: str | None = None) -> Response:
        return self._create_step(request, "penalty-revocations")

    @extend_schema(methods=["GET"], responses={200: s.EscalationNoteSerializer(many=True), **READ_ERRORS},
                   description="The leadership office's escalation notes (督办意见) on the case, oldest "
                               "first, paginated like every list; internal to the departments: the "
                               "case's subject gets an empty list.")
    @extend_schema(methods=["POST"], request=s.EscalationNoteCreateSerializer,
                   responses={201: s.EscalationNoteSerializer, **WRITE_ERRORS},
                   description="Leadership office only: chase the case, optionally naming one of its "
                               "open deadlines (`deadline_id`). The owner department is notified.")
    @action(detail=True, methods=["get", "post"], url_path="escalation-notes", filter_backends=[])
    def escalation_notes(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        if request.method == "GET":
            notes = for_viewer(case.escalation_notes.select_related("department"), request.user)
            page = self.paginate_queryset(notes.order_by("created_at", "pk"))
            return self.get_paginated_response(s.EscalationNoteSerializer(page, many=True).data)
        incoming = s.EscalationNoteCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        note = services.add_escalation_note(case, request.user, incoming.validated_data["text"],
                                            incoming.validated_data["deadline_id"])
        return Response(s.EscalationNoteSerializer(note).data, status=status.HTTP_201_CREATED)


def start_step(kind: str, case: Case, actor: Any, data: dict[str, Any]) -> Any:
    if kind == "objections":
        return services.file_objection(case, actor, data["grounds"], data.get("kind", "determination"))
    if kind == "rectifications":
        return services.order_rectification(case, actor, data["requirements"],
                                            data.get("period_working_days"))
    if kind == "talks":
        return services.require_talk(case, actor, data["kind"], data["reason"])
    if kind == "penalty-revocations":
        return services.record_penalty_revocation(case, actor, services.PenaltyRevocation(
            revoking_decision=data["revoking_decision"], decided_on=data["decided_on"],
            note=data.get("note", "")))
    return services.apply_repair(case, actor, data)


# --- steps -----------------------------------------------------------------------------


class StepViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StepActions):
    model: type[Any]
    filterset_class: type[Any]  # set by step_views
    permission_classes = [IsAuthenticated, perms.Writes, perms.ReadsCases]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        user = self.request.user
        steps = for_viewer(perms.visible_steps(self.model, user), user).select_related("case")
        return steps.order_by("pk")


def step_views(model: type[Any], serializer: type[serializers.Serializer]) -> Any:
    def decorate(cls: type[StepViewSet]) -> type[StepViewSet]:
        cls.model = model
        cls.serializer_class = serializer
        cls.filterset_class = filters.step_filter(model)
        cls = extend_schema_view(
            list=extend_schema(responses={200: serializer(many=True), **READ_ERRORS}),
            retrieve=extend_schema(parameters=[EXPLAIN], responses={200: serializer, **READ_ERRORS}),
        )(cls)
        return evidence_schema(model)(cls)

    return decorate


@step_views(Objection, s.ObjectionSerializer)
class ObjectionViewSet(StepViewSet):
    pass


@step_views(Rectification, s.RectificationSerializer)
class RectificationViewSet(StepViewSet):
    pass


@step_views(Talk, s.TalkSerializer)
class TalkViewSet(StepViewSet):
    pass


@step_views(MeasureTask, s.MeasureTaskSerializer)
class MeasureTaskViewSet(StepViewSet):
    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("case__subject", "measure", "department")


@step_views(RepairApplication, s.RepairSerializer)
class RepairViewSet(StepViewSet):
    pass


# --- evidence download ---------------------------------------------------------------


@extend_schema_view(retrieve=extend_schema(responses={200: s.EvidenceSerializer, **READ_ERRORS}))
class EvidenceViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.EvidenceSerializer
    permission_classes = [IsAuthenticated, perms.ReadsCases]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Evidence.objects.none()
        user = self.request.user
        return for_viewer(perms.visible_evidence(user), user).select_related("attached_type")

    @extend_schema(responses={
        (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY), **READ_ERRORS,
    })
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        return download_response(self.get_object())


# --- public lists --------------------------------------------------------------------


class PublicList(mixins.ListModelMixin, viewsets.GenericViewSet):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


PUBLIC_SEARCH = OpenApiParameter("q", str, description="The subject's name (part) or its whole code.")


@extend_schema_view(list=extend_schema(responses={200: s.PublicCaseSerializer(many=True),
                                                  **errors(400, 404)}, parameters=[PUBLIC_SEARCH]))
class PublicListingViewSet(PublicList):
    """What is published now: listed cases inside their publication window (the public pages
    show the same rows, casework.public)."""

    serializer_class = s.PublicCaseSerializer

    def get_queryset(self) -> QuerySet[Case]:
        return public_listings(self.request.query_params.get("q", ""))


@extend_schema_view(list=extend_schema(responses={200: s.PublicExitSerializer(many=True),
                                                  **errors(400, 404)}, parameters=[PUBLIC_SEARCH]))
class PublicExitViewSet(PublicList):
    """Exit and repair notices (信用修复公示); a revoked determination is not shown."""

    serializer_class = s.PublicExitSerializer

    def get_queryset(self) -> QuerySet[Case]:
        return public_exits(self.request.query_params.get("q", ""))
