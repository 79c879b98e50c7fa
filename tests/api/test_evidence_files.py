"""Evidence files: names cleaned, downloads never rendered, closed cases and quotas refused, no copies."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from casework.models import Case, Evidence
from tests.api.conftest import client_for
from tests.api.test_bad_input import nothing_written
from tests.conftest import Cast
from workflows.case import CaseState


def upload(client: APIClient, path: str, name: str, content: bytes, content_type: str = "text/plain") -> Any:
    return client.post(f"/api/v1/{path}/evidence/", {"file": SimpleUploadedFile(name, content, content_type)},
                       format="multipart")


@pytest.mark.parametrize(("sent", "stored"), [
    ("invoice\u202etxt.exe", "invoicetxt.exe"),          # right-to-left override
    ("bell\x07escape\x1b[31m.txt", "bellescape[31m.txt"),  # terminal control sequences
    ("<img src=x onerror=alert(1)>.txt", "_img src=x onerror=alert(1)_.txt"),
    ("zero\u200bwidth\u2066.txt", "zerowidth.txt"),
    (" . \u2066 ", "evidence"),
])
def test_a_file_name_is_stored_without_control_bidi_or_markup_characters(
    cast: Cast, sent: str, stored: str
) -> None:
    case = cast.open_case()
    response = upload(client_for(cast.officer), f"cases/{case.pk}", sent, b"text")
    assert response.status_code == 201
    assert response.json()["original_name"] == stored
    assert Evidence.objects.get().original_name == stored


def test_an_html_file_declared_text_plain_downloads_as_opaque_bytes_that_never_render(cast: Cast) -> None:
    case = cast.open_case()
    officer = client_for(cast.officer)
    body = upload(officer, f"cases/{case.pk}", "page.html", b"<html><script>alert(document.cookie)</script>")
    download = officer.get(f"/api/v1/evidence/{body.json()['id']}/download/")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"page.html\"; filename*=UTF-8''page.html")
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_a_name_stored_before_cleaning_is_sent_back_in_a_safe_content_disposition(cast: Cast) -> None:
    case = cast.open_case()
    officer = client_for(cast.officer)
    evidence_id = upload(officer, f"cases/{case.pk}", "x.txt", b"text").json()["id"]
    Evidence.objects.filter(pk=evidence_id).update(original_name='罚单"\r\n\u202e.txt')
    disposition = officer.get(f"/api/v1/evidence/{evidence_id}/download/").headers["Content-Disposition"]
    assert disposition == "attachment; filename=\"___.txt\"; filename*=UTF-8''%E7%BD%9A%E5%8D%95_.txt"


def test_evidence_is_refused_on_an_exited_case(cast: Cast) -> None:
    case = cast.listed_case()
    Case.objects.filter(pk=case.pk).update(state=CaseState.EXITED, exit_reason="revoked")
    with nothing_written():
        response = upload(client_for(cast.officer), f"cases/{case.pk}", "x.txt", b"x")
    assert (response.status_code, response.json()["code"]) == (422, "case_closed")


def test_evidence_beyond_the_subjects_quota_is_refused(cast: Cast, settings: Any) -> None:
    settings.EVIDENCE_QUOTA_BYTES_PER_SUBJECT = 100
    first, second = cast.open_case(), cast.open_case()
    officer = client_for(cast.officer)
    assert upload(officer, f"cases/{first.pk}", "a.txt", b"a" * 60).status_code == 201
    with nothing_written():
        refused = upload(officer, f"cases/{second.pk}", "b.txt", b"b" * 41)
    assert (refused.status_code, refused.json()["code"]) == (422, "evidence_quota")
    assert upload(officer, f"cases/{second.pk}", "c.txt", b"c" * 40).status_code == 201


def test_the_same_bytes_on_the_same_record_are_stored_once_and_answer_the_first_evidence(
    cast: Cast, settings: Any
) -> None:
    case = cast.open_case()
    officer = client_for(cast.officer)
    first = upload(officer, f"cases/{case.pk}", "a.txt", b"same bytes")
    with nothing_written():
        again = upload(officer, f"cases/{case.pk}", "renamed.txt", b"same bytes")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    stored = list(Path(settings.MEDIA_ROOT).rglob("*"))
    assert len([path for path in stored if path.is_file()]) == 1


def test_the_same_bytes_on_another_record_of_the_case_reuse_the_stored_file(
    cast: Cast, settings: Any
) -> None:
    case = cast.listed_case()
    officer = client_for(cast.officer)
    rectification = officer.post(f"/api/v1/cases/{case.pk}/rectifications/", {"requirements": "整改"},
                                 format="json").json()
    on_case = upload(officer, f"cases/{case.pk}", "a.txt", b"same bytes").json()
    on_step = upload(officer, f"rectifications/{rectification['id']}", "a.txt", b"same bytes").json()
    assert on_case["id"] != on_step["id"]
    both = Evidence.objects.filter(pk__in=[on_case["id"], on_step["id"]])
    files = {evidence.file.name for evidence in both}
    assert len(files) == 1
    assert len([path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]) == 1
