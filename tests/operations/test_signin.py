"""Sign-in: failures are counted on every login form, a lock-out says until when, all is logged."""

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from operations.models import SignInEvent
from tests.conftest import Cast

PASSWORD = "a long pass phrase 2026"
ADDRESS = "198.51.100.20"


@pytest.fixture
def officer(cast: Cast) -> Any:
    cast.officer.set_password(PASSWORD)
    cast.officer.is_staff = True
    cast.officer.save()
    return cast.officer


def sign_in(client: Client, password: str, address: str = ADDRESS) -> Any:
    return client.post(reverse("admin:login"), {"username": "officer", "password": password},
                       REMOTE_ADDR=address)


@pytest.mark.django_db
def test_the_admin_login_locks_out_after_the_configured_failures_and_says_until_when(
        officer: Any, settings: Any) -> None:
    client = Client()
    before = [sign_in(client, "wrong").status_code for _ in range(settings.LOGIN_FAILURE_LIMIT - 1)]
    locked = sign_in(client, "wrong")
    assert before == [200] * (settings.LOGIN_FAILURE_LIMIT - 1)  # the form again, with its error
    assert locked.status_code == 429
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    page = locked.content.decode()
    assert "登录已锁定" in page  # zh-Hans, the default language
    assert until.strftime("%Y-%m-%d %H:") in page
    assert int(locked["Retry-After"]) > 0


def login_forms() -> list[str]:
    """Every sign-in form in the URLconf: the admin's and each view built on Django's LoginView."""
    from django.contrib.auth.views import LoginView
    from django.urls import URLPattern, URLResolver, get_resolver

    found = [reverse("admin:login")]

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "view_class", None)
                if isinstance(view_class, type) and issubclass(view_class, LoginView):
                    found.append("/" + prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


@pytest.mark.django_db
@pytest.mark.parametrize("form", login_forms())
def test_every_login_form_locks_out_after_the_configured_failures(
        officer: Any, settings: Any, form: str) -> None:
    client = Client()
    statuses = [client.post(form, {"username": "officer", "password": "wrong"}, REMOTE_ADDR=ADDRESS
                            ).status_code for _ in range(settings.LOGIN_FAILURE_LIMIT)]
    assert statuses == [200] * (settings.LOGIN_FAILURE_LIMIT - 1) + [429]
    assert "登录已锁定" in client.post(form, {"username": "officer", "password": PASSWORD},
                                   REMOTE_ADDR=ADDRESS).content.decode()


@pytest.mark.django_db
def test_a_locked_out_user_is_refused_even_with_the_right_password(officer: Any, settings: Any) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lock_out_holds_one_user_name_from_one_address_only(officer: Any, settings: Any) -> None:
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(Client(), "wrong")
    assert sign_in(Client(), PASSWORD, address="198.51.100.99").status_code == 302


@pytest.mark.django_db
def test_sign_ins_failures_lock_outs_and_sign_outs_are_logged(officer: Any, settings: Any) -> None:
    client = Client()
    sign_in(client, PASSWORD)
    client.post(reverse("admin:logout"))
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 1):
        sign_in(client, "wrong")
    kinds = list(SignInEvent.objects.order_by("pk").values_list("kind", flat=True))
    limit = settings.LOGIN_FAILURE_LIMIT
    # The failure that reaches the limit locks out, and so is every attempt while locked.
    assert kinds == ["signed_in", "signed_out", *["failed"] * (limit - 1), "locked_out", "locked_out"]
    first = SignInEvent.objects.order_by("pk").first()
    assert first is not None
    assert (first.username, first.user, first.ip_address, first.path) == (
        "officer", officer, ADDRESS, reverse("admin:login"))
    assert len(first.request_id) == 32
    failed = SignInEvent.objects.filter(kind="failed").first()
    assert failed is not None and failed.user is None and failed.username == "officer"


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_failures_before_it(officer: Any, settings: Any) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()
