"""schemathesis over the whole OpenAPI schema, as several roles: no 5xx, no schema violation.

Each role is one test over every operation; the example count is bounded (FUZZ_EXAMPLES,
default 8) so that ``make test`` stays within minutes. A deeper run:
``FUZZ_EXAMPLES=100 .venv/bin/pytest tests/api/test_schema_fuzz.py``.

schemathesis' own pytest plugin (lazy schemas) does not run under pytest 9, so
the operations are enumerated here and each is driven by ``hypothesis.given``.
"""

import os
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from casework.api.permissions import SCOPE_CREDIT_CHECK
from config.wsgi import application
from tests.api.conftest import key_for, system_client
from tests.api.world import World, build_world
from tests.conftest import Cast

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
ROLES = ["officer", "subject", "joint", "leadership", "checker", "head"]
# Path prefix → resource of World, so that half the generated ids hit real objects.
PREFIXES = {"/api/v1/cases/": "case", "/api/v1/objections/": "objection",
            "/api/v1/rectifications/": "rectification", "/api/v1/talks/": "talk",
            "/api/v1/measure-tasks/": "measure_task", "/api/v1/repairs/": "repair",
            "/api/v1/evidence/": "evidence"}

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """The real WSGI handler closes the connection after each request (CONN_MAX_AGE=0).

    Inside a test's transaction that would end the test itself on PostgreSQL; Django's
    test client avoids it the same way, by not running close_old_connections.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def user_of(role: str, cast: Cast) -> Any:
    if role == "head":  # manages its department's accounts and tokens
        cast.reviewer.is_department_head = True
        cast.reviewer.save()
        return cast.reviewer
    users = {"officer": cast.officer, "subject": cast.subject_user, "joint": cast.joint_officer,
             "leadership": cast.leadership_user}
    return users.get(role) or system_client("approval_system", SCOPE_CREDIT_CHECK, department=cast.joint)


def aim_at_real_objects(case: Any, world: World) -> None:
    """Even ids are swapped for a real object of the resource, so fuzzed bodies reach the rules."""
    object_id = (case.path_parameters or {}).get("id")
    if not isinstance(object_id, int) or object_id % 2:
        return
    for prefix, resource in PREFIXES.items():
        if case.operation.path.startswith(prefix):
            which = "A" if object_id % 4 == 0 else "B"
            case.path_parameters["id"] = world.objects[(resource, which)].pk


def test_the_schema_covers_every_resource_of_the_issue() -> None:
    from casework.api.transitions import RESOURCES
    from casework.services import transition_names

    every_transition = {f"POST /api/v1/{resource}/{{id}}/transitions/{name}/"
                        for resource, (model, _detail) in RESOURCES.items()
                        for name in transition_names(model())}
    transitions = {label for label in OPERATIONS if "/transitions/" in label}
    assert transitions == every_transition  # one operation (and request body) per transition
    # + statements 5, service acts 4, documents 3 (casework/api/statements.py, documents/api.py),
    # + the monthly 通报: issue, list, PDF (oversight/api.py)
    assert len(OPERATIONS) - len(transitions) == 60 + 12 + 3
    assert {"GET /api/v1/credit-check/{identifier}/",
            "GET /api/v1/public/listings/", "GET /api/v1/public/exits/",
            "GET /api/v1/evidence/{id}/download/", "GET /api/v1/cases/{id}/escalation-notes/",
            "POST /api/v1/cases/{id}/escalation-notes/", "GET /api/v1/credit-checks/",
            "GET /api/v1/oversight/dashboard/", "GET /api/v1/oversight/clocks/",
            "GET /api/v1/oversight/assessment/", "GET /api/v1/oversight/notes/",
            "POST /api/v1/oversight/notes/{id}/answer/",
            "POST /api/v1/oversight/departments/{code}/escalation-notes/",
            "POST /api/v1/oversight/circulars/", "GET /api/v1/oversight/circulars/",
            "GET /api/v1/oversight/circulars/{month}/pdf/",
            "POST /api/v1/users/", "POST /api/v1/tokens/",
            "POST /api/v1/tokens/{id}/revoke/",
            "POST /api/v1/statements/", "GET /api/v1/documents/{id}/download/",
            "POST /api/v1/cases/{id}/penalty-revocations/"} <= set(OPERATIONS)


@pytest.mark.parametrize("role", ROLES)
def test_no_server_error_and_every_response_matches_the_schema(role: str, cast: Cast) -> None:
    """Every operation in turn against one world per role (building it is the slow part)."""
    world = build_world(cast)
    user = user_of(role, cast)
    headers = {"Authorization": f"Token {key_for(user)}"}
    failures = {}
    for label, operation in sorted(OPERATIONS.items()):

        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            aim_at_real_objects(case, world)
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        try:
            fuzz()
        except Exception as failure:  # noqa: BLE001 - collected, every operation gets its run
            failures[label] = str(failure)
    assert failures == {}
