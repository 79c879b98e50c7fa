"""Abuse limits: an oversized body gets 413; anonymous public endpoints are throttled per address."""

from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db
def test_a_request_body_over_the_limit_gets_413_before_it_is_read(settings: Any) -> None:
    settings.REQUEST_MAX_BYTES = 1000
    response = Client().post("/api/v1/cases/", "x" * 1001, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.django_db
def test_a_request_body_at_the_limit_is_let_through(settings: Any) -> None:
    settings.REQUEST_MAX_BYTES = 1000
    response = Client().post("/api/v1/cases/", "x" * 1000, content_type="application/json")
    assert response.status_code == 401  # reached the API, which wants a token


@pytest.mark.django_db
def test_the_anonymous_public_list_is_throttled_per_address(settings: Any) -> None:
    settings.PUBLIC_API_RATE = "3/minute"
    client = Client()
    statuses = [client.get("/api/v1/public/listings/", REMOTE_ADDR="203.0.113.7").status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/v1/public/exits/", REMOTE_ADDR="203.0.113.8").status_code == 200
