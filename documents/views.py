"""Opening a document: its PDF for whoever may see its case; a subject's first opening serves it."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from documents.models import Document
from documents.services import open_document, pdf_of


@login_required
def open_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    # Outside the viewer's cases the document does not exist for them (404, as the API answers).
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    document = open_document(document, request.user)
    response = HttpResponse(pdf_of(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="document-{document.pk}.pdf"'
    response["X-Content-SHA256"] = document.pdf_sha256
    return response
