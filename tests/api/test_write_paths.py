"""What a client may send to the write paths: refused early, named precisely, cheap to refuse."""

import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from casework import services
from casework.choices import LegalBasisKind
from casework.models import LegalBasis, Measure, Subject
from tests.api.conftest import client_for
from tests.api.test_bad_input import nothing_written
from tests.conftest import Cast


@pytest.fixture
def officer(cast: Cast) -> APIClient:
    return client_for(cast.officer, HTTP_ACCEPT_LANGUAGE="en")


def case_body(cast: Cast, **overrides: Any) -> dict[str, Any]:
    return {"subject": cast.subject.pk, "list_type": "serious", "dishonesty_class": "serious",
            "legal_bases": [cast.basis.pk], "facts": "事实", **overrides}


# --- subjects ---------------------------------------------------------------------------


NEW_USCC = "91210300MA0D000170"
NEW_CITIZEN_ID = "210302199002150029"


@pytest.mark.parametrize(("kind", "identifier"), [
    ("enterprise", NEW_CITIZEN_ID),   # a valid 公民身份号码
    ("natural_person", NEW_USCC),     # a valid 统一社会信用代码
])
def test_a_subject_whose_kind_and_identifier_do_not_match_is_told_so(
    officer: APIClient, kind: str, identifier: str
) -> None:
    with nothing_written():
        response = officer.post("/api/v1/subjects/", {"kind": kind, "name": "某", "identifier": identifier},
                                format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["identifier"][0].startswith("The kind and the identifier do not match")


@pytest.mark.parametrize("identifier", ["000000000000000000", "0111010855138508X0", "911101080000000000"])
def test_a_placeholder_uscc_is_refused(officer: APIClient, identifier: str) -> None:
    from casework.identifiers import org_code_check_char, uscc_check_char

    first17 = identifier[:8] + identifier[8:16] + org_code_check_char(identifier[8:16])
    code = first17 + uscc_check_char(first17)
    with nothing_written():
        response = officer.post("/api/v1/subjects/",
                                {"kind": "enterprise", "name": "某公司", "identifier": code}, format="json")
    assert response.status_code == 400
    assert "placeholder" in response.json()["errors"]["identifier"][0]


@pytest.mark.parametrize("name", ["某\u202e司公限有", "某公\r\n司", "某\u200b公司", "某\x1b公司"])
def test_a_subject_name_with_control_or_bidi_characters_is_refused(officer: APIClient, name: str) -> None:
    with nothing_written():
        response = officer.post("/api/v1/subjects/", {"kind": "enterprise", "name": name,
                                                      "identifier": NEW_USCC}, format="json")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["name"])


def test_an_officer_registering_a_natural_person_sees_the_stored_number_whole(officer: APIClient) -> None:
    response = officer.post("/api/v1/subjects/", {"kind": "natural_person", "name": "李四",
                                                  "identifier": f" {NEW_CITIZEN_ID} "}, format="json")
    assert response.status_code == 201
    assert response.json()["identifier"] == NEW_CITIZEN_ID == Subject.objects.get(name="李四").identifier


def test_registering_an_identifier_twice_is_409_naming_the_registered_subject(
    officer: APIClient, cast: Cast
) -> None:
    with nothing_written():
        response = officer.post("/api/v1/subjects/", {"kind": "enterprise", "name": "另一个名字",
                                                      "identifier": cast.subject.identifier}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "subject_exists"
    assert response.json()["subject"] == cast.subject.pk


def test_unknown_fields_on_subject_registration_are_refused(officer: APIClient) -> None:
    with nothing_written():
        response = officer.post("/api/v1/subjects/", {"kind": "enterprise", "name": "某公司",
                                                      "identifier": NEW_USCC, "admin": True},
                                format="json")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["admin"])


# --- cases ------------------------------------------------------------------------------


def test_unknown_fields_on_case_creation_are_refused_naming_them(officer: APIClient, cast: Cast) -> None:
    with nothing_written():
        response = officer.post("/api/v1/cases/", case_body(cast, state="listed", published=True),
                                format="json")
    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == ["published", "state"]


def test_twenty_thousand_repeated_measure_ids_are_refused_at_once(officer: APIClient, cast: Cast) -> None:
    started = time.monotonic()
    with nothing_written():
        response = officer.post("/api/v1/cases/", case_body(cast, measures=[cast.measure.pk] * 20_000),
                                format="json")
    assert time.monotonic() - started < 1
    assert (response.status_code, list(response.json()["errors"])) == (400, ["measures"])


def test_a_measure_id_given_twice_is_refused_naming_it(officer: APIClient, cast: Cast) -> None:
    with nothing_written():
        response = officer.post("/api/v1/cases/", case_body(cast, measures=[cast.measure.pk] * 2),
                                format="json")
    assert response.status_code == 400
    repeated = f"Each id may be given once; repeated: {cast.measure.pk}."
    assert response.json()["errors"]["measures"] == [repeated]


def test_a_measure_whose_legal_basis_the_case_does_not_cite_is_refused_naming_it(
    officer: APIClient, cast: Cast
) -> None:
    """Issue 12 item 6: a hand-chosen measure must rest on one of the case's own legal bases."""
    wages = LegalBasis.objects.create(
        kind=LegalBasisKind.ADMINISTRATIVE_REGULATION, title="保障农民工工资支付条例", article="第四十八条",
        allows_serious_list=True, active_from=cast.basis.active_from)
    foreign = Measure.objects.create(code="limit-subsidies", title="限制获得政府资金补助",
                                     legal_basis=wages, department=cast.joint)
    with nothing_written():
        response = officer.post("/api/v1/cases/", case_body(cast, measures=[cast.measure.pk, foreign.pk]),
                                format="json")
    assert response.status_code == 400
    [reason] = response.json()["errors"]["measures"]
    assert reason.startswith("The measure “限制获得政府资金补助” (limit-subsidies) rests on "
                             "保障农民工工资支付条例 第四十八条, which this case does not cite")


def test_a_measure_not_applying_to_the_list_type_is_refused_naming_it(officer: APIClient, cast: Cast) -> None:
    with nothing_written():
        response = officer.post("/api/v1/cases/", case_body(
            cast, list_type="focus", dishonesty_class="general", measures=[cast.measure.pk]), format="json")
    assert response.status_code == 400
    [reason] = response.json()["errors"]["measures"]
    assert "(limit-bidding) does not apply to the Key attention list" in reason


def test_a_draft_whose_legal_basis_does_not_allow_its_list_type_is_refused_at_creation(
    officer: APIClient, cast: Cast
) -> None:
    focus_only = LegalBasis.objects.create(
        kind=LegalBasisKind.LOCAL_REGULATION, title="某条例", article="第十条", allows_focus_list=True,
        active_from=cast.basis.active_from)
    with nothing_written():
        response = officer.post("/api/v1/cases/", case_body(cast, legal_bases=[focus_only.pk]), format="json")
    assert (response.status_code, response.json()["code"]) == (422, "legal_basis_required")
    accepted = officer.post("/api/v1/cases/", case_body(cast, list_type="focus", dishonesty_class="general",
                                          legal_bases=[focus_only.pk]),
                            format="json")
    assert accepted.status_code == 201


def test_explain_names_the_rule_refusing_each_unavailable_transition(officer: APIClient, cast: Cast) -> None:
    case = cast.notified_case()
    plain = officer.get(f"/api/v1/cases/{case.pk}/").json()
    explained = officer.get(f"/api/v1/cases/{case.pk}/?explain=1").json()
    assert plain["unavailable_transitions"] is None
    refused = explained["unavailable_transitions"]
    assert refused["determine"] == {"code": "reviewer_role", "detail": "This decision needs a reviewer."}
    assert refused["notify"]["code"] == "transition_not_available"
    assert set(refused) | set(explained["available_transitions"]) == set(services.transition_names(case))
    assert not set(refused) & set(explained["available_transitions"])


def test_explain_works_on_steps(cast: Cast) -> None:
    case = cast.listed_case()
    objection = client_for(cast.subject_user).post(f"/api/v1/cases/{case.pk}/objections/",
                                                   {"grounds": "理由"}, format="json").json()
    body = client_for(cast.subject_user, HTTP_ACCEPT_LANGUAGE="en").get(
        f"/api/v1/objections/{objection['id']}/?explain=1").json()
    # The subject may withdraw its own open objection (撤回异议申请), and take no other step of it.
    assert body["available_transitions"] == ["withdraw"]
    assert body["unavailable_transitions"]["accept"]["code"] == "officer_role"
