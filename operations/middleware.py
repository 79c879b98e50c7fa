"""Request middleware: request id and latency, body size limit, Content-Security-Policy, replica reads."""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _

from operations import metrics, routing
from operations.requests import HEADER, current_request_id, request_id_from

Handler = Callable[[HttpRequest], HttpResponseBase]
access_log = logging.getLogger("casework.access")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class RequestContextMiddleware:
    """First in the chain: the request id for the logs and the response, latency by route."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request.headers.get(HEADER))
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[HEADER] = request_id
            route = route_of(request)
            metrics.observe_request(request.method or "", route, response.status_code, seconds)
            access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "route": route,
                "status": response.status_code, "duration_ms": round(seconds * 1000, 2),
                "user_id": getattr(getattr(request, "user", None), "pk", None),
            })
            return response
        finally:
            current_request_id.reset(token)


def route_of(request: HttpRequest) -> str:
    # The URL pattern's name keeps the metric's label set small (never the raw path).
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


class BodySizeLimitMiddleware:
    """A declared body over REQUEST_MAX_BYTES is refused with 413 before anything reads it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        limit = settings.REQUEST_MAX_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return JsonResponse({"code": "request_too_large", "detail": _(
                "The request body is larger than %(limit)d bytes.") % {"limit": limit}}, status=413)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """The same policy on every response: scripts and styles only from our own origin."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.policy = "; ".join(f"{name} {' '.join(values)}" for name, values in
                                settings.CONTENT_SECURITY_POLICY.items())

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class ReplicaReadsMiddleware:
    """The views named in REPLICA_VIEWS read from the replica (writes always go to the primary)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            response = self.get_response(request)
        finally:
            routing.read_from_replica.set(False)
        if request.method not in SAFE_METHODS and routing.replica_configured():
            routing.pin_to_primary(request)
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        match = request.resolver_match
        if routing.replica_configured() and match is not None and \
                match.view_name in settings.REPLICA_VIEWS and not routing.pinned_to_primary(request):
            routing.read_from_replica.set(True)
