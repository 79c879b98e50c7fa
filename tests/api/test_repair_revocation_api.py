"""撤销修复 through the API: the reviewer revokes, the case shows the relisting and the subject's
repeated repairs, the credit check shows the repair history, and a new application is refused
while the bar runs."""

from casework.models import RepairApplication, User
from tests.api.conftest import client_for, transition
from tests.casework.refusals import build, serve_minimum_publication
from tests.conftest import Cast

FALSE_MATERIAL = {"false_material": "整改凭证系伪造", "decision": "提交虚假材料取得修复，撤销修复决定"}


def approved(cast: Cast) -> RepairApplication:
    repair = build(cast, "repair/approved")
    assert isinstance(repair, RepairApplication)
    return repair


def test_the_reviewer_revokes_a_repair_and_the_case_is_listed_again(cast: Cast) -> None:
    repair = approved(cast)
    reviewer = client_for(cast.reviewer)
    body = reviewer.get(f"/api/v1/repairs/{repair.pk}/").json()
    assert "revoke" in body["available_transitions"]
    response = transition(reviewer, f"repairs/{repair.pk}", "revoke", body["version"], **FALSE_MATERIAL)
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "revoked"
    shown = reviewer.get(f"/api/v1/repairs/{repair.pk}/").json()
    assert shown["false_material"] == FALSE_MATERIAL["false_material"] and shown["barred_until"]
    case = reviewer.get(f"/api/v1/cases/{repair.case_id}/").json()
    assert (case["state"], case["published"], case["exit_reason"]) == ("listed", True, "")
    assert case["repair_history"]["barred_until"] == shown["barred_until"]
    assert [row["state"] for row in case["repair_history"]["repairs"]] == ["revoked"]


def test_an_officer_may_not_revoke_through_the_api(cast: Cast) -> None:
    repair = approved(cast)
    officer = client_for(cast.officer)
    response = transition(officer, f"repairs/{repair.pk}", "revoke", repair.version, **FALSE_MATERIAL)
    assert (response.status_code, response.json()["code"]) == (422, "reviewer_role")


def test_repeated_repairs_are_counted_on_the_case_and_in_the_credit_check(
    cast: Cast, checker: User
) -> None:
    first = approved(cast)
    reviewer = client_for(cast.reviewer)
    transition(reviewer, f"repairs/{first.pk}", "revoke", first.version, **FALSE_MATERIAL)
    approved(cast)  # a second record of the same subject repaired
    case = reviewer.get(f"/api/v1/cases/{first.case_id}/").json()
    assert case["repair_history"]["subject_repair_count"] == 2
    check = client_for(checker).get(f"/api/v1/credit-check/{cast.subject.identifier}/",
                                    {"purpose": "政府采购资格审查"}).json()
    assert check["repair_count"] == 2
    assert [row["revoked_on"] is not None for row in check["repairs"]] == [True, False]


def test_a_new_application_during_the_bar_is_refused_by_the_api(cast: Cast) -> None:
    repair = approved(cast)
    transition(client_for(cast.reviewer), f"repairs/{repair.pk}", "revoke", repair.version,
               **FALSE_MATERIAL)
    serve_minimum_publication(repair.case)
    response = client_for(cast.subject_user).post(
        f"/api/v1/cases/{repair.case_id}/repairs/", {"commitment_letter": True}, format="json")
    assert (response.status_code, response.json()["code"]) == (422, "repair_barred")
    repair.refresh_from_db()
    assert repair.barred_until is not None
    assert repair.barred_until.isoformat() in response.json()["detail"]


def test_the_joint_department_finds_the_measure_pushed_again_and_acknowledges_it(cast: Cast) -> None:
    """The measure the repair's exit ended is back in the joint department's tasks (API and page)."""
    from django.test import Client

    from casework.models import MeasureTask

    repair = approved(cast)
    joint = client_for(cast.joint_officer)
    [ended] = joint.get("/api/v1/measure-tasks/").json()["results"]
    assert ended["state"] == "terminating"
    transition(client_for(cast.reviewer), f"repairs/{repair.pk}", "revoke", repair.version,
               **FALSE_MATERIAL)

    task = joint.get(f"/api/v1/measure-tasks/{ended['id']}/").json()
    assert (task["state"], task["available_transitions"]) == ("pushed", ["acknowledge"])
    page = Client()
    page.force_login(cast.joint_officer)
    html = page.get("/tasks/").content.decode()
    assert f'data-wb-task="{ended["id"]}"' in html  # open tasks only, by default
    response = transition(joint, f"measure-tasks/{ended['id']}", "acknowledge", task["version"])
    assert (response.status_code, response.json()["state"]) == (200, "acknowledged")
    assert MeasureTask.objects.get(pk=ended["id"]).acknowledged_at is not None


def test_a_measure_is_not_pushed_again_by_hand_through_the_api(cast: Cast) -> None:
    from casework.models import MeasureTask

    task = build(cast, "measuretask/terminated")
    assert isinstance(task, MeasureTask)
    response = transition(client_for(cast.reviewer), f"measure-tasks/{task.pk}", "reinstate",
                          task.version, reason="重新推送")
    assert (response.status_code, response.json()["code"]) == (422, "measure_not_ended_by_exit")
    task.refresh_from_db()
    assert task.state == "terminated"
