"""`/api/v1/oversight/`: the same figures as the dashboard; the leadership office reads
everything and writes nothing but 督办意见; the chased department answers once."""

from typing import Any
from unittest import mock

import pytest

from casework.models import AuditEvent, EscalationAnswer, EscalationNote
from oversight import dashboard
from tests.api.conftest import client_for
from tests.conftest import Cast
from tests.oversight.small_city import NOW, SmallCity, build

API = "/api/v1/oversight"


@pytest.fixture
def city(cast: Cast) -> Any:
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield build(cast)


def test_dashboard_cells_equal_the_dashboard(cast: Cast, city: SmallCity) -> None:
    response = client_for(cast.leadership_user).get(f"{API}/dashboard/")
    assert response.status_code == 200
    body = response.json()
    board = dashboard.build(NOW)
    cells = {(c["department"], c["stage"]): (c["open"], c["overdue"], c["soon"], c["paused"], c["ages"])
             for c in body["cells"]}
    assert cells[(city.a.code, "repair")] == (2, 1, 1, 0, {"1-2": 0, "3-5": 0, "6-10": 0, "10+": 1})
    assert sum(c[1] for c in cells.values()) == board.city_total().overdue == 5
    assert body["lag_seconds"] == 0 and len(body["trend"]) == 12
    assert city.b.code in {d["code"] for d in body["departments"]}


def test_drill_down_lists_the_clocks_behind_a_number(cast: Cast, city: SmallCity) -> None:
    response = client_for(cast.leadership_user).get(
        f"{API}/clocks/", {"status": "overdue", "department": city.a.code, "age": "10+"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [city.clocks["a_answer_14"].pk]
    assert response.json()["results"][0]["case_number"] == city.case_a.number


def test_assessment_of_one_department_for_one_month(cast: Cast, city: SmallCity) -> None:
    response = client_for(cast.leadership_user).get(f"{API}/assessment/",
                                                    {"month": "2026-06", "department": city.a.code})
    assert response.status_code == 200
    [row] = response.json()
    assert (row["rank"], row["total"]["closed"], row["total"]["on_time"]) == (1, 5, 3)
    assert (row["objections_decided"], row["objections_upheld"]) == (3, 1)
    assert (row["notes_received"], row["notes_answered"], row["answer_median_working_days"]) == (2, 1, 2.0)


@pytest.mark.parametrize("who", ["officer", "reviewer", "joint_officer", "ndrc_officer", "subject_user"])
def test_only_readers_of_every_case_read_the_figures(cast: Cast, city: SmallCity, who: str) -> None:
    client = client_for(getattr(cast, who))
    for path in ("dashboard/", "clocks/", "assessment/"):
        assert client.get(f"{API}/{path}").status_code == 403, path


def test_leadership_chases_a_department_and_its_staff_answer_once(cast: Cast, city: SmallCity) -> None:
    leader = client_for(cast.leadership_user)
    response = leader.post(f"{API}/departments/{city.a.code}/escalation-notes/",
                           {"text": "逾期事项请于三个工作日内办结"}, format="json")
    assert response.status_code == 201
    note = EscalationNote.objects.get(pk=response.json()["id"])
    assert (note.case, note.addressee, note.overdue_count) == (None, city.a, 4)
    event = AuditEvent.objects.get(chain=f"department:{city.a.pk}")
    assert (event.action, event.object_id) == ("escalation_note_department", note.pk)
    assert leader.post(f"{API}/notes/{note.pk}/answer/", {"text": "x"}, format="json").json()["code"] == (
        "chased_department_staff")
    officer = client_for(cast.officer)
    assert note.pk in [row["id"] for row in officer.get(f"{API}/notes/").json()["results"]]
    answered = officer.post(f"{API}/notes/{note.pk}/answer/", {"text": "已全部办结"}, format="json")
    assert answered.status_code == 201 and answered.json()["answer_text"] == "已全部办结"
    again = officer.post(f"{API}/notes/{note.pk}/answer/", {"text": "再答"}, format="json")
    assert (again.status_code, again.json()["code"]) == (422, "note_already_answered")
    assert EscalationAnswer.objects.filter(note=note).count() == 1


def test_a_department_with_nothing_overdue_cannot_be_chased(cast: Cast, city: SmallCity) -> None:
    response = client_for(cast.leadership_user).post(
        f"{API}/departments/{city.b.code}/escalation-notes/", {"text": "请办理"}, format="json")
    assert (response.status_code, response.json()["code"]) == (422, "nothing_overdue")
    assert not EscalationNote.objects.filter(addressee=city.b).exists()


def test_another_department_neither_sees_nor_answers_the_note(cast: Cast, city: SmallCity) -> None:
    note = EscalationNote.objects.filter(addressee=city.a, answer__isnull=True).get()
    other = client_for(cast.other_officer)
    assert note.pk not in [row["id"] for row in other.get(f"{API}/notes/").json()["results"]]
    assert other.post(f"{API}/notes/{note.pk}/answer/", {"text": "x"}, format="json").status_code == 404


def test_officers_cannot_chase(cast: Cast, city: SmallCity) -> None:
    response = client_for(cast.reviewer).post(
        f"{API}/departments/{city.a.code}/escalation-notes/", {"text": "请办理"}, format="json")
    assert (response.status_code, response.json()["code"]) == (422, "leadership_only")


def test_leadership_changes_nothing_else_through_the_api(cast: Cast, city: SmallCity) -> None:
    leader = client_for(cast.leadership_user)
    case = city.case_a
    assert leader.post(f"/api/v1/cases/{case.pk}/transitions/notify/", {}, format="json").status_code == 403
    assert leader.post("/api/v1/cases/", {}, format="json").status_code == 403
    assert leader.post(f"/api/v1/cases/{case.pk}/objections/", {"grounds": "x"},
                       format="json").status_code == 403
