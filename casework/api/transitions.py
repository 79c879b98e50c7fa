"""One endpoint per transition: ``POST /api/v1/<resource>/{id}/transitions/<name>/``.

Each transition's request body is its declared payload (workflows/payloads.py) plus
``expected_version``, so the OpenAPI schema shows what each step takes. The answer is
the object as ``GET`` shows it after the change, with the ``audit_event_id`` of the
transition: the client has the next ``expected_version`` at hand.
"""

from typing import Any

from django.db.models import Model, QuerySet
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import payloads, services
from casework.api import permissions as perms
from casework.api import serializers as s
from casework.api.views import IDEMPOTENCY_HEADER, idempotency_key
from casework.models import Case, MeasureTask, Objection, Rectification, RepairApplication, Talk

MAX_VERSION = 2**31 - 1

# resource path → (model, the serializer GET answers with)
RESOURCES: dict[str, tuple[type[Model], type[serializers.ModelSerializer]]] = {
    "cases": (Case, s.CaseDetailSerializer),
    "objections": (Objection, s.ObjectionSerializer),
    "rectifications": (Rectification, s.RectificationSerializer),
    "talks": (Talk, s.TalkSerializer),
    "measure-tasks": (MeasureTask, s.MeasureTaskSerializer),
    "repairs": (RepairApplication, s.RepairSerializer),
}


def request_serializer(model: type[Model], name: str) -> type[serializers.Serializer]:
    """The payload's fields plus ``expected_version``, named after the model and transition."""
    payload_type = payloads.payload_class(model(), name)
    base = payloads.serializer_class(payload_type)
    version = serializers.IntegerField(
        min_value=1, max_value=MAX_VERSION,
        help_text=_("The version the client last read: a stale one is refused with 409."),
    )
    title = "".join(part.title() for part in f"{model._meta.model_name}_{name}".split("_"))
    return type(title, (base,), {"expected_version": version})


class AuditEventId(serializers.Serializer):
    audit_event_id = serializers.SerializerMethodField(
        help_text="The audit event the transition wrote (a replay names the first request's).")

    def get_audit_event_id(self, obj: Model) -> int | None:
        return self.context.get("audit_event_id")


def response_serializer(detail: type[serializers.ModelSerializer], model: type[Model],
                        name: str) -> type[serializers.ModelSerializer]:
    """The object as GET shows it, plus the transition's audit event."""
    title = "".join(part.title() for part in f"{model._meta.model_name}_{name}".split("_"))
    meta = type("Meta", (detail.Meta,), {"fields": [*detail.Meta.fields, "audit_event_id"]})
    return type(f"{title}Result", (AuditEventId, detail), {"Meta": meta, "__module__": __name__})


class TransitionView(GenericAPIView):
    """Take one transition of one visible object (404 for what the caller may not see)."""

    permission_classes = [IsAuthenticated, perms.Writes]
    model: type[Model] = Case
    name = ""
    request_class: type[serializers.Serializer] = serializers.Serializer
    result_class: type[serializers.ModelSerializer] = serializers.ModelSerializer

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        return perms.visible_steps(self.model, self.request.user) if self.model is not Case \
            else perms.visible_cases(self.request.user)

    def post(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        key = idempotency_key(request)
        body = dict(request.data) if hasattr(request.data, "keys") else request.data
        if not isinstance(body, dict):
            raise serializers.ValidationError({"non_field_errors": [_("A JSON object is expected.")]})
        version = serializers.IntegerField(min_value=1, max_value=MAX_VERSION)
        try:
            expected_version = version.run_validation(body.pop("expected_version", serializers.empty))
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"expected_version": error.detail}) from None
        result = services.advance(obj, self.name, request.user, body,
                                  expected_version=expected_version, idempotency_key=key)
        context = {**self.get_serializer_context(), "audit_event_id": result.audit_event_id}
        fresh = self.get_queryset().get(pk=obj.pk)
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return Response(self.result_class(fresh, context=context).data, headers=headers)


def transition_view(resource: str, model: type[Model], detail: type[serializers.ModelSerializer],
                    name: str) -> Any:
    request_class = request_serializer(model, name)
    result_class = response_serializer(detail, model, name)
    doc = getattr(getattr(model, services.transition_names(model())[name]), "__doc__", None) or ""
    view: type[TransitionView] = type(f"{request_class.__name__}View", (TransitionView,), {
        "model": model, "name": name, "request_class": request_class, "result_class": result_class,
    })
    def post(self: TransitionView, request: Request, pk: str) -> Response:
        return TransitionView.post(self, request, pk)

    # A function of this view's own: extend_schema marks the function it is given.
    view.post = extend_schema(  # type: ignore[method-assign]
        operation_id=f"{resource.replace('-', '_')}_{name}",
        summary=f"{model._meta.model_name}: {name}",
        description=doc.strip() or None,
        request=request_class,
        responses={200: result_class, **{code: s.ErrorSerializer for code in (400, 401, 403, 404, 409, 422)}},
        parameters=[OpenApiParameter(
            IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False,
            description="Repeat-safe: the same key with the same body answers again without writing; "
                        "the same key with another body is refused (422 idempotency_key_reused)."
        )],
        tags=[resource],
    )(post)
    return view.as_view()


@extend_schema(exclude=True)
class UnknownTransitionView(APIView):
    """A transition name the machine does not have: the API's own 404, not the site's page."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, pk: int, name: str) -> Response:
        raise NotFound(_("There is no step called “%(name)s” here.") % {"name": name})


def urlpatterns() -> list[URLPattern]:
    patterns = []
    for resource, (model, detail) in RESOURCES.items():
        for name in sorted(services.transition_names(model())):
            patterns.append(path(f"{resource}/<int:pk>/transitions/{name}/",
                                 transition_view(resource, model, detail, name),
                                 name=f"{resource}-transition-{name}"))
        patterns.append(path(f"{resource}/<int:pk>/transitions/<str:name>/",
                             UnknownTransitionView.as_view()))
    return patterns
