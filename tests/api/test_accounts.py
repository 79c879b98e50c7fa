"""Accounts and tokens without a shell: the administrator, and a department head in its department.

Every action is audited; a token's key is answered once and stored only as its hash;
a revoked or expired token is refused at once.
"""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from casework.choices import Role
from casework.models import ApiToken, AuditEvent, User
from casework.models.tokens import hash_of
from tests.api.conftest import client_for, system_client
from tests.casework.refusals import nothing_written
from tests.conftest import Cast

CHECK = "/api/v1/credit-check/{}/"
PASSWORD = "long-enough-pass"


@pytest.fixture
def admin(db: Any) -> User:
    return User.objects.create_user(username="city_admin", password="x", role=Role.ADMIN,
                                    is_staff=True, is_superuser=True)


@pytest.fixture
def head(cast: Cast) -> User:
    cast.reviewer.is_department_head = True
    cast.reviewer.save()
    return cast.reviewer


def new_account(client: APIClient, **fields: Any) -> Any:
    return client.post("/api/v1/users/", {"password": PASSWORD, **fields}, format="json")


def issue(client: APIClient, user: User, **fields: Any) -> Any:
    return client.post("/api/v1/tokens/", {"user": user.pk, "name": "审批系统", **fields}, format="json")


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("pk")


def test_the_administrator_creates_an_account_audited_on_its_department_chain(
    cast: Cast, admin: User
) -> None:
    response = new_account(client_for(admin), username="new_officer", role="officer", department="scjgj")

    assert response.status_code == 201
    assert response.json()["department"] == "scjgj" and "password" not in response.json()
    user = User.objects.get(username="new_officer")
    assert user.check_password(PASSWORD) and user.department == cast.owner
    event = last_event("user_created")
    assert (event.chain, event.actor, event.object_id) == (f"department:{cast.owner.pk}", admin, user.pk)
    assert event.payload["role"] == "officer"


def test_a_department_head_creates_a_system_client_of_its_own_department(cast: Cast, head: User) -> None:
    response = new_account(client_for(head), username="scjgj_approvals", role="system", department="scjgj")

    assert response.status_code == 201
    assert last_event("user_created").actor == head


@pytest.mark.parametrize("fields", [
    {"role": "officer", "department": "sthjj"},  # another department
    {"role": "officer", "department": "scjgj", "is_department_head": True},  # a new head
    {"role": "admin"},  # an administrator
])
def test_a_department_head_cannot_create_accounts_beyond_its_department(
    cast: Cast, head: User, fields: dict[str, Any]
) -> None:
    client = client_for(head)
    with nothing_written():
        response = new_account(client, username="intruder", **fields)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


@pytest.mark.parametrize("role", ["officer", "leadership_user", "system", "subject_user"])
def test_others_may_not_manage_accounts_or_tokens(cast: Cast, role: str) -> None:
    client = client_for(getattr(cast, role))
    with nothing_written():
        answers = [client.get("/api/v1/users/").status_code, client.get("/api/v1/tokens/").status_code,
                   new_account(client, username="x", role="officer", department="scjgj").status_code,
                   issue(client, cast.officer).status_code]
    assert answers == [403, 403, 403, 403]


def test_an_issued_key_is_answered_once_stored_as_a_hash_and_works(cast: Cast, admin: User) -> None:
    checker = system_client("approvals", department=cast.joint)

    response = issue(client_for(admin), checker, scopes=["credit_check"])

    assert response.status_code == 201
    key = response.json()["key"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.key_hash == hash_of(key)
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert "key" not in client_for(admin).get(f"/api/v1/tokens/{token.pk}/").json()
    assert all("key" not in row for row in client_for(admin).get("/api/v1/tokens/").json()["results"])
    assert with_key(key).get(CHECK.format(cast.subject.identifier)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.expires_at is not None
    event = last_event("token_issued")
    assert event.payload["scopes"] == ["credit_check"] and key not in str(event.payload)


def test_a_department_head_grants_only_the_credit_check(cast: Cast, head: User) -> None:
    own_client = system_client("scjgj_platform", department=cast.owner)
    client = client_for(head)
    with nothing_written():
        refused = issue(client, own_client, scopes=["cases_read"])
    granted = issue(client, own_client, scopes=["credit_check"])
    assert (refused.status_code, granted.status_code) == (403, 201)


def test_a_department_head_cannot_see_or_issue_tokens_of_another_department(cast: Cast, head: User) -> None:
    client = client_for(head)
    foreign = ApiToken.objects.filter(user=cast.other_officer)
    client_for(cast.other_officer)
    with nothing_written():
        answers = (issue(client, cast.other_officer).status_code,
                   client.get(f"/api/v1/tokens/{foreign.get().pk}/").status_code,
                   client.post(f"/api/v1/tokens/{foreign.get().pk}/revoke/").status_code)
    assert answers == (404, 404, 404)


def test_a_revoked_token_is_refused_at_once_and_the_revocation_audited(cast: Cast, head: User) -> None:
    key = issue(client_for(head), cast.officer).json()["key"]
    token = ApiToken.objects.get(key_hash=hash_of(key))
    assert with_key(key).get("/api/v1/cases/").status_code == 200

    response = client_for(head).post(f"/api/v1/tokens/{token.pk}/revoke/")

    assert response.status_code == 200 and response.json()["revoked_at"] is not None
    assert with_key(key).get("/api/v1/cases/").status_code == 401
    event = last_event("token_revoked")
    assert (event.actor, event.object_id, event.payload["prefix"]) == (head, token.pk, key[:11])


def test_an_expired_token_is_refused_even_while_cached(cast: Cast, admin: User, settings: Any) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 3600
    expires_at = timezone.now() + timedelta(days=2)
    key = issue(client_for(admin), cast.officer, expires_at=expires_at.isoformat()).json()["key"]
    assert with_key(key).get("/api/v1/cases/").status_code == 200

    with time_machine.travel(expires_at + timedelta(seconds=1)):
        assert with_key(key).get("/api/v1/cases/").status_code == 401


def test_an_expiry_in_the_past_is_refused(cast: Cast, admin: User) -> None:
    client = client_for(admin)
    with nothing_written():
        response = issue(client, cast.officer, expires_at="2020-01-01T00:00:00+08:00")
    assert response.status_code == 400 and "expires_at" in response.json()["errors"]


def test_scopes_only_on_a_system_clients_token(cast: Cast, admin: User) -> None:
    client = client_for(admin)
    with nothing_written():
        response = issue(client, cast.officer, scopes=["credit_check"])
    assert response.status_code == 400 and "scopes" in response.json()["errors"]
