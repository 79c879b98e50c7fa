"""One shape for every list: paginated alike; a filter value that names nothing is a 400 naming the filter."""

from typing import Any

import pytest

from casework.api.permissions import SCOPE_CREDIT_CHECK
from tests.api.conftest import client_for, system_client
from tests.api.world import World, build_world
from tests.conftest import Cast

PAGE_KEYS = ["count", "next", "previous", "results"]


@pytest.fixture
def world(cast: Cast) -> World:
    return build_world(cast)


def list_paths(world: World) -> list[str]:
    case, objection = world.objects[("case", "A")], world.objects[("objection", "A")]
    return ["departments/", "legal-bases/", "measures/", "subjects/", "cases/", "objections/",
            "rectifications/", "talks/", "measure-tasks/", "repairs/", f"cases/{case.pk}/evidence/",
            f"objections/{objection.pk}/evidence/", f"cases/{case.pk}/escalation-notes/",
            "credit-checks/", "public/listings/", "public/exits/"]


def test_every_list_endpoint_paginates_the_same_way(cast: Cast, world: World) -> None:
    leadership = client_for(cast.leadership_user)
    for path in list_paths(world):
        response = leadership.get(f"/api/v1/{path}?page_size=1")
        assert response.status_code == 200, path
        assert sorted(response.json()) == PAGE_KEYS, path
        assert len(response.json()["results"]) <= 1, path


def test_the_evidence_list_of_a_case_is_a_page_not_a_bare_array(cast: Cast, world: World) -> None:
    case = world.objects[("case", "A")]
    body = client_for(cast.officer).get(f"/api/v1/cases/{case.pk}/evidence/").json()
    assert body["count"] == 1 and body["results"][0]["id"] == world.objects[("evidence", "A")].pk


@pytest.mark.parametrize(("path", "query", "named"), [
    ("cases/", "department=nosuch", "department"),
    ("cases/", "state=blacklisted", "state"),
    ("cases/", "list_type=black", "list_type"),
    ("cases/", "subject=999999", "subject"),
    ("cases/", "overdue=maybe", "overdue"),
    ("objections/", "state=listed", "state"),
    ("objections/", "case=999999", "case"),
    ("measure-tasks/", "case=abc", "case"),
    ("subjects/", "kind=company", "kind"),
    ("measures/", "department=nosuch", "department"),
    ("departments/", "kind=ministry", "kind"),
    ("legal-bases/", "list_type=black", "list_type"),
    ("credit-checks/", "subject=999999", "subject"),
    ("credit-checks/", "since=yesterday", "since"),
    ("credit-checks/", "since=1900-01-01T00:00:00Z", "since"),
])
def test_an_unknown_filter_value_is_400_naming_the_filter(
    cast: Cast, path: str, query: str, named: str
) -> None:
    response = client_for(cast.officer).get(f"/api/v1/{path}?{query}")
    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["errors"])) == ("invalid", [named])


def test_a_case_the_caller_cannot_see_is_an_unknown_filter_value(cast: Cast, world: World) -> None:
    foreign = world.objects[("case", "B")]
    response = client_for(cast.officer).get(f"/api/v1/objections/?case={foreign.pk}")
    missing = client_for(cast.officer).get("/api/v1/objections/?case=999999")
    assert response.status_code == missing.status_code == 400
    assert response.json() == missing.json()


def test_known_filter_values_filter(cast: Cast, world: World) -> None:
    officer = client_for(cast.officer)
    case = world.objects[("case", "A")]
    assert officer.get("/api/v1/cases/?department=scjgj&state=listed").json()["count"] == 1
    assert officer.get("/api/v1/cases/?department=sthjj").json()["count"] == 0
    assert officer.get(f"/api/v1/objections/?case={case.pk}").json()["count"] == 1
    assert officer.get("/api/v1/objections/?state=dismissed").json()["count"] == 0


def test_filters_do_not_apply_to_a_single_object(cast: Cast, world: World) -> None:
    case = world.objects[("case", "A")]
    assert client_for(cast.officer).get(f"/api/v1/cases/{case.pk}/?state=draft").status_code == 200


def test_a_system_client_without_cases_read_is_refused_not_shown_empty_lists(cast: Cast) -> None:
    checker = client_for(system_client("approval_system", SCOPE_CREDIT_CHECK, department=cast.joint))
    unscoped = client_for(cast.system)
    for path in ("cases/", "objections/", "measure-tasks/", "subjects/"):
        assert checker.get(f"/api/v1/{path}").status_code == 403, path
        assert unscoped.get(f"/api/v1/{path}").status_code == 403, path


def schema_parameters(operation: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["schema"].get("type", "") for p in operation.get("parameters", [])
            if p["in"] == "query"}


def test_the_openapi_lists_every_filter_with_its_type(cast: Cast) -> None:
    paths = client_for(None).get("/api/v1/schema/?format=json").json()["paths"]
    cases = schema_parameters(paths["/api/v1/cases/"]["get"])
    assert {name: cases[name] for name in ("state", "department", "list_type", "subject", "overdue")} == {
        "state": "string", "department": "string", "list_type": "string", "subject": "integer",
        "overdue": "boolean"}
    state = next(p for p in paths["/api/v1/cases/"]["get"]["parameters"] if p["name"] == "state")
    assert "listed" in state["schema"]["enum"]
    for step in ("objections", "rectifications", "talks", "measure-tasks", "repairs"):
        assert schema_parameters(paths[f"/api/v1/{step}/"]["get"]) | {"page": "", "page_size": ""} == {
            "case": "integer", "state": "string", "page": "", "page_size": ""}, step
    assert schema_parameters(paths["/api/v1/subjects/"]["get"])["kind"] == "string"
    for sublist in ("/api/v1/cases/{id}/evidence/", "/api/v1/cases/{id}/escalation-notes/"):
        assert schema_parameters(paths[sublist]["get"]) == {"page": "integer", "page_size": "integer"}
