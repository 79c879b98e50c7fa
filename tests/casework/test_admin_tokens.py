"""The admin's token pages: issued with the key shown once, revoked by an action, each audited."""

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from casework.choices import Role
from casework.models import ApiToken, AuditEvent, User
from casework.models.tokens import hash_of
from casework.services.accounts import issue_token
from tests.conftest import Cast

KEY = re.compile(r"cw_[A-Za-z0-9_-]{40}")


@pytest.fixture
def root_client(cast: Cast) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(username="root", password="x", role=Role.ADMIN))
    return client


def test_the_add_page_issues_a_token_shows_its_key_once_and_audits_it(
    cast: Cast, root_client: Client
) -> None:
    response = root_client.post(reverse("admin:casework_apitoken_add"), {
        "user": cast.system.pk, "name": "信用平台", "scopes": ["cases_read"], "expires_at_0": "",
        "expires_at_1": "",
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    shown = [KEY.findall(str(message)) for message in get_messages(response.wsgi_request)]
    assert sum(shown, []) == [key := sum(shown, [])[0]]
    token = ApiToken.objects.get()
    assert (token.key_hash, token.scopes, token.user) == (hash_of(key), ["cases_read"], cast.system)
    change_page = reverse("admin:casework_apitoken_change", args=[token.pk])
    assert key in root_client.get(change_page).content.decode()  # the message, once
    page = root_client.get(change_page).content.decode()
    assert key not in page and token.prefix in page
    event = AuditEvent.objects.get(action="token_issued")
    assert event.object_id == token.pk and event.chain == "accounts"


def test_the_revoke_action_revokes_and_audits_each_token(cast: Cast, root_client: Client) -> None:
    tokens = [issue_token(None, cast.officer, name="a").token, issue_token(None, cast.system, name="b").token]

    response = root_client.post(reverse("admin:casework_apitoken_changelist"), {
        "action": "revoke", "_selected_action": [token.pk for token in tokens],
    })

    assert response.status_code == 302
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0
    assert AuditEvent.objects.filter(action="token_revoked").count() == 2


def test_adding_a_user_in_the_admin_is_audited(cast: Cast, root_client: Client) -> None:
    response = root_client.post(reverse("admin:casework_user_add"), {
        "username": "new_officer", "password1": "long-enough-pass", "password2": "long-enough-pass",
        "usable_password": "true", "role": "officer", "department": cast.owner.pk,
    })

    assert response.status_code == 302, response.content.decode()[:3000]
    user: Any = User.objects.get(username="new_officer")
    event = AuditEvent.objects.get(action="user_created")
    assert (event.object_id, event.chain) == (user.pk, f"department:{cast.owner.pk}")
