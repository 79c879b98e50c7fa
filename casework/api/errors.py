"""One error shape for the whole API: ``{"code": …, "detail": …}`` (+ ``errors`` per field).

400 malformed or invalid input, 401 no or bad credentials, 403 a role that may not,
404 not found or not visible (never which), 409 stale version, 422 a rule refused.
Messages are rendered in the request's language (LocaleMiddleware, Accept-Language).
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from casework.api.parsers import BodyTooLarge
from casework.exceptions import Conflict, PayloadInvalid
from workflows.guards import RuleRefused

NOT_FOUND = _("Not found, or not visible to you.")

CODES: list[tuple[type[Exception], str]] = [
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "malformed"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
    (BodyTooLarge, "too_large"),
]


def error(code: str, detail: Any, http_status: int, **extra: Any) -> Response:
    return Response({"code": code, "detail": str(detail), **extra}, status=http_status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Conflict):
        return error(exc.code, exc, status.HTTP_409_CONFLICT, version=exc.actual)
    if isinstance(exc, PayloadInvalid):
        return error(exc.code, exc, status.HTTP_400_BAD_REQUEST, errors=exc.errors)
    if isinstance(exc, RuleRefused):
        return error(exc.code, exc.message, status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return error("invalid", _("The request is invalid."), status.HTTP_400_BAD_REQUEST, errors=errors)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return error("not_found", NOT_FOUND, status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((code for kind, code in CODES if isinstance(exc, kind)), "error")
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": code, "detail": str(_("The request is invalid.")),
                         "errors": _as_dict(response.data)}
    else:
        response.data = {"code": code, "detail": str(getattr(exc, "detail", exc))}
    return response


def _as_dict(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {"non_field_errors": data}
