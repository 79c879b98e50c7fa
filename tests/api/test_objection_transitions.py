"""The objection's transitions through the API: each its own request body in the OpenAPI, a
kind chosen at filing, the outcomes' effects, and a 400 naming a wrong field with nothing written."""

from typing import Any

from casework import services
from casework.models import Case, Objection
from tests.api.conftest import client_for, transition
from tests.api.test_bad_input import nothing_written
from tests.api.test_transition_payloads import request_body, schema
from tests.casework.refusals import second_reviewer
from tests.conftest import Cast


def accepted(cast: Cast, kind: str = "determination") -> Objection:
    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误", kind)
    services.advance(objection, "accept", cast.officer)
    objection.refresh_from_db()
    return objection


def test_the_openapi_shows_each_objection_transitions_own_request_body(cast: Cast) -> None:
    spec = schema(client_for(cast.officer))

    def body(name: str) -> dict[str, Any]:
        return request_body(spec, f"/api/v1/objections/{{id}}/transitions/{name}/")

    uphold, part = body("uphold"), body("uphold_in_part")
    assert set(uphold["properties"]) == {"outcome", "reason", "correction", "expected_version"}
    assert set(part["properties"]) == {"outcome", "upheld_part", "reason", "correction", "expected_version"}
    assert set(part["required"]) == {"outcome", "upheld_part", "reason", "expected_version"}
    assert set(body("request_re_review")["required"]) == {"grounds", "expected_version"}
    assert set(body("withdraw")["properties"]) == {"reason", "expected_version"}
    assert set(body("withdraw_record")["required"]) == {"revoking_decision", "reason", "expected_version"}
    assert set(body("confirm_dismissal")["required"]) == {"reason", "expected_version"}
    stop = request_body(spec, "/api/v1/cases/{id}/transitions/stop_publication/")
    assert set(stop["required"]) == {"grounds", "expected_version"}

    def enum(schema_body: dict[str, Any]) -> set[str]:
        outcome = schema_body["properties"]["outcome"]
        ref = outcome.get("$ref") or outcome["allOf"][0]["$ref"]
        return set(spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"])

    assert enum(uphold) == {"correct", "revoke", "stop_publication", "wrongly_listed"}
    wrong = request_body(spec, "/api/v1/cases/{id}/transitions/revoke_as_wrongly_listed/")
    assert set(wrong["required"]) == {"grounds", "expected_version"}
    revocation = spec["paths"]["/api/v1/cases/{id}/penalty-revocations/"]["post"]
    ref = revocation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    recorded = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(recorded["required"]) == {"revoking_decision", "decided_on"}
    assert enum(part) == {"correct_in_part", "clear_label"}


def test_an_objection_is_filed_with_its_kind_and_answers_with_it(cast: Cast) -> None:
    case = cast.listed_case()
    answer = client_for(cast.subject_user).post(
        f"/api/v1/cases/{case.pk}/objections/",
        {"grounds": "公示期限超过规定", "kind": "publication_period"}, format="json")
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["kind"], answer.json()["state"]) == ("publication_period", "filed")


def test_an_unknown_kind_is_a_400_naming_it_and_files_nothing(cast: Cast) -> None:
    case = cast.listed_case()
    with nothing_written():
        answer = client_for(cast.subject_user).post(
            f"/api/v1/cases/{case.pk}/objections/", {"grounds": "有误", "kind": "everything"},
            format="json")
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["kind"]


def test_uphold_with_an_outcome_of_the_part_decision_is_a_400_naming_outcome(cast: Cast) -> None:
    objection = accepted(cast)
    with nothing_written():
        answer = transition(client_for(cast.reviewer), f"objections/{objection.pk}", "uphold",
                            objection.version, outcome="clear_label", reason="部分成立")
    assert (answer.status_code, list(answer.json()["errors"])) == (400, ["outcome"])


def test_an_outcome_the_kind_does_not_allow_is_a_400_naming_outcome(cast: Cast) -> None:
    objection = accepted(cast, "publication_period")
    with nothing_written():
        answer = transition(client_for(cast.reviewer), f"objections/{objection.pk}", "uphold",
                            objection.version, outcome="revoke", reason="期限有误")
    assert (answer.status_code, list(answer.json()["errors"])) == (400, ["outcome"])


def test_a_correcting_outcome_without_its_correction_is_a_400_naming_correction(cast: Cast) -> None:
    objection = accepted(cast)
    with nothing_written():
        answer = transition(client_for(cast.reviewer), f"objections/{objection.pk}", "uphold_in_part",
                            objection.version, outcome="correct_in_part", upheld_part="金额",
                            reason="其余维持")
    assert (answer.status_code, list(answer.json()["errors"])) == (400, ["correction"])


def test_a_part_upholding_without_what_is_upheld_is_a_400_naming_it(cast: Cast) -> None:
    objection = accepted(cast)
    with nothing_written():
        answer = transition(client_for(cast.reviewer), f"objections/{objection.pk}", "uphold_in_part",
                            objection.version, outcome="clear_label", reason="其余维持")
    assert (answer.status_code, list(answer.json()["errors"])) == (400, ["upheld_part"])


def test_stop_publication_through_the_api_answers_with_the_objection_and_unpublishes(cast: Cast) -> None:
    objection = accepted(cast)
    answer = transition(client_for(cast.reviewer), f"objections/{objection.pk}", "uphold",
                        objection.version, outcome="stop_publication", reason="公示信息有误")
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["state"], answer.json()["outcome"]) == ("upheld", "stop_publication")
    assert Case.objects.get(pk=objection.case_id).published is False


def test_the_re_review_and_the_withdrawal_through_the_api(cast: Cast) -> None:
    objection = accepted(cast)
    path = f"objections/{objection.pk}"
    dismissed = transition(client_for(cast.reviewer), path, "dismiss", objection.version, reason="依据充分")
    assert dismissed.json()["state"] == "dismissed"
    subject = client_for(cast.subject_user)
    assert "request_re_review" in subject.get(f"/api/v1/{path}/").json()["available_transitions"]
    asked = transition(subject, path, "request_re_review", dismissed.json()["version"], grounds="金额有误")
    assert (asked.status_code, asked.json()["state"]) == (200, "re_review")
    refused = transition(client_for(cast.reviewer), path, "confirm_dismissal", asked.json()["version"],
                         reason="维持")
    assert (refused.status_code, refused.json()["code"]) == (422, "re_review_by_another_reviewer")
    upheld = transition(client_for(second_reviewer(cast)), path, "uphold_in_part", asked.json()["version"],
                        outcome="clear_label", upheld_part="不应列入名单", reason="信息属实")
    assert (upheld.status_code, upheld.json()["state"]) == (200, "partly_upheld")
    assert Case.objects.get(pk=objection.case_id).exit_reason == "label_cleared"


def test_the_subject_withdraws_an_open_objection_through_the_api(cast: Cast) -> None:
    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    answer = transition(client_for(cast.subject_user), f"objections/{objection.pk}", "withdraw",
                        objection.version, reason="已核实无误")
    assert (answer.status_code, answer.json()["state"], answer.json()["withdrawal_reason"]) == (
        200, "withdrawn", "已核实无误")


def test_an_objection_after_exit_through_the_api_revokes_the_record_as_wrongly_listed(cast: Cast) -> None:
    case = cast.listed_case()
    services.advance(case, "exit", cast.reviewer, {"reason": "revoked", "grounds": "认定依据不足"})
    filed = client_for(cast.subject_user).post(
        f"/api/v1/cases/{case.pk}/objections/",
        {"grounds": "错误列入名单致投标资格被取消", "kind": "wrongful_listing"}, format="json")
    assert filed.status_code == 201, filed.json()
    objection = Objection.objects.get(pk=filed.json()["id"])
    services.advance(objection, "accept", cast.officer)
    objection.refresh_from_db()
    answer = transition(client_for(cast.reviewer), f"objections/{objection.pk}", "uphold",
                        objection.version, outcome="wrongly_listed", reason="检查记录所载企业并非本主体")
    assert answer.status_code == 200, answer.json()
    assert Case.objects.get(pk=case.pk).exit_reason == "wrongly_listed"
    checked = client_for(cast.officer).get(f"/api/v1/credit-check/{cast.subject.identifier}/")
    assert checked.status_code == 200, checked.json()
    assert [row["case_number"] for row in checked.json()["corrections"]] == [case.number]


def test_a_listed_case_refuses_an_objection_for_a_wrong_listing_through_the_api(cast: Cast) -> None:
    case = cast.listed_case()
    with nothing_written():
        answer = client_for(cast.subject_user).post(
            f"/api/v1/cases/{case.pk}/objections/", {"grounds": "错误列入", "kind": "wrongful_listing"},
            format="json")
    assert answer.status_code == 422, answer.json()
    assert answer.json()["code"] == "case_not_exited"


def test_a_reviewer_records_a_revoked_penalty_through_the_api(cast: Cast) -> None:
    case = cast.listed_case()
    answer = client_for(cast.reviewer).post(
        f"/api/v1/cases/{case.pk}/penalty-revocations/",
        {"revoking_decision": "（2026）辽0302行初15号行政判决书", "decided_on": "2026-11-30"}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["kind"], body["state"], body["penalty_decided_on"]) == (
        "penalty_revoked", "filed", "2026-11-30")
    assert [d["step"] for d in body["deadlines"]] == ["record_withdrawal"]
    assert "withdraw_record" in body["available_transitions"]  # the reviewer withdraws the record next


def test_an_officer_cannot_record_a_revoked_penalty_through_the_api(cast: Cast) -> None:
    case = cast.listed_case()
    with nothing_written():
        answer = client_for(cast.officer).post(
            f"/api/v1/cases/{case.pk}/penalty-revocations/",
            {"revoking_decision": "某判决书", "decided_on": "2026-11-30"}, format="json")
    assert answer.status_code == 422, answer.json()
    assert answer.json()["code"] == "reviewer_role"
