"""The whole lifecycle through the API alone, with the credit check asked at every stage."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from casework.models import User
from tests.api.conftest import client_for, transition
from tests.conftest import Cast
from workflows.sweep import sweep

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday in a year whose holiday arrangement the calendar knows.
START = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


def next_day(day: str) -> datetime:
    return at(day) + timedelta(days=1)


def get(client: APIClient, path: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/{path}/")
    assert response.status_code == 200, response.json()
    return response.json()


def step(client: APIClient, path: str, name: str, **data: Any) -> dict[str, Any]:
    version = get(client, path)["version"]
    response = transition(client, path, name, version, **data)
    assert response.status_code == 200, response.json()
    return response.json()


def open_latest_document(client: APIClient, case_path: str) -> dict[str, Any]:
    """The subject downloads the newest document of the case (its read receipt: 送达)."""
    listing = client.get("/api/v1/documents/", {"case": case_path.split("/")[1]}).json()
    document: dict[str, Any] = listing["results"][-1]
    assert client.get(f"/api/v1/documents/{document['id']}/download/").status_code == 200
    return document


def credit(checker: APIClient, cast: Cast) -> dict[str, Any]:
    return get(checker, f"credit-check/{cast.subject.identifier}")


def test_lifecycle_through_the_api_with_the_credit_check_at_each_stage(
    cast: Cast, checker: User
) -> None:
    officer, reviewer = client_for(cast.officer), client_for(cast.reviewer)
    subject, joint, check = client_for(cast.subject_user), client_for(cast.joint_officer), client_for(checker)
    with time_machine.travel(START, tick=False) as traveller:
        response = officer.post("/api/v1/cases/", {
            "subject": cast.subject.pk, "list_type": "serious", "dishonesty_class": "serious",
            "legal_bases": [cast.basis.pk], "facts": "拒不履行法院判决确定的义务",
        }, format="json")
        assert response.status_code == 201, response.json()
        case_path = f"cases/{response.json()['id']}"
        assert credit(check, cast)["listed"] is False

        assert step(officer, case_path, "notify")["state"] == "notified"
        # The subject downloads the 信用信息告知书: that is its service (送达), the window starts.
        assert open_latest_document(subject, case_path)["kind"] == "credit_notice"
        statement_due = get(officer, case_path)["statement_due_on"]
        refused = transition(reviewer, case_path, "determine", get(reviewer, case_path)["version"])
        assert (refused.status_code, refused.json()["code"]) == (422, "statement_window_open")
        traveller.move_to(next_day(statement_due))
        assert step(reviewer, case_path, "determine")["state"] == "listed"
        listed = credit(check, cast)
        assert (listed["listed"], listed["list_types"]) == (True, ["serious"])
        assert listed["objection_pending"] is False
        assert [m["code"] for m in listed["measures"]] == ["limit-bidding"]

        objection = subject.post(f"/api/v1/{case_path}/objections/", {"grounds": "处罚依据适用错误"},
                                 format="json")
        assert objection.status_code == 201, objection.json()
        objection_path = f"objections/{objection.json()['id']}"
        pending = credit(check, cast)
        assert pending["objection_pending"] is True and pending["entries"][0]["label"]
        step(officer, objection_path, "accept")
        assert step(reviewer, objection_path, "dismiss", reason="事实清楚，依据充分")["state"] == "dismissed"
        assert credit(check, cast)["objection_pending"] is False

        ordered = officer.post(f"/api/v1/{case_path}/rectifications/", {"requirements": "补缴欠款并提交凭证"},
                               format="json")
        assert ordered.status_code == 201, ordered.json()
        rect_path = f"rectifications/{ordered.json()['id']}"
        assert ordered.json()["due_on"] is None  # the period runs from service of the order
        served = open_latest_document(subject, case_path)
        assert served["kind"] == "rectification_notice"
        traveller.move_to(next_day(get(officer, rect_path)["due_on"]))
        sweep()
        assert get(officer, rect_path)["state"] == "overdue"
        talks = [ref for ref in get(officer, case_path)["steps"] if ref["type"] == "talk"]
        assert [ref["state"] for ref in talks] == ["required"]
        talk_path = f"talks/{talks[0]['id']}"
        assert credit(check, cast)["listed"] is True

        too_soon = (timezone.now() + timedelta(days=1)).isoformat()
        refused = transition(officer, talk_path, "schedule", get(officer, talk_path)["version"],
                             scheduled_for=too_soon, place="302 会议室", co_organiser="fgw")
        assert (refused.status_code, refused.json()["code"]) == (422, "talk_notice_too_short")
        talk_time = timezone.now() + timedelta(days=14)
        step(officer, talk_path, "schedule", scheduled_for=talk_time.isoformat(), place="302 会议室",
             co_organiser="fgw")
        traveller.move_to(talk_time + timedelta(hours=1))
        assert step(officer, talk_path, "hold", record="企业承诺十日内整改")["state"] == "held"

        step(officer, rect_path, "reorder")
        step(subject, rect_path, "submit", note="已补缴")
        assert step(officer, rect_path, "accept")["state"] == "accepted"

        min_until = get(officer, case_path)["publication_min_until"]
        traveller.move_to(at(min_until, 10))
        repair = subject.post(f"/api/v1/{case_path}/repairs/", {"commitment_letter": True}, format="json")
        assert repair.status_code == 201, repair.json()
        repair_path = f"repairs/{repair.json()['id']}"
        step(officer, repair_path, "accept")
        assert credit(check, cast)["listed"] is True
        assert step(reviewer, repair_path, "approve")["state"] == "approved"

        case = get(officer, case_path)
        assert (case["state"], case["exit_reason"], case["published"]) == ("exited", "repaired", False)
        assert credit(check, cast) | {"checked_at": None} == {
            "identifier": cast.subject.identifier, "listed": False, "list_types": [],
            "objection_pending": False, "entries": [], "measures": [], "checked_at": None,
            # Repaired: no record listed, so the check shows no repair history (it is on the case).
            "repairs": [], "repair_count": 0,
            # No record of this subject was revoked as wrongly listed.
            "corrections": [],
        }
        tasks = get(joint, "measure-tasks")["results"]
        assert [task["state"] for task in tasks] == ["terminating"]
        exits = get(APIClient(), "public/exits")["results"]
        assert [(row["number"], row["exit_reason"]) for row in exits] == [(case["number"], "repaired")]
        assert get(APIClient(), "public/listings")["results"] == []
