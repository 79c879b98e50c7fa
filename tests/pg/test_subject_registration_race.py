"""The same new identifier registered by 30 clients at once: one 201, 29 × 409, never a 500."""

from collections import Counter
from typing import Any

import pytest
from rest_framework.test import APIClient

from casework.models import Subject
from tests.api.conftest import key_for
from tests.conftest import Cast
from tests.pg.concurrency import run_together

CLIENTS = 30
NEW_USCC = "91210300MA0D000170"


@pytest.mark.django_db(transaction=True)
def test_racing_registrations_of_one_identifier_create_one_subject_and_answer_409(cast: Cast) -> None:
    key = key_for(cast.officer)

    def register(index: int) -> Any:
        client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.post("/api/v1/subjects/", {"kind": "enterprise", "name": f"某公司{index}",
                                                     "identifier": NEW_USCC}, format="json")
        return response.status_code, response.json().get("code")

    outcomes = run_together(CLIENTS, register)

    assert Counter(outcomes) == {(201, None): 1, (409, "subject_exists"): CLIENTS - 1}, outcomes
    assert Subject.objects.filter(identifier=NEW_USCC).count() == 1
