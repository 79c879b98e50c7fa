"""`/api/v1/cases/{id}/escalation-notes/`: the leadership office's one write through the API.

Whoever sees the case reads its notes; only the leadership office writes them
(403 for every other role, like the other writes of read-only roles), a case it
cannot see is 404, bad input 400, a refused rule 422 with its code — and nothing
is written on any error.
"""

from typing import Any

import pytest

from casework import audit
from casework.models import AuditEvent, Case, EscalationNote
from casework.models.oversight import ESCALATION_NOTE_MAX
from notifications.choices import Audience
from notifications.models import Message
from tests.api.conftest import client_for, system_client
from tests.casework.refusals import nothing_written
from tests.conftest import Cast
from workflows.models import Deadline

NOTE = "该案整改已逾期，请于五个工作日内报告办理情况。"


def notes_path(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/escalation-notes/"


def post_note(user: Any, case: Case, body: Any, **kwargs: Any) -> Any:
    return client_for(user).post(notes_path(case), body, **({"format": "json"} | kwargs))


def test_leadership_adds_a_note_that_is_audited_and_reaches_the_owner_department(cast: Cast) -> None:
    case = cast.listed_case()
    response = post_note(cast.leadership_user, case, {"text": NOTE})
    assert response.status_code == 201
    note = EscalationNote.objects.get()
    assert response.json() == {"id": note.pk, "case": case.pk, "department": "xyb", "text": NOTE,
                               "deadline_id": None, "created_at": response.json()["created_at"]}
    event = AuditEvent.objects.get(case=case, action="escalation_note")
    assert (event.object_type, event.object_id, event.actor) == ("escalationnote", note.pk,
                                                                 cast.leadership_user)
    assert dict(audit.verify_chains(only_chain=f"case:{case.pk}")) == {f"case:{case.pk}": None}
    message = Message.objects.get(event="escalationnote.escalation_note")
    assert message.audience == Audience.OWNER and message.department == cast.owner
    assert set(message.deliveries.values_list("recipient__username", "channel")) == {
        ("officer", "inapp"), ("reviewer", "inapp")}


def test_a_note_may_chase_an_open_deadline_of_the_case(cast: Cast) -> None:
    case = cast.listed_case()
    clock = Deadline.objects.get(case=case, step="measure_acknowledge")
    response = post_note(cast.leadership_user, case, {"text": NOTE, "deadline_id": clock.pk})
    assert response.status_code == 201 and response.json()["deadline_id"] == clock.pk


def test_the_departments_that_see_the_case_read_its_notes_oldest_first(cast: Cast) -> None:
    case = cast.listed_case()
    for text in ("第一次督办", "第二次督办"):
        assert post_note(cast.leadership_user, case, {"text": text}).status_code == 201
    for user in (cast.officer, cast.leadership_user):
        response = client_for(user).get(notes_path(case))
        assert response.status_code == 200
        assert [row["text"] for row in response.json()["results"]] == ["第一次督办", "第二次督办"]
    # Internal supervision: the case's subject sees the case but not the notes on it.
    subject_view = client_for(cast.subject_user).get(notes_path(case))
    assert (subject_view.status_code, subject_view.json()["results"]) == (200, [])
    assert client_for(cast.other_officer).get(notes_path(case)).status_code == 404


def test_the_note_appears_in_the_case_timeline(cast: Cast) -> None:
    case = cast.listed_case()
    note_id = post_note(cast.leadership_user, case, {"text": NOTE}).json()["id"]
    timeline = client_for(cast.officer).get(f"/api/v1/cases/{case.pk}/").json()["timeline"]
    notes = [item for item in timeline if item["action"] == "escalation_note"]
    assert [(item["source"], item["object_type"], item["object_id"]) for item in notes] == [
        ("audit", "escalationnote", note_id)]


@pytest.mark.parametrize("role", ["officer", "reviewer", "other_officer", "joint_officer", "ndrc_officer",
                                  "subject_user", "other_subject_user", "system", "platform"])
def test_every_other_role_gets_403_and_nothing_is_written(role: str, cast: Cast) -> None:
    case = cast.listed_case()
    user = system_client("sharing_platform", "cases_read") if role == "platform" else getattr(cast, role)
    client_for(user)  # the token is issued before the snapshot
    with nothing_written(case):
        response = post_note(user, case, {"text": NOTE})
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_anonymous_gets_401(cast: Cast) -> None:
    case = cast.listed_case()
    with nothing_written(case):
        response = client_for(None).post(notes_path(case), {"text": NOTE}, format="json")
    assert response.status_code == 401


def test_a_case_that_does_not_exist_is_404(cast: Cast) -> None:
    client_for(cast.leadership_user)
    with nothing_written():
        response = client_for(cast.leadership_user).post("/api/v1/cases/999999/escalation-notes/",
                                                         {"text": NOTE}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(("body", "field"), [
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({}, "text"),
    ({"text": "督" * (ESCALATION_NOTE_MAX + 1)}, "text"),
    ({"text": NOTE, "deadline_id": "first"}, "deadline_id"),
    ({"text": NOTE, "deadline_id": 0}, "deadline_id"),
])
def test_malformed_input_is_400_naming_the_field(body: dict[str, Any], field: str, cast: Cast) -> None:
    case = cast.listed_case()
    client_for(cast.leadership_user)
    with nothing_written(case):
        response = post_note(cast.leadership_user, case, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and list(response.json()["errors"]) == [field]


def test_a_body_that_is_not_json_is_400(cast: Cast) -> None:
    case = cast.listed_case()
    client_for(cast.leadership_user)
    with nothing_written(case):
        response = post_note(cast.leadership_user, case, '{"text": ', format=None,
                             content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "malformed")


def test_a_deadline_of_another_case_is_422_naming_the_rule(cast: Cast) -> None:
    case, other_case = cast.listed_case(), cast.listed_case(subject=cast.other_subject)
    foreign = Deadline.objects.get(case=other_case, step="measure_acknowledge")
    client_for(cast.leadership_user)
    with nothing_written(case, other_case):
        response = post_note(cast.leadership_user, case, {"text": NOTE, "deadline_id": foreign.pk},
                             HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json() == {"code": "deadline_not_of_case",
                               "detail": "The deadline chased must be an open deadline of this case."}
