"""The subject portal and the public pages, as a person uses them (Django's test client)."""

import re
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from casework import services
from casework.models import Case, Objection, RepairApplication
from documents.models import Document
from tests.casework.refusals import nothing_written
from tests.conftest import Cast


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_subject_sees_its_case_stage_deadline_and_rule(cast: Cast) -> None:
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    cast.served(case)
    page = signed_in(cast.subject_user).get("/portal/").content.decode()
    assert case.number in page and "陈述申辩" in page
    due = Case.objects.get(pk=case.pk).statement_due_on
    assert due is not None and due.isoformat() in page
    assert "个工作日" in page and "国办发〔2020〕49号" in page  # the countdown and its rule


def test_another_subject_sees_and_downloads_nothing_of_the_first(cast: Cast) -> None:
    case = cast.listed_case()
    document = Document.objects.filter(case=case).first()
    assert document is not None
    other = signed_in(cast.other_subject_user)
    assert case.number not in other.get("/portal/").content.decode()
    assert other.get(f"/portal/cases/{case.pk}/").status_code == 404
    assert other.get(f"/documents/{document.pk}/").status_code == 404
    assert other.post(f"/portal/cases/{case.pk}/objection/", {"grounds": "x"}).status_code == 404


def test_an_early_repair_application_is_refused_at_filing_with_its_date_and_nothing_written(
    cast: Cast,
) -> None:
    case = cast.listed_case()
    with nothing_written(case):
        page = signed_in(cast.subject_user).post(f"/portal/cases/{case.pk}/repair/", {
            "commitment_letter": "on", "rectification_proof": "整改报告",
        })
    assert page.status_code == 200
    text = page.content.decode()
    assert case.publication_min_until is not None
    assert f"自 {case.publication_min_until.isoformat()} 起方可申请信用修复" in text
    assert not RepairApplication.objects.exists()


def test_an_objection_with_a_pdf_labels_the_public_record_until_it_is_dismissed(
    cast: Cast, settings: object, tmp_path: object,
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    case = cast.listed_case()
    upload = SimpleUploadedFile("证据.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    response = signed_in(cast.subject_user).post(
        f"/portal/cases/{case.pk}/objection/", {"grounds": "认定事实有误", "evidence": upload})
    assert response.status_code == 302
    objection = Objection.objects.get(case=case)
    assert objection.case.evidence.get().original_name == "证据.pdf"
    public = Client()
    page = public.get("/public/", {"q": cast.subject.name}).content.decode()
    api = public.get("/api/v1/public/listings/", {"q": cast.subject.name}).json()
    assert "异议处理中" in page and api["results"][0]["label"] == "异议处理中"
    services.advance(objection, "accept", cast.officer)
    services.advance(Objection.objects.get(pk=objection.pk), "dismiss", cast.reviewer,
                     {"reason": "事实清楚"})
    page = public.get("/public/", {"q": cast.subject.name}).content.decode()
    assert cast.subject.name in page and "异议处理中" not in page
    assert public.get("/api/v1/public/listings/").json()["results"][0]["label"] == ""


def test_public_pages_mask_a_person_and_drop_ended_or_revoked_records(cast: Cast) -> None:
    person = cast.listed_case(subject=cast.other_subject)
    page = Client().get("/public/").content.decode()
    assert "张*" in page and cast.other_subject.identifier not in page
    assert re.search(r"\*{6,}002X", page)  # the public mask (casework.identifiers)
    Case.objects.filter(pk=person.pk).update(listed_until=timezone.localdate().replace(year=2020))
    assert "张*" not in Client().get("/public/").content.decode()
    assert Client().get("/api/v1/public/listings/").json()["results"] == [] or all(
        row["number"] != person.number for row in Client().get("/api/v1/public/listings/").json()["results"])


def test_a_public_record_page_shows_the_lists_row_masked_and_is_gone_when_publication_ends(
    cast: Cast,
) -> None:
    case = cast.listed_case(subject=cast.other_subject)  # a natural person: name and number masked
    public = Client()
    row = public.get("/api/v1/public/listings/").json()["results"][0]
    page = public.get(f"/public/records/{case.number}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert row["subject_name"] in text and row["subject_identifier"] in text
    assert cast.other_subject.identifier not in text and row["subject_name"] != cast.other_subject.name
    assert f'href="/public/records/{case.number}/"' in public.get("/public/").content.decode()
    assert public.get("/public/records/no-such-case/").status_code == 404
    Case.objects.filter(pk=case.pk).update(listed_until=timezone.localdate() - timedelta(days=1))
    assert public.get(f"/public/records/{case.number}/").status_code == 404
    assert public.get("/api/v1/public/listings/").json()["results"] == []


def test_the_subject_reads_the_decision_revoking_its_repair_in_the_portal(cast: Cast) -> None:
    """The 撤销信用修复决定书 is on the case page; opening it is the read receipt (送达)."""
    from documents.choices import DocumentKind
    from tests.casework.refusals import build

    repair = build(cast, "repair/approved")
    services.advance(repair, "revoke", cast.reviewer, {"false_material": "整改凭证系伪造",
                                                       "decision": "提交虚假材料取得修复"})
    document = Document.objects.get(case_id=repair.case_id, kind=DocumentKind.REPAIR_REVOCATION)
    portal = signed_in(cast.subject_user)
    home = portal.get("/portal/").content.decode()
    assert Case.objects.get(pk=repair.case_id).number in home
    page = portal.get(f"/portal/cases/{repair.case_id}/").content.decode()
    assert "撤销信用修复决定书" in page and document.number in page
    response = portal.get(f"/documents/{document.pk}/")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    document.refresh_from_db()
    assert document.service_act.state == "served"
    assert signed_in(cast.other_subject_user).get(f"/documents/{document.pk}/").status_code == 404
