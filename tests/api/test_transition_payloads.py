"""Each transition takes its own declared payload; it answers with the object; keys compare requests."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from casework.models import AuditEvent, IdempotencyRecord, Objection, Talk
from casework.services.engine import purge_idempotency_records
from tests.api.conftest import client_for, transition
from tests.api.test_bad_input import nothing_written
from tests.conftest import Cast


def schema(client: APIClient) -> dict[str, Any]:
    return client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()


def request_body(spec: dict[str, Any], path: str) -> dict[str, Any]:
    ref = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_the_openapi_shows_each_transitions_own_request_body(cast: Cast) -> None:
    spec = schema(client_for(cast.officer))
    exit_body = request_body(spec, "/api/v1/cases/{id}/transitions/exit/")
    accept_body = request_body(spec, "/api/v1/objections/{id}/transitions/accept/")
    schedule_body = request_body(spec, "/api/v1/talks/{id}/transitions/schedule/")
    assert set(exit_body["properties"]) == {"reason", "grounds", "expected_version"}
    assert set(exit_body["required"]) == {"reason", "expected_version"}
    assert set(accept_body["properties"]) == {"expected_version"}
    assert schedule_body["properties"]["scheduled_for"]["format"] == "date-time"


def test_a_wrong_value_is_a_400_naming_the_field_and_writes_nothing(cast: Cast) -> None:
    case = cast.listed_case()
    talk = Talk.objects.create(case=case, kind="prompt", organiser=cast.owner)
    with nothing_written():
        answer = transition(client_for(cast.officer), f"talks/{talk.pk}", "schedule", talk.version,
                            scheduled_for="next tuesday", place="约谈室", co_organiser="fgw")
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["scheduled_for"]


def test_a_missing_required_field_is_a_400_naming_it(cast: Cast) -> None:
    case = cast.listed_case()
    with nothing_written():
        answer = transition(client_for(cast.reviewer), f"cases/{case.pk}", "exit", case.version)
    assert (answer.status_code, list(answer.json()["errors"])) == (400, ["reason"])


def test_a_transition_answers_with_the_object_as_get_shows_it(cast: Cast) -> None:
    case = cast.listed_case()
    objection = Objection.objects.create(case=case, filed_by=cast.subject_user, grounds="有误")
    officer = client_for(cast.officer)
    answer = transition(officer, f"objections/{objection.pk}", "accept", objection.version)
    following = officer.get(f"/api/v1/objections/{objection.pk}/")
    assert answer.status_code == 200
    body = answer.json()
    event = AuditEvent.objects.get(object_type="objection", object_id=objection.pk, action="accept")
    assert body.pop("audit_event_id") == event.pk
    assert body == following.json()
    assert (body["state"], body["version"]) == ("under_review", objection.version + 1)


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(cast: Cast) -> None:
    case = cast.listed_case()
    reviewer = client_for(cast.reviewer, HTTP_IDEMPOTENCY_KEY="exit-1")
    Objection.objects.create(case=case, filed_by=cast.subject_user, grounds="有误")  # no effect here
    first = transition(reviewer, f"cases/{case.pk}", "exit", case.version, reason="revoked",
                       grounds="行政处罚已被撤销")
    assert first.status_code == 200
    again = transition(reviewer, f"cases/{case.pk}", "exit", case.version, reason="revoked",
                       grounds="行政处罚已被撤销")
    with nothing_written():
        other = transition(reviewer, f"cases/{case.pk}", "exit", case.version, reason="revoked",
                           grounds="另一理由")
    assert (again.status_code, again["Idempotent-Replayed"]) == (200, "true")
    assert again.json()["audit_event_id"] == first.json()["audit_event_id"]
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")


@pytest.mark.django_db
def test_idempotency_keys_are_forgotten_after_their_time(cast: Cast, settings: Any) -> None:
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    case = cast.open_case()
    transition(client_for(cast.officer, HTTP_IDEMPOTENCY_KEY="notify-1"), f"cases/{case.pk}", "notify", 1)
    record = IdempotencyRecord.objects.get(key="notify-1")
    assert purge_idempotency_records(record.created_at + timedelta(hours=23)) == 0
    assert purge_idempotency_records(timezone.now() + timedelta(hours=25)) == 1
    assert not IdempotencyRecord.objects.exists()
