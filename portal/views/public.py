"""The public credit pages (no login): the published lists and the exit notices, searchable.

Rendered from the public API's own serializers over the same queries (casework/public.py),
so a page and /api/v1/public/… show the same records with the same masking and labels.
A record's own page (``/public/records/<number>/``) exists only while the record is on one
of those two lists: once its publication ends, or the case is revoked, it is a 404.
"""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from casework.api.serializers.public import PublicCaseSerializer, PublicExitSerializer
from casework.public import public_exits, public_listings

PAGE_SIZE = 20


def listings(request: HttpRequest) -> HttpResponse:
    return _page(request, public_listings, PublicCaseSerializer, "portal/public_list.html", "listings")


def exits(request: HttpRequest) -> HttpResponse:
    return _page(request, public_exits, PublicExitSerializer, "portal/public_exits.html", "exits")


def record(request: HttpRequest, number: str) -> HttpResponse:
    """One published record or exit notice, as the list shows it (same serializer, same label)."""
    for query, serializer, active in ((public_listings, PublicCaseSerializer, "listings"),
                                      (public_exits, PublicExitSerializer, "exits")):
        case = query().filter(number=number).first()
        if case is not None:
            return render(request, "portal/public_record.html",
                          {"record": serializer(case).data, "active": active, "single": True})
    raise Http404


def _page(request: HttpRequest, query: object, serializer: type, template: str,
          active: str) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:100]
    page = Paginator(query(text), PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[operator]
    records = serializer(page.object_list, many=True).data
    return render(request, template, {"records": records, "page": page, "q": text, "active": active})
