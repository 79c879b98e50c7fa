"""Talks through the API: 市发展改革委 confirms its attendance, a missed warning talk ends in a
recorded refusal, and the credit check shows the record's talks (约谈记录记入信用记录)."""

from casework.models import Talk, User
from tests.api.conftest import client_for, transition
from tests.casework.refusals import build
from tests.conftest import Cast


def test_the_ndrc_confirms_attendance_and_the_owner_may_not(cast: Cast) -> None:
    talk = build(cast, "talk/scheduled")
    ndrc, officer = client_for(cast.ndrc_officer), client_for(cast.officer)
    refused = transition(officer, f"talks/{talk.pk}", "confirm_attendance", talk.version, attendee="某人")
    assert (refused.status_code, refused.json()["code"]) == (422, "not_co_organiser")
    shown = ndrc.get(f"/api/v1/talks/{talk.pk}/").json()
    assert "confirm_attendance" in shown["available_transitions"]
    response = transition(ndrc, f"talks/{talk.pk}", "confirm_attendance", shown["version"],
                          attendee="信用科 王科长")
    assert response.status_code == 200, response.json()
    shown = officer.get(f"/api/v1/talks/{talk.pk}/").json()
    assert shown["co_organiser_attendee"] == "信用科 王科长" and shown["co_organiser_confirmed_at"]


def test_a_missed_warning_talk_is_recorded_as_refused_and_enters_the_credit_check(
    cast: Cast, checker: User
) -> None:
    talk = build(cast, "talk/missed")
    officer = client_for(cast.officer)
    shown = officer.get(f"/api/v1/talks/{talk.pk}/").json()
    assert shown["available_transitions"] == ["record_refusal"]
    response = transition(officer, f"talks/{talk.pk}", "record_refusal", shown["version"],
                          note="两次书面通知，未到场")
    assert response.status_code == 200, response.json()
    assert Talk.objects.get(pk=talk.pk).state == "refused"
    check = client_for(checker).get(f"/api/v1/credit-check/{cast.subject.identifier}/",
                                    {"purpose": "行政许可审查"}).json()
    talks = [row for entry in check["entries"] for row in entry["talks"]]
    assert [(row["kind"], row["result"]) for row in talks] == [("warning", "refused")]
    assert talks[0]["result_label"] and talks[0]["kind_label"]
