"""The public credit pages (no login): the published lists and the exit notices, searchable.

Rendered from the public API's own serializers over the same queries (casework/public.py),
so a page and /api/v1/public/… show the same records with the same masking and labels.
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casework.api.serializers.public import PublicCaseSerializer, PublicExitSerializer
from casework.public import public_exits, public_listings

PAGE_SIZE = 20


def listings(request: HttpRequest) -> HttpResponse:
    return _page(request, public_listings, PublicCaseSerializer, "portal/public_list.html", "listings")


def exits(request: HttpRequest) -> HttpResponse:
    return _page(request, public_exits, PublicExitSerializer, "portal/public_exits.html", "exits")


def _page(request: HttpRequest, query: object, serializer: type, template: str,
          active: str) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:100]
    page = Paginator(query(text), PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[operator]
    records = serializer(page.object_list, many=True).data
    return render(request, template, {"records": records, "page": page, "q": text, "active": active})
