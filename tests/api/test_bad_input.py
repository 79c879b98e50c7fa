"""Bad input → a 4xx with a clear message and the code of the failed check; nothing written."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from casework import services
from casework.models import AuditEvent, Case, Evidence, IdempotencyRecord, Objection, Subject
from tests.api.conftest import client_for, transition
from tests.conftest import Cast
from workflows.models import Deadline

COUNTED = (Case, Subject, Objection, Evidence, AuditEvent, Deadline, IdempotencyRecord)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@contextmanager
def nothing_written() -> Iterator[None]:
    before = counts()
    yield
    assert counts() == before


@pytest.fixture
def officer(cast: Cast) -> APIClient:
    return client_for(cast.officer)


@pytest.mark.parametrize(("kind", "identifier", "code"), [
    ("enterprise", "91110108551385082A", "uscc_check"),
    ("enterprise", "91110108551385O82Q", "uscc_charset"),
    ("enterprise", "9111010855138508", "uscc_length"),
    ("natural_person", "110105194912310021", "citizen_id_check"),
    ("natural_person", "110105209912310023", "citizen_id_birth_date"),
    ("natural_person", "11010519491231002", "citizen_id_length"),
])
def test_invalid_identifiers_are_refused_by_the_check_that_fails(
    officer: APIClient, cast: Cast, kind: str, identifier: str, code: str
) -> None:
    with nothing_written():
        response = officer.post("/api/v1/subjects/", {"kind": kind, "name": "某", "identifier": identifier},
                                format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["errors"]["identifier"][0]


@pytest.mark.parametrize(("identifier", "message_part"), [
    ("91110108551385082A", "GB 32100-2015"),
    ("110105194912310021", "GB 11643"),
    ("not-an-identifier", "GB 32100-2015"),
])
def test_the_credit_check_names_the_standard_a_bad_identifier_fails(
    cast: Cast, identifier: str, message_part: str
) -> None:
    response = client_for(cast.officer, HTTP_ACCEPT_LANGUAGE="en").get(
        f"/api/v1/credit-check/{identifier}/")
    assert response.status_code == 400
    assert message_part in response.json()["errors"]["identifier"][0]


def test_malformed_json_is_400_malformed(officer: APIClient) -> None:
    with nothing_written():
        response = officer.post("/api/v1/cases/", '{"subject": 1,', content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "malformed")


def test_nul_characters_are_refused_before_they_reach_the_database(officer: APIClient, cast: Cast) -> None:
    with nothing_written():
        response = officer.post("/api/v1/cases/", {
            "subject": cast.subject.pk, "list_type": "focus", "dishonesty_class": "general",
            "legal_bases": [cast.basis.pk], "facts": "a\u0000b"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "malformed")


@pytest.mark.parametrize(("field", "value"), [
    ("subject", "one"), ("legal_bases", 5), ("legal_bases", []), ("list_type", "blacklist"),
    ("facts", {"text": "x"}), ("dishonesty_class", None), ("measures", [999999]),
])
def test_wrong_types_name_the_field(officer: APIClient, cast: Cast, field: str, value: Any) -> None:
    body = {"subject": cast.subject.pk, "list_type": "focus", "dishonesty_class": "general",
            "legal_bases": [cast.basis.pk], "facts": "事实"}
    with nothing_written():
        response = officer.post("/api/v1/cases/", {**body, field: value}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_a_talk_date_out_of_range_is_refused(cast: Cast) -> None:
    case = cast.listed_case()
    talk = client_for(cast.officer).post(f"/api/v1/cases/{case.pk}/talks/", {}, format="json").json()
    with nothing_written():
        response = transition(client_for(cast.officer), f"talks/{talk['id']}", "schedule", talk["version"],
                              scheduled_for="9999-12-31T23:59:59+14:00", co_organiser="fgw")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["scheduled_for"]


def test_a_correction_date_out_of_range_is_refused(cast: Cast) -> None:
    case = cast.listed_case()
    with nothing_written():
        response = transition(client_for(cast.reviewer, HTTP_ACCEPT_LANGUAGE="en"), f"cases/{case.pk}",
                              "correct", case.version, listed_until="1900-01-01")
    assert response.status_code == 400
    # The case's `correct` takes the Correction's fields at the top level (a `correction`
    # wrapper is an unknown field: this test once passed on that alone).
    out_of_range = "Dates must lie between 2000-01-01 and 2099-12-31."
    assert response.json()["errors"] == {"listed_until": [out_of_range]}


def test_unknown_transitions_are_404_and_unknown_fields_400(cast: Cast) -> None:
    case = cast.open_case()
    officer = client_for(cast.officer)
    with nothing_written():
        unknown = transition(officer, f"cases/{case.pk}", "publish", case.version)
        extra = transition(officer, f"cases/{case.pk}", "notify", case.version, colour="red")
        missing = officer.post(f"/api/v1/cases/{case.pk}/transitions/notify/", {}, format="json")
        not_object = officer.post(f"/api/v1/cases/{case.pk}/transitions/notify/", [1], format="json")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert (extra.status_code, list(extra.json()["errors"])) == (400, ["colour"])
    assert (missing.status_code, list(missing.json()["errors"])) == (400, ["expected_version"])
    assert not_object.status_code == 400


def test_a_stale_version_is_409_and_a_refused_guard_422_naming_the_rule(cast: Cast) -> None:
    case = cast.notified_case()
    with nothing_written():
        stale = transition(client_for(cast.reviewer), f"cases/{case.pk}", "determine", case.version - 1)
        refused = transition(client_for(cast.officer, HTTP_ACCEPT_LANGUAGE="en"), f"cases/{case.pk}",
                             "determine", case.version)
    assert stale.status_code == 409
    assert stale.json() | {"detail": ""} == {"code": "stale_version", "detail": "", "version": case.version}
    assert refused.status_code == 422
    assert refused.json() == {"code": "reviewer_role", "detail": "This decision needs a reviewer."}


def test_the_refusal_speaks_the_callers_language(cast: Cast) -> None:
    case = cast.notified_case()
    english = transition(client_for(cast.officer, HTTP_ACCEPT_LANGUAGE="en"), f"cases/{case.pk}",
                         "determine", case.version).json()
    chinese = transition(client_for(cast.officer, HTTP_ACCEPT_LANGUAGE="zh-hans"), f"cases/{case.pk}",
                         "determine", case.version).json()
    assert english["code"] == chinese["code"] == "reviewer_role"
    assert english["detail"] == "This decision needs a reviewer."


def test_the_same_idempotency_key_returns_the_first_response_and_changes_nothing(cast: Cast) -> None:
    case = cast.open_case()
    officer = client_for(cast.officer, HTTP_IDEMPOTENCY_KEY="notify-1")
    first = transition(officer, f"cases/{case.pk}", "notify", case.version)
    with nothing_written():
        again = transition(officer, f"cases/{case.pk}", "notify", case.version)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    case.refresh_from_db()
    assert (case.state, case.version) == ("notified", 2)


def test_an_overlong_idempotency_key_is_400(cast: Cast) -> None:
    case = cast.open_case()
    with nothing_written():
        response = transition(client_for(cast.officer, HTTP_IDEMPOTENCY_KEY="k" * 101), f"cases/{case.pk}",
                              "notify", case.version)
    assert (response.status_code, list(response.json()["errors"])) == (400, ["Idempotency-Key"])


@pytest.mark.parametrize(("upload", "code"), [
    (SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), "evidence_content_mismatch"),
    (SimpleUploadedFile("x.exe", b"MZ\x90\x00", "application/x-msdownload"), "evidence_type"),
    (SimpleUploadedFile("big.txt", b"x" * 2048, "text/plain"), "evidence_size"),
])
def test_wrong_type_and_oversized_files_are_refused(
    cast: Cast, settings: Any, upload: SimpleUploadedFile, code: str
) -> None:
    settings.EVIDENCE_MAX_BYTES = 1024
    case = cast.open_case()
    with nothing_written():
        response = client_for(cast.officer).post(f"/api/v1/cases/{case.pk}/evidence/", {"file": upload},
                                                 format="multipart")
    assert (response.status_code, response.json()["code"]) == (422, code)


def test_an_empty_upload_is_400(cast: Cast) -> None:
    case = cast.open_case()
    with nothing_written():
        response = client_for(cast.officer).post(
            f"/api/v1/cases/{case.pk}/evidence/",
            {"file": SimpleUploadedFile("e.txt", b"", "text/plain")}, format="multipart")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["file"])


def test_evidence_round_trips_with_its_checksum_and_downloads_as_opaque_bytes(cast: Cast) -> None:
    case = cast.open_case()
    officer = client_for(cast.officer)
    uploaded = officer.post(f"/api/v1/cases/{case.pk}/evidence/",
                            {"file": SimpleUploadedFile("罚单.pdf", b"%PDF-1.7 body", "application/pdf")},
                            format="multipart")
    assert uploaded.status_code == 201
    body = uploaded.json()
    assert (body["size"], body["content_type"], body["original_name"]) == (13, "application/pdf", "罚单.pdf")
    download = officer.get(f"/api/v1/evidence/{body['id']}/download/")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == b"%PDF-1.7 body"
    assert client_for(cast.other_officer).get(f"/api/v1/evidence/{body['id']}/download/").status_code == 404


def test_schema_and_offline_swagger_ui_are_served(client: Any) -> None:
    schema = APIClient().get("/api/v1/schema/?format=json")
    docs = APIClient().get("/api/v1/docs/")
    assert schema.status_code == docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn" not in html.lower()


def test_public_lists_mask_natural_persons_and_paginate(cast: Cast) -> None:
    cast.listed_case(subject=cast.other_subject)
    cast.listed_case()
    response = APIClient().get("/api/v1/public/listings/?page_size=1")
    body = response.json()
    assert (response.status_code, body["count"], len(body["results"])) == (200, 2, 1)
    rows = APIClient().get("/api/v1/public/listings/").json()["results"]
    people = {(row["subject_name"], row["subject_identifier"]) for row in rows}
    assert people == {("张*", "**************002X"), ("鞍山某建材有限公司", "91110108551385082Q")}


def test_a_correction_of_the_list_type_is_refused_saying_a_new_determination_is_needed(cast: Cast) -> None:
    """The list type is the determination itself: no correction moves a record to another list."""
    case = cast.listed_case()
    reviewer = client_for(cast.reviewer, HTTP_ACCEPT_LANGUAGE="en")
    with nothing_written():
        response = transition(reviewer, f"cases/{case.pk}", "correct", case.version, list_type="focus")
    assert response.status_code == 400
    [reason] = response.json()["errors"]["list_type"]
    assert reason.startswith("The list type cannot be corrected")
    assert "new determination" in reason and reason != "Unknown field."


def test_an_upheld_objection_cannot_correct_the_list_type_either(cast: Cast) -> None:
    case = cast.listed_case()
    objection = services.file_objection(case, cast.subject_user, "应列入重点关注名单")
    services.advance(objection, "accept", cast.officer)
    objection.refresh_from_db()
    reviewer = client_for(cast.reviewer, HTTP_ACCEPT_LANGUAGE="zh-hans")
    with nothing_written():
        response = transition(reviewer, f"objections/{objection.pk}", "uphold", objection.version,
                              outcome="correct", reason="理由", correction={"list_type": "focus"})
    assert response.status_code == 400, response.json()
    [reason] = response.json()["errors"]["correction.list_type"]
    assert reason.startswith("名单类型不能更正") and "重新作出认定" in reason


def test_a_payload_without_fields_takes_no_data_and_refuses_any_field() -> None:
    from casework import payloads
    from casework.exceptions import PayloadInvalid
    from workflows.payloads import NoInput

    assert all(type(payloads.parse(NoInput, data)) is NoInput for data in (None, {}, []))
    with pytest.raises(PayloadInvalid) as refused:
        payloads.parse(NoInput, {"colour": "red"})
    assert list(refused.value.errors) == ["colour"]
