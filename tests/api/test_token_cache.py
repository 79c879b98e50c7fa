"""The token cache saves the credit check its token queries and never outlives a revocation."""

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.api.authentication import clear_token_cache
from casework.api.permissions import SCOPE_CREDIT_CHECK, SCOPE_GROUP_PREFIX
from casework.models import ApiToken, User
from tests.api.conftest import client_for
from tests.conftest import Cast

URL = "/api/v1/credit-check/{}/"


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    clear_token_cache()
    yield
    clear_token_cache()


def queries_of(client: Any, identifier: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL.format(identifier))
    return response.status_code, len(captured)


def test_a_cached_token_answers_the_credit_check_without_reading_the_token_again(
    cast: Cast, checker: User, settings: Any
) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 30
    client = client_for(checker)
    first = queries_of(client, cast.subject.identifier)
    second = queries_of(client, cast.subject.identifier)
    assert first[0] == second[0] == 200
    # Saved: the token with its user, the scopes, the last-use write (once a minute).
    # Without Redis the revocation counter is one row: read on every call, cached or not.
    assert second[1] == first[1] - 3


def test_without_a_ttl_every_call_reads_the_token(cast: Cast, checker: User, settings: Any) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 0
    client = client_for(checker)
    queries_of(client, cast.subject.identifier)  # the first call also writes the last use
    uncached = queries_of(client, cast.subject.identifier)
    assert uncached == queries_of(client, cast.subject.identifier)
    settings.API_TOKEN_CACHE_SECONDS = 30
    queries_of(client, cast.subject.identifier)  # now cached
    assert queries_of(client, cast.subject.identifier)[1] == uncached[1] - 2  # the token, the scopes


def test_a_deleted_token_is_refused_at_once(cast: Cast, checker: User, settings: Any) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 30
    client = client_for(checker)
    assert client.get(URL.format(cast.subject.identifier)).status_code == 200
    ApiToken.objects.filter(user=checker).delete()
    assert client.get(URL.format(cast.subject.identifier)).status_code == 401


def test_a_withdrawn_scope_is_refused_at_once(cast: Cast, checker: User, settings: Any) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 30
    client = client_for(checker)
    assert client.get(URL.format(cast.subject.identifier)).status_code == 200
    checker.groups.remove(Group.objects.get(name=f"{SCOPE_GROUP_PREFIX}{SCOPE_CREDIT_CHECK}"))
    assert client.get(URL.format(cast.subject.identifier)).status_code == 403


def test_a_deactivated_client_is_refused_at_once(cast: Cast, checker: User, settings: Any) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 30
    client = client_for(checker)
    assert client.get(URL.format(cast.subject.identifier)).status_code == 200
    checker.is_active = False
    checker.save()
    assert client.get(URL.format(cast.subject.identifier)).status_code == 401
