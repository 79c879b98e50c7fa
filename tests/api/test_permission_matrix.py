"""Every endpoint × every role × own and foreign object → the outcome DESIGN.md §1 says.

Zero leaks: an object the caller may not see answers exactly like one that does not exist.
"""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from casework import services
from casework.api.permissions import SCOPE_CASES_READ, SCOPE_CREDIT_CHECK
from casework.models import EscalationNote
from tests.api.conftest import client_for, system_client, transition
from tests.api.world import RESOURCES, World, build_world
from tests.conftest import Cast

ROLES = ["officer", "reviewer", "other_officer", "joint", "ndrc", "leadership", "subject",
         "other_subject", "platform", "checker", "system", "anonymous"]
READ_ONLY = {"leadership", "platform", "checker", "system"}
# 发改委 writes one step (confirming its attendance of a talk it co-organises): like any writer,
# a stale version is refused on what it sees, the rest is not found; its guards refuse the rest.
# System clients without the cases_read scope: refused outright, never shown empty lists.
UNSCOPED = {"checker", "system"}
STEPS = [r for r in RESOURCES if r != "evidence"]


def everything(which: str, *, tasks: bool = True) -> set[tuple[str, str]]:
    return {(resource, which) for resource in RESOURCES if tasks or resource != "measure_task"}


ALL = everything("A") | everything("B")
VISIBLE: dict[str, set[tuple[str, str]]] = {
    "officer": everything("A"),
    "reviewer": everything("A"),
    "other_officer": everything("B"),
    "joint": {("measure_task", "A")},  # B's measure went to another joint department
    "ndrc": {("talk", "A")},  # 发改委 co-organises talk A only
    "leadership": ALL,
    "subject": everything("A", tasks=False),
    "other_subject": everything("B", tasks=False),
    "platform": ALL,  # system client with the cases_read scope
    "checker": set(),  # system client with the credit_check scope only
    "system": set(),  # system account without scopes
    "anonymous": set(),
}


def user_of(role: str, cast: Cast) -> Any:
    users = {
        "officer": cast.officer, "reviewer": cast.reviewer, "other_officer": cast.other_officer,
        "joint": cast.joint_officer, "ndrc": cast.ndrc_officer, "leadership": cast.leadership_user,
        "subject": cast.subject_user, "other_subject": cast.other_subject_user, "system": cast.system,
        "anonymous": None,
    }
    if role == "platform":
        return system_client("sharing_platform", SCOPE_CASES_READ)
    if role == "checker":
        return system_client("approval_system", SCOPE_CREDIT_CHECK, department=cast.joint)
    return users[role]


@pytest.fixture
def world(cast: Cast) -> World:
    return build_world(cast)


def expected_read(role: str, key: tuple[str, str]) -> int:
    if role == "anonymous":
        return 401
    if role in UNSCOPED:
        return 403
    return 200 if key in VISIBLE[role] else 404


def read_paths(world: World, resource: str, which: str) -> list[str]:
    path = world.path(resource, which)
    if resource == "evidence":
        return [f"{path}/", f"{path}/download/"]
    return [f"{path}/", f"{path}/evidence/"]


@pytest.mark.parametrize("role", ROLES)
def test_reads_show_exactly_the_objects_the_design_allows(role: str, cast: Cast, world: World) -> None:
    client = client_for(user_of(role, cast))
    missing = client.get("/api/v1/cases/999999/")
    outcomes, expected = {}, {}
    for (resource, which) in ALL:
        for path in read_paths(world, resource, which):
            response = client.get(f"/api/v1/{path}")
            outcomes[path] = response.status_code
            expected[path] = expected_read(role, (resource, which))
            if response.status_code == 404:
                # Zero leaks: the same answer as for an object that does not exist.
                assert response.json() == missing.json() == {
                    "code": "not_found", "detail": response.json()["detail"]}
    assert outcomes == expected


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_exactly_the_visible_objects(role: str, cast: Cast, world: World) -> None:
    client = client_for(user_of(role, cast))
    listed, expected = {}, {}
    for resource in STEPS:
        response = client.get(f"/api/v1/{RESOURCES[resource]}/")
        if role == "anonymous" or role in UNSCOPED:
            listed[resource] = response.status_code
            expected[resource] = 401 if role == "anonymous" else 403
            continue
        assert response.status_code == 200
        listed[resource] = sorted(row["id"] for row in response.json()["results"])
        expected[resource] = sorted(world.objects[(resource, which)].pk for which in "AB"
                                    if (resource, which) in VISIBLE[role])
    assert listed == expected


def expected_write(role: str, key: tuple[str, str]) -> int:
    if role == "anonymous":
        return 401
    if role in READ_ONLY:
        return 403  # reads at most; changes nothing
    # A visible object refuses the stale version first; an invisible one is not found.
    return 409 if key in VISIBLE[role] else 404


@pytest.mark.parametrize("role", ROLES)
def test_transitions_are_refused_by_role_and_visibility(role: str, cast: Cast, world: World) -> None:
    client = client_for(user_of(role, cast))
    first_name = {"case": "exit", "objection": "accept", "rectification": "submit", "talk": "hold",
                  "measure_task": "acknowledge", "repair": "accept"}
    outcomes, expected = {}, {}
    for resource in STEPS:
        for which in "AB":
            path = world.path(resource, which)
            response = transition(client, path, first_name[resource], 999)
            outcomes[path] = response.status_code
            expected[path] = expected_write(role, (resource, which))
    assert outcomes == expected
    states = {key: type(obj).objects.get(pk=obj.pk).state for key, obj in world.objects.items()
              if key[0] != "evidence"}
    assert states == {key: obj.state for key, obj in world.objects.items() if key[0] != "evidence"}


def expected_note_write(role: str) -> int:
    if role == "anonymous":
        return 401
    return 201 if role == "leadership" else 403  # the leadership office's one write (督办意见)


@pytest.mark.parametrize("role", ROLES)
def test_escalation_notes_are_read_like_their_case_and_written_by_the_leadership_office_only(
    role: str, cast: Cast, world: World
) -> None:
    client = client_for(user_of(role, cast))
    missing = client.get("/api/v1/cases/999999/escalation-notes/")
    outcomes, expected = {}, {}
    for which in "AB":
        path = f"/api/v1/{world.path('case', which)}/escalation-notes/"
        read = client.get(path)
        outcomes[f"GET {path}"] = read.status_code
        expected[f"GET {path}"] = expected_read(role, ("case", which))
        if read.status_code == 404:
            assert read.json() == missing.json()
        written = client.post(path, {"text": "请报告整改进展"}, format="json")
        outcomes[f"POST {path}"] = written.status_code
        expected[f"POST {path}"] = expected_note_write(role)
    assert outcomes == expected
    assert EscalationNote.objects.count() == (2 if role == "leadership" else 0)


ROLE_ENDPOINTS = ["credit-check/91110108551385082Q", "departments", "legal-bases", "measures",
                  "subjects", "public/listings", "public/exits"]
ALLOWED: dict[str, set[str]] = {
    "credit-check/91110108551385082Q": {"officer", "reviewer", "other_officer", "joint", "ndrc",
                                        "leadership", "checker"},
    "departments": set(ROLES) - {"system", "anonymous"},
    "legal-bases": set(ROLES) - {"system", "anonymous"},
    "measures": set(ROLES) - {"system", "anonymous"},
    "subjects": set(ROLES) - {"system", "checker", "anonymous"},
    "public/listings": set(ROLES),
    "public/exits": set(ROLES),
}


@pytest.mark.parametrize("role", ROLES)
def test_role_endpoints_answer_the_roles_they_serve(role: str, cast: Cast, world: World) -> None:
    client = client_for(user_of(role, cast))
    outcomes = {path: client.get(f"/api/v1/{path}/").status_code for path in ROLE_ENDPOINTS}
    refused = 401 if role == "anonymous" else 403
    assert outcomes == {path: 200 if role in ALLOWED[path] else refused for path in ROLE_ENDPOINTS}


SUBJECTS_SEEN = {"officer": "AB", "reviewer": "AB", "other_officer": "AB", "leadership": "AB",
                 "platform": "AB", "subject": "A", "other_subject": "B"}


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"system", "checker", "anonymous"}))
def test_the_subject_register_shows_a_subject_only_itself(role: str, cast: Cast, world: World) -> None:
    client = client_for(user_of(role, cast))
    rows = client.get("/api/v1/subjects/").json()["results"]
    subjects = {"A": cast.subject.pk, "B": cast.other_subject.pk}
    assert sorted(row["id"] for row in rows) == sorted(subjects[w] for w in SUBJECTS_SEEN.get(role, ""))


def test_natural_persons_number_is_whole_only_for_its_owner_department_and_itself(
    cast: Cast, world: World
) -> None:
    case_b = world.objects[("case", "B")]
    shown = {
        role: client_for(user_of(role, cast)).get(f"/api/v1/cases/{case_b.pk}/").json()["subject_identifier"]
        for role in ("other_officer", "other_subject", "leadership", "platform")
    }
    assert shown == {"other_officer": "11010519491231002X", "other_subject": "11010519491231002X",
                     "leadership": "**************002X", "platform": "**************002X"}


@pytest.mark.parametrize(("role", "status"), [
    ("officer", 201), ("reviewer", 201), ("other_officer", 201), ("joint", 403), ("ndrc", 403),
    ("leadership", 403), ("subject", 403), ("platform", 403), ("anonymous", 401),
])
def test_only_determining_staff_open_cases(role: str, status: int, cast: Cast) -> None:
    client = client_for(user_of(role, cast))
    response = client.post("/api/v1/cases/", {
        "subject": cast.subject.pk, "list_type": "focus", "dishonesty_class": "general",
        "legal_bases": [cast.basis.pk], "facts": "事实",
    }, format="json")
    assert response.status_code == status


def test_a_foreign_subject_cannot_file_on_a_case_it_cannot_see(cast: Cast, world: World) -> None:
    case_a = world.objects[("case", "A")]
    response = client_for(cast.other_subject_user).post(
        f"/api/v1/cases/{case_a.pk}/objections/", {"grounds": "x"}, format="json")
    assert response.status_code == 404
    assert case_a.objections.count() == 1


def test_an_officer_cannot_file_the_subjects_objection(cast: Cast, world: World) -> None:
    case_a = world.objects[("case", "A")]
    response = client_for(cast.officer).post(
        f"/api/v1/cases/{case_a.pk}/objections/", {"grounds": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (422, "own_subject")
    assert case_a.objections.count() == 1


def test_anonymous_gets_401_with_a_token_challenge(client: APIClient) -> None:
    response = APIClient().get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


# --- internal records (casework/visibility.py): the subject sees its procedure, not the departments' --


@pytest.fixture
def internal_records(cast: Cast, world: World) -> dict[str, Any]:
    """On case A: the joint department's feedback file on its measure task and a 督办意见."""
    task = world.objects[("measure_task", "A")]
    feedback = services.attach_evidence(task.case, cast.joint_officer, SimpleUploadedFile(
        "反馈.txt", b"joint feedback", "text/plain"), attached_to=task)
    note = services.add_escalation_note(task.case, cast.leadership_user, "请于三日内报告整改进展")
    return {"feedback": feedback, "note": note, "case_file": world.objects[("evidence", "A")]}


# Who sees case A's internal records; everyone else who sees case A sees its subject records.
SEES_INTERNAL = {"officer", "reviewer", "leadership", "platform"}


@pytest.mark.parametrize("role", ROLES)
def test_a_joint_departments_feedback_file_is_internal(
    role: str, cast: Cast, world: World, internal_records: dict[str, Any]
) -> None:
    client = client_for(user_of(role, cast))
    feedback, case_file = internal_records["feedback"], internal_records["case_file"]
    outcomes = {name: client.get(f"/api/v1/evidence/{evidence.pk}/download/").status_code
                for name, evidence in (("feedback", feedback), ("case file", case_file))}
    sees_case = ("case", "A") in VISIBLE.get(role, set())
    expected_feedback = 200 if role in SEES_INTERNAL | {"joint"} else 404
    expected_case_file = 200 if sees_case else 404
    if role in UNSCOPED | {"anonymous"}:
        expected_feedback = expected_case_file = 401 if role == "anonymous" else 403
    assert outcomes == {"feedback": expected_feedback, "case file": expected_case_file}
    if sees_case:
        page = client.get(f"/api/v1/{world.path('case', 'A')}/evidence/").json()
        listed = {row["id"] for row in page["results"]}
        assert (feedback.pk in listed, case_file.pk in listed) == (role in SEES_INTERNAL, True)


def internal_kinds_in(detail: dict[str, Any]) -> set[str]:
    kinds = {row["target_type"] for row in detail["deadlines"]}
    kinds |= {row["object_type"] for row in detail["timeline"]}
    kinds |= {row["type"] for row in detail["steps"]}
    return kinds & {"measuretask", "escalationnote"}


@pytest.mark.parametrize("role", ["officer", "leadership", "platform", "subject"])
def test_a_subject_sees_no_measure_task_or_escalation_note_in_its_case(
    role: str, cast: Cast, world: World, internal_records: dict[str, Any]
) -> None:
    detail = client_for(user_of(role, cast)).get(f"/api/v1/{world.path('case', 'A')}/").json()
    feedback = internal_records["feedback"].pk
    files_in_timeline = {row["object_id"] for row in detail["timeline"] if row["object_type"] == "evidence"}
    if role == "subject":
        assert internal_kinds_in(detail) == set()
        assert files_in_timeline == {internal_records["case_file"].pk}
        # Its own procedure is all there: the steps it acts on and their clocks.
        assert {row["type"] for row in detail["steps"]} == {"objection", "rectification", "talk",
                                                            "repairapplication"}
    else:
        assert internal_kinds_in(detail) == {"measuretask", "escalationnote"}
        assert feedback in files_in_timeline


@pytest.mark.parametrize(("role", "notes"), [("officer", 1), ("reviewer", 1), ("leadership", 1),
                                             ("platform", 1), ("subject", 0)])
def test_the_leadership_offices_escalation_notes_are_internal(
    role: str, notes: int, cast: Cast, world: World, internal_records: dict[str, Any]
) -> None:
    response = client_for(user_of(role, cast)).get(f"/api/v1/{world.path('case', 'A')}/escalation-notes/")
    assert (response.status_code, response.json()["count"]) == (200, notes)
