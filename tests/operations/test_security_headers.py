"""Every response carries the security headers; cookies are HttpOnly (and Secure under HTTPS)."""

from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import key_for
from tests.conftest import Cast


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script() -> None:
    response = Client().get("/admin/login/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_responses_forbid_sniffing_framing_and_cross_origin_referrers() -> None:
    response = Client().get("/api/v1/public/listings/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_http_only_and_secure_under_https(cast: Cast, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True  # what HTTPS=1 sets
    cast.officer.set_password("a long pass phrase 2026")
    cast.officer.is_staff = True
    cast.officer.save()
    client = Client()
    client.get("/admin/login/")
    client.post("/admin/login/", {"username": "officer", "password": "a long pass phrase 2026"},
                REMOTE_ADDR="127.0.0.1")
    session, csrf = client.cookies["sessionid"], client.cookies["csrftoken"]
    assert session["httponly"] and session["secure"] and session["samesite"] == "Lax"
    assert csrf["httponly"] and csrf["secure"]


@pytest.mark.django_db
def test_a_session_authenticated_unsafe_api_request_without_csrf_token_is_refused(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.officer)
    response = client.post("/api/v1/cases/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.django_db
def test_a_token_authenticated_api_request_needs_no_csrf_token(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key_for(cast.officer)}")
    response = client.post("/api/v1/cases/", {}, content_type="application/json")
    assert response.status_code == 400  # validation, not CSRF: a token cannot be ridden by a browser


@pytest.mark.django_db
def test_uploaded_files_are_not_served_under_the_media_url(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "a.txt").write_text("secret")
    assert Client().get(f"/{settings.MEDIA_URL}evidence/a.txt").status_code == 404
    assert not str(tmp_path).startswith(str(settings.STATIC_ROOT))
