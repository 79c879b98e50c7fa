from celery import shared_task

from documents.models import Document
from documents.services import pdf_of


@shared_task
def render_pdfs(document_ids: list[int]) -> int:
    """Make the PDFs of freshly issued documents (after their transition committed)."""
    made = 0
    for document in Document.objects.filter(pk__in=document_ids, pdf=""):
        pdf_of(document)
        made += 1
    return made
