"""API clients for the cast: each role authenticates with its own token."""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from casework.api.permissions import SCOPE_CASES_READ, SCOPE_CREDIT_CHECK, SCOPE_GROUP_PREFIX
from casework.choices import Role
from casework.models import ApiToken, User
from casework.models.tokens import SHOWN_CHARACTERS, hash_of, new_key
from tests.conftest import Cast


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


_keys: dict[int, str] = {}


def key_for(user: User) -> str:
    """The user's test token key, issued on first use (a bare row: no test counts its audit event)."""
    key = _keys.get(user.pk)
    if key is not None and ApiToken.objects.filter(user=user, key_hash=hash_of(key)).exists():
        return key
    key = _keys[user.pk] = new_key()
    ApiToken.objects.create(user=user, name="test client", prefix=key[:SHOWN_CHARACTERS],
                            key_hash=hash_of(key))
    return key


def client_for(user: User | None, **headers: str) -> APIClient:
    client = APIClient(**headers)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key_for(user)}")
    return client


def system_client(username: str, *scopes: str, department: Any = None) -> User:
    user = User.objects.create_user(username=username, password="x", role=Role.SYSTEM,
                                    department=department)
    for scope in scopes:
        user.groups.add(Group.objects.get_or_create(name=f"{SCOPE_GROUP_PREFIX}{scope}")[0])
    return user


@pytest.fixture
def checker(cast: Cast) -> User:
    """The joint department's approval system: it runs credit checks."""
    return system_client("approval_system", SCOPE_CREDIT_CHECK, department=cast.joint)


@pytest.fixture
def platform(cast: Cast) -> User:
    """The credit sharing platform: reads every case."""
    return system_client("sharing_platform", SCOPE_CASES_READ)


def transition(client: APIClient, path: str, name: str, version: int, **data: Any) -> Any:
    return client.post(f"/api/v1/{path}/transitions/{name}/",
                       {"expected_version": version, **data}, format="json")
