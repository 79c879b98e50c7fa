"""Issuing, serving and rendering official documents.

Issuing runs inside the transition's transaction (the ``indexes`` hook): the text of
record is rendered from the office's template, numbered per department and year,
checksummed and audited on the case's chain next to the transition that produced it.
The PDF is made from that stored text after commit (or on first download) — never
while the case row is locked — and its own checksum recorded.
"""

from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from casework import audit
from casework.hooks import TransitionEvent
from casework.models import Department
from documents import context as document_context
from documents.choices import NUMBER_MARKS, DocumentKind
from documents.models import Document, DocumentNumberCounter, DocumentTemplate, ServiceAct
from documents.render import render_html, render_pdf, sha256


def issue_documents(event: TransitionEvent, kinds: tuple[str, ...]) -> list[Document]:
    """One service act with one document per kind, all in the transition's transaction."""
    case = event.case
    act = ServiceAct(case=case, target=event.obj)
    act.save()
    facts = document_context.build(case, event.obj, event.data)
    planned = [(kind, template_for(kind), next_number(case.owner_department, kind)) for kind in kinds]
    numbers = [number for _kind, _template, number in planned]
    documents = [
        _issue_one(event, act, kind, template, number, facts, planned)
        for kind, template, number in planned
    ]
    audit.append(obj=act, action="documents_issued", actor=event.actor, case=case,
                 to_state=act.state, payload={
                     "produced_by": event.audit_event.pk, "numbers": numbers,
                     "sha256": {document.number: document.sha256 for document in documents},
                 })
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        # A worker makes the PDFs after commit; in-process (the embedded mode, the tests)
        # the first download makes them, so a transition never waits on WeasyPrint.
        transaction.on_commit(lambda: _queue_pdfs([document.pk for document in documents]))
    return documents


def _issue_one(event: TransitionEvent, act: ServiceAct, kind: str, template: DocumentTemplate,
               number: str, facts: dict[str, Any], planned: list[Any]) -> Document:
    companions = [{"title": other_template.title, "number": other_number}
                  for other_kind, other_template, other_number in planned if other_kind != kind]
    header = {"number": number, "department": event.case.owner_department.name,
              "issued_on": timezone.localdate(), "case_number": event.case.number,
              "act_numbers": [entry["number"] for entry in companions]}
    html = render_html(template, {**facts, **header, "companions": companions}, header)
    return Document.objects.create(
        case=event.case, service_act=act, kind=kind, number=number, title=template.title,
        language=template.language, template_version=template.version, html=html,
        sha256=sha256(html), reason_code=facts["refusal"].get("code", ""),
        audit_event=event.audit_event, target_type=act.target_type, target_id=act.target_id,
    )


def template_for(kind: str) -> DocumentTemplate:
    language = getattr(settings, "DOCUMENTS_LANGUAGE", "zh-hans")
    template = DocumentTemplate.objects.filter(kind=kind, language=language).first()
    if template is None:
        raise DocumentTemplate.DoesNotExist(f"no {language} template for {DocumentKind(kind).label}")
    return template


def next_number(department: Department, kind: str) -> str:
    """``<department>〔<year>〕<mark><n>号``, one sequence per department and year.

    The counter row stays locked until the transition commits; the documents are issued
    last in the transition (only the notifications follow), so the wait is short.
    """
    counter = locked_counter(department)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{department.code}〔{counter.year}〕{NUMBER_MARKS[kind]}{counter.last}号"


def locked_counter(department: Department) -> DocumentNumberCounter:
    """The department's counter of this year, locked until the transaction ends (issuers of one
    department wait on each other here; see ``oversight.circular`` for an idempotent issue)."""
    counter, _created = DocumentNumberCounter.objects.select_for_update().get_or_create(
        department=department, year=timezone.localdate().year
    )
    return counter


def _queue_pdfs(document_ids: list[int]) -> None:
    from documents.tasks import render_pdfs

    try:
        render_pdfs.delay(document_ids)
    except Exception:  # a broker outage: the PDF is made on first download instead
        return


def pdf_of(document: Document) -> bytes:
    """The document's PDF, made from its text of record once and stored with its checksum."""
    if document.pdf:
        with document.pdf.open("rb") as stored:
            return stored.read()
    content = render_pdf(document.html)
    digest = sha256(content)
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if not locked.pdf:
            locked.pdf_sha256 = digest
            locked.pdf.save(f"{locked.pk}.pdf", ContentFile(content), save=False)
            locked.save(update_fields=["pdf", "pdf_sha256"])
        document.pdf, document.pdf_sha256 = locked.pdf, locked.pdf_sha256
    return content


def serve(act: ServiceAct, actor: Any, data: dict[str, Any] | None = None) -> Any:
    """Record the service of an act (post, in person; or the portal's read receipt)."""
    from casework.services import advance

    return advance(act, "serve", actor, dict(data or {}))


def open_document(document: Document, user: Any) -> Document:
    """The subject opens a document in the portal: the first opening is the read receipt (送达)."""
    from casework.services import identifier_reads
    from workflows.guards import Role
    from workflows.service_act import ServiceMethod, ServiceState

    act, case = document.service_act, document.case
    if act is None or case is None:
        return document  # about no case (the monthly 通报): no subject, nothing to serve
    # The document is addressed to its subject and carries the whole number.
    identifier_reads.record(user, case.subject, "document:download")
    if user.role == Role.SUBJECT and act.state == ServiceState.PENDING:
        serve(act, user, {"method": ServiceMethod.PORTAL})
    return Document.objects.select_related("service_act").get(pk=document.pk)
