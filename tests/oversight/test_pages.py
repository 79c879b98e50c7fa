"""The leadership office's pages: the numbers of the dashboard, each a link to its clocks;
exports that open with openpyxl and hold the page's numbers; 督办 from the page and the
department's answer; and nothing else the office may change."""

import csv
import io
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from openpyxl import load_workbook

from casework.models import AuditEvent, EscalationAnswer, EscalationNote
from tests.conftest import Cast
from tests.oversight.small_city import NOW, SmallCity, build


@pytest.fixture
def city(cast: Cast) -> Any:
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield build(cast)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_shows_each_cell_linked_to_its_clocks(cast: Cast, city: SmallCity) -> None:
    page = signed_in(cast.leadership_user).get("/oversight/")
    assert page.status_code == 200
    html = page.content.decode()
    link = f"/oversight/clocks/?status=overdue&amp;department={city.a.code}&amp;stage=repair"
    assert f'<strong><a data-ov-cell="{city.a.code}:repair:overdue" href="{link}">1</a></strong>' in html
    assert f'data-ov-age="{city.a.code}:10+" href="/oversight/clocks/?status=overdue&amp;' \
           f'department={city.a.code}&amp;age=10%2B">1</a>' in html
    assert f'data-ov-cell="{city.b.code}:total:overdue"' in html  # the department with nothing overdue
    listed = signed_in(cast.leadership_user).get(
        "/oversight/clocks/", {"status": "overdue", "department": city.a.code, "stage": "repair"})
    assert listed.status_code == 200
    assert listed.content.decode().count("data-ov-clock=") == 1
    assert f'data-ov-clock="{city.clocks["a_answer_14"].pk}"' in listed.content.decode()


@pytest.mark.parametrize("who", ["officer", "reviewer", "joint_officer", "ndrc_officer", "subject_user"])
def test_other_roles_do_not_see_the_oversight_pages(cast: Cast, city: SmallCity, who: str) -> None:
    client = signed_in(getattr(cast, who))
    for path in ("/oversight/", "/oversight/clocks/", "/oversight/assessment/", "/oversight/report/",
                 "/oversight/export/dashboard.xlsx"):
        assert client.get(path).status_code in (302, 403), path


def test_dashboard_rows_put_the_most_overdue_department_first(cast: Cast, city: SmallCity) -> None:
    html = signed_in(cast.leadership_user).get("/oversight/").content.decode()
    # 4 overdue, 1, 0: the grid's rows and the exported grid's rows in that order
    codes = [city.a.code, city.joint.code, city.b.code]
    places = [html.index(f'data-ov-cell="{code}:total:overdue"') for code in codes]
    assert places == sorted(places)
    response = signed_in(cast.leadership_user).get("/oversight/export/grid.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:4]] == [city.a.name, city.joint.name, city.b.name]


def test_dashboard_export_opens_with_openpyxl_and_holds_the_page_numbers(cast: Cast, city: SmallCity) -> None:
    response = signed_in(cast.leadership_user).get("/oversight/export/dashboard.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    grid, ageing = ([list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets[:2])
    a_row = next(row for row in grid if row[0] == city.a.name)
    assert a_row[1:] == ["0/0", "1/1", "1/2", "1/1", "0/0", "1/2"]  # overdue/open: the page's numbers
    assert next(row for row in ageing if row[0] == city.a.name)[1:7] == [6, 4, 1, 1, 1, 1]


def test_csv_export_is_the_same_table(cast: Cast, city: SmallCity) -> None:
    response = signed_in(cast.leadership_user).get("/oversight/export/ageing.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert next(row for row in rows if row[0] == city.b.name)[1:7] == ["2", "0", "0", "0", "0", "0"]


def test_assessment_and_monthly_report_pages(cast: Cast, city: SmallCity) -> None:
    client = signed_in(cast.leadership_user)
    page = client.get("/oversight/assessment/", {"month": "2026-06"})
    assert page.status_code == 200 and city.a.name in page.content.decode()
    report = client.get("/oversight/report/", {"month": "2026-06"})
    assert report.status_code == 200 and "2026-06" in report.content.decode()
    book = load_workbook(io.BytesIO(b"".join(client.get("/oversight/export/report.xlsx",
                                                      {"month": "2026-06"}).streaming_content)))
    ranking = [list(row) for row in book.worksheets[4].iter_rows(values_only=True)]
    assert [row[:4] for row in ranking[1:3]] == [[1, city.a.name, 5, 60.0], [2, city.joint.name, 2, 50.0]]


def test_leadership_chases_a_department_from_the_page_and_the_department_answers(
        cast: Cast, city: SmallCity) -> None:
    leader = signed_in(cast.leadership_user)
    text = "请于三个工作日内办结逾期事项"
    response = leader.post(f"/oversight/departments/{city.a.code}/note/", {"text": text})
    assert response.status_code == 302
    note = EscalationNote.objects.get(addressee=city.a, overdue_count=4, case=None, text=text)
    officer = signed_in(cast.officer)
    inbox = officer.get("/supervision/")
    assert f'data-ov-note="{note.pk}"' in inbox.content.decode()
    assert officer.post(f"/supervision/{note.pk}/answer/", {"text": "已办结"}).status_code == 302
    assert EscalationAnswer.objects.get(note=note).text == "已办结"
    assert AuditEvent.objects.filter(action="escalation_answer", object_id=note.answer.pk).exists()


def test_leadership_writes_a_note_on_a_case_from_the_page(cast: Cast, city: SmallCity) -> None:
    leader = signed_in(cast.leadership_user)
    assert leader.get(f"/oversight/cases/{city.case_a.pk}/note/").status_code == 200
    assert leader.post(f"/oversight/cases/{city.case_a.pk}/note/", {"text": "请报告进展"}).status_code == 302
    assert EscalationNote.objects.filter(case=city.case_a, text="请报告进展", addressee=city.a).exists()


def test_officers_cannot_write_notes_from_the_page(cast: Cast, city: SmallCity) -> None:
    officer = signed_in(cast.officer)
    assert officer.post(f"/oversight/departments/{city.a.code}/note/", {"text": "x"}).status_code == 403
    assert officer.post(f"/oversight/cases/{city.case_a.pk}/note/", {"text": "x"}).status_code == 403
    assert not EscalationNote.objects.filter(text="x").exists()


def test_leadership_cannot_answer_or_take_a_step_from_the_pages(cast: Cast, city: SmallCity) -> None:
    leader = signed_in(cast.leadership_user)
    note = EscalationNote.objects.filter(addressee=city.a, answer__isnull=True).get()
    leader.post(f"/supervision/{note.pk}/answer/", {"text": "代答"})
    assert not EscalationAnswer.objects.filter(note=note).exists()
    version = city.case_a.version
    response = leader.post(f"/cases/{city.case_a.pk}/case/{city.case_a.pk}/notify/", {})
    assert response.status_code in (403, 404, 422)  # refused by the role, nothing written
    city.case_a.refresh_from_db()
    assert city.case_a.version == version
