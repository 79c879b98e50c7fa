"""Operations endpoints: liveness, readiness, metrics. None of them needs a session."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from operations import health, metrics


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Dependencies are /readyz's business."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results = health.readiness()
    ready = all(result.ok for result in results)
    body = {"status": "ok" if ready else "unavailable",
            "checks": {result.name: {"ok": result.ok, "detail": result.detail} for result in results}}
    return JsonResponse(body, status=200 if ready else 503)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not scraper_allowed(request):
        return HttpResponse(status=403)
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def scraper_allowed(request: HttpRequest) -> bool:
    """Metrics name internals: only the networks in METRICS_ALLOWED_NETWORKS may read them."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS)
