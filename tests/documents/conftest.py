"""Builders for the document tests: each takes a case through the real transitions."""

import io
from datetime import timedelta

from django.utils import timezone
from pypdf import PdfReader

from casework import services
from casework.models import Case, Objection, RepairApplication, Talk
from documents.models import Document
from documents.services import pdf_of
from tests.conftest import Cast


def pdf_text(document: Document) -> str:
    """The text extracted back from the rendered PDF, line breaks removed (CJK wraps anywhere)."""
    reader = PdfReader(io.BytesIO(pdf_of(document)))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def document(case: Case, kind: str) -> Document:
    return Document.objects.get(case=case, kind=kind)


def scheduled_talk(cast: Cast, case: Case) -> Talk:
    talk = services.require_talk(case, cast.officer, reason="逾期未整改")
    services.advance(talk, "schedule", cast.officer, {
        "scheduled_for": (timezone.now() + timedelta(days=10)).isoformat(),
        "place": "市市场监管局 302 会议室", "co_organiser": "fgw",
    })
    return Talk.objects.get(pk=talk.pk)


def held_talk(cast: Cast, case: Case) -> Talk:
    talk = scheduled_talk(cast, case)
    Talk.objects.filter(pk=talk.pk).update(scheduled_for=timezone.now() - timedelta(minutes=1))
    services.advance(Talk.objects.get(pk=talk.pk), "hold", cast.officer,
                     {"record": "企业承诺十日内补缴欠款"})
    return Talk.objects.get(pk=talk.pk)


def dismissed_objection(cast: Cast, case: Case) -> Objection:
    objection = services.file_objection(case, cast.subject_user, "处罚依据适用错误")
    services.advance(objection, "accept", cast.officer)
    services.advance(Objection.objects.get(pk=objection.pk), "dismiss", cast.reviewer,
                     {"reason": "事实清楚，依据充分"})
    return Objection.objects.get(pk=objection.pk)


def repair_under_review(cast: Cast, case: Case) -> RepairApplication:
    Case.objects.filter(pk=case.pk).update(publication_min_until=timezone.localdate())
    repair = services.apply_repair(Case.objects.get(pk=case.pk), cast.subject_user,
                                   {"commitment_letter": True})
    services.advance(repair, "accept", cast.officer)
    return RepairApplication.objects.get(pk=repair.pk)
