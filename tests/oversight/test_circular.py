"""The monthly 通报 as an official document: its PDF holds the month's assessment ranking and
overdue figures (read back with pypdf), one per month (issuing again gives the same
document), numbered from the leadership office's counter, and the leadership office's alone.

The small city (small_city.py) is built on 2026-06-10; June's 通报 is issued on 2026-07-01.
"""

import io
import re
from datetime import datetime
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from pypdf import PdfReader

from casework.choices import Role
from casework.models import AuditEvent, User
from documents.choices import DocumentKind
from documents.models import Document, DocumentNumberCounter
from documents.services import pdf_of
from oversight import circular
from oversight.assessment import Period, assess, ranking
from oversight.dashboard import tracked_departments
from tests.api.conftest import system_client
from tests.conftest import Cast
from tests.oversight.small_city import NOW, TZ, SmallCity, build
from workflows.guards import RuleRefused

JUNE = Period.month(2026, 6)
JULY_FIRST = datetime(2026, 7, 1, 10, 0, tzinfo=TZ)


@pytest.fixture
def city(cast: Cast) -> Any:
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        built = build(cast)
    with mock.patch("django.utils.timezone.now", return_value=JULY_FIRST):
        yield built


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(content: bytes) -> str:
    """The PDF's text, line breaks and spaces removed (CJK wraps anywhere, cells are split)."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def row_text(*cells: Any) -> str:
    return "".join(str(cell) for cell in cells)


def test_circular_pdf_holds_the_months_ranking_and_overdue_figures(cast: Cast, city: SmallCity) -> None:
    issued = circular.issue(JUNE, cast.leadership_user)
    assert issued.created
    document = issued.document
    assert (document.kind, document.period, document.case_id, document.service_act_id) == (
        DocumentKind.CIRCULAR, "2026-06", None, None)
    assert document.number == f"{cast.leadership.code}〔2026〕通报1号"
    text = text_of(pdf_of(document))
    assert document.number in text and "失信惩戒办理时限和部门考核情况通报" in text
    assert "2026年6月（2026年6月1日至2026年6月30日）" in text
    # The ranking: the assessment of June (tests/oversight/test_assessment.py has it by hand:
    # A 5 closed, 3 on time; the joint department 2 closed, 1 on time; B nothing closed).
    ranked = ranking(assess(tracked_departments(), JUNE))
    places = [(place, item.department.code) for place, item in ranked if place]
    assert places == [(1, city.a.code), (2, city.joint.code)]
    for place, item in ranked[:2]:
        total = item.total()
        assert row_text(place, item.department.name, total.closed, total.on_time,
                        f"{total.on_time_rate * 100:.1f}", f"{total.median_days:.1f}",
                        f"{total.p90_days:.1f}",
                        f"{item.objections_decided}/{item.objections_upheld}",
                        f"{item.notes_received}/{item.notes_answered}") in text
    assert row_text(1, city.a.name, 5, 3, "60.0", "3.0", "10.0", "3/1", "2/1") in text
    assert row_text(2, city.joint.name, 2, 1, "50.0") in text
    assert f"不参加排名的部门：{city.b.name}" in text
    # Overdue at the end of June, by hand from small_city.py: A's four overdue clocks and the
    # repair decision due 06-11, still open (the paused period is left out; the publication
    # period is not tracked); B's two open clocks; the joint department's two.
    assert row_text(city.a.name, 5, 2) in text  # 5 overdue at the end, 2 closed late in June
    assert row_text(city.b.name, 2, 0) in text
    assert row_text(city.joint.name, 2, 1) in text
    assert row_text("合计", 9, 3) in text
    assert "共办结计时环节7个，其中按时办结4个，按时办结率57.1%；截至月末逾期未办结9个" in text
    assert "共办结异议3件，其中异议成立1件；各部门收到督办意见2件，已答复1件" in text
    assert not re.search(r"[A-Za-z]{4,}", text.replace(cast.leadership.code, "")), "English in a Chinese 通报"


def test_overdue_at_the_months_end_counts_clocks_closed_late_after_it(cast: Cast, city: SmallCity) -> None:
    """A clock due in June and closed in July after its due time was overdue at June's end."""
    late = city.clocks["a_accept_1"]
    type(late).objects.filter(pk=late.pk).update(state="met", closed_at=JULY_FIRST)
    paused = city.clocks["a_period_paused"]
    assert circular.overdue_at_end(JUNE)[city.a.pk] == 5  # unchanged: still overdue at 06-30 24:00
    type(paused).objects.filter(pk=paused.pk).update(state="breached")
    assert circular.overdue_at_end(JUNE)[city.a.pk] == 6  # no longer paused: overdue since 05-29


def test_issuing_twice_gives_the_same_document(cast: Cast, city: SmallCity) -> None:
    first = circular.issue(JUNE, cast.leadership_user)
    again = circular.issue(JUNE, cast.leadership_user)
    assert (first.created, again.created) == (True, False)
    assert again.document.pk == first.document.pk and again.document.number == first.document.number
    assert Document.objects.filter(kind=DocumentKind.CIRCULAR).count() == 1
    assert DocumentNumberCounter.objects.get(department=cast.leadership, year=2026).last == 1
    [event] = AuditEvent.objects.filter(action=circular.CIRCULAR_ISSUED)
    assert first.document.audit_event_id == event.pk
    assert event.payload["number"] == first.document.number
    assert event.payload["sha256"] == first.document.sha256
    # Through the API too: 201 with the document, then 200 with the same one.
    client = signed_in(cast.leadership_user)
    posted = client.post("/api/v1/oversight/circulars/", {"month": "2026-05"},
                         content_type="application/json")
    repeated = client.post("/api/v1/oversight/circulars/", {"month": "2026-05"},
                           content_type="application/json")
    assert (posted.status_code, repeated.status_code) == (201, 200)
    assert posted.json()["id"] == repeated.json()["id"]
    assert posted.json()["number"] == f"{cast.leadership.code}〔2026〕通报2号"
    listed = client.get("/api/v1/oversight/circulars/").json()
    assert [row["period"] for row in listed] == ["2026-06", "2026-05"]


def test_a_month_is_circulated_only_once_it_is_over(cast: Cast, city: SmallCity) -> None:
    with pytest.raises(RuleRefused) as refused:
        circular.issue(Period.month(2026, 7), cast.leadership_user)
    assert refused.value.code == "circular_month_not_over"
    response = signed_in(cast.leadership_user).post("/api/v1/oversight/circulars/", {"month": "2026-07"},
                                                    content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "circular_month_not_over"
    assert not Document.objects.filter(kind=DocumentKind.CIRCULAR).exists()
    assert not DocumentNumberCounter.objects.filter(department=cast.leadership).exists()


def test_the_report_page_issues_the_circular_and_downloads_its_pdf(cast: Cast, city: SmallCity) -> None:
    client = signed_in(cast.leadership_user)
    page = client.get("/oversight/report/", {"month": "2026-06"}).content.decode()
    assert 'action="/oversight/report/circular.pdf"' in page
    assert client.get("/oversight/report/circular.pdf", {"month": "2026-06"}).status_code == 404
    issued = client.post("/oversight/report/circular.pdf", {"month": "2026-06"})
    assert issued.status_code == 302 and issued["Location"] == "/oversight/report/?month=2026-06"
    document = Document.objects.get(kind=DocumentKind.CIRCULAR, period="2026-06")
    back = client.get(issued["Location"]).content.decode()  # the report says so and links the PDF
    assert document.number in back and f'data-ov-circular="{document.pk}"' in back
    assert 'action="/oversight/report/circular.pdf"' not in back
    download = client.get("/oversight/report/circular.pdf", {"month": "2026-06"})
    document.refresh_from_db()  # its PDF is made on the first download
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["X-Content-SHA256"] == document.pdf_sha256
    assert document.number in text_of(download.content)
    page = client.get("/oversight/report/", {"month": "2026-06"}).content.decode()
    assert f'data-ov-circular="{document.pk}"' in page
    api = client.get("/api/v1/oversight/circulars/2026-06/pdf/")
    assert api.status_code == 200 and api.content == download.content


@pytest.mark.parametrize("who", ["officer", "reviewer", "joint_officer", "ndrc_officer", "subject_user",
                                 "administrator", "platform"])
def test_only_the_leadership_office_issues_and_reads_the_circular(cast: Cast, city: SmallCity,
                                                                  who: str) -> None:
    document = circular.issue(Period.month(2026, 5), cast.leadership_user).document
    if who == "administrator":
        user = User.objects.create_user(username="admin2", password="x", role=Role.ADMIN)
    elif who == "platform":  # the province's platform: reads every case (cases_read), not the 通报
        user = system_client("province", "cases_read")
    else:
        user = getattr(cast, who)
    client = signed_in(user)
    # The pages: 403 (or the login page for whoever has no staff pages)
    assert client.get("/oversight/report/circular.pdf", {"month": "2026-05"}).status_code in (302, 403)
    assert client.post("/oversight/report/circular.pdf", {"month": "2026-06"}).status_code in (302, 403)
    assert client.get(f"/documents/{document.pk}/").status_code in (302, 404)
    # The API: 403 on the 通报's own routes, 404 in the documents API
    assert client.post("/api/v1/oversight/circulars/", {"month": "2026-06"},
                       content_type="application/json").status_code == 403
    assert client.get("/api/v1/oversight/circulars/").status_code == 403
    assert client.get("/api/v1/oversight/circulars/2026-05/pdf/").status_code == 403
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert client.get(f"/api/v1/documents/{document.pk}/download/").status_code == 404
    assert not Document.objects.visible_to(user).filter(pk=document.pk).exists()
    with pytest.raises(RuleRefused):
        circular.issue(JUNE, user)
    assert not Document.objects.filter(kind=DocumentKind.CIRCULAR, period="2026-06").exists()


def test_the_leadership_office_finds_the_circular_in_the_documents_api(cast: Cast, city: SmallCity) -> None:
    document = circular.issue(JUNE, cast.leadership_user).document
    client = signed_in(cast.leadership_user)
    assert client.get(f"/api/v1/documents/{document.pk}/").json()["number"] == document.number
    assert client.get(f"/documents/{document.pk}/").status_code == 200
