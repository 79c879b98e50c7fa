"""A JSON body out of range, nested too deep or too large is refused at the door: 4xx, never 5xx."""

import time
from typing import Any

import pytest

from tests.api.conftest import client_for
from tests.api.test_bad_input import nothing_written
from tests.conftest import Cast


def post_raw(cast: Cast, body: str, path: str = "/api/v1/cases/") -> Any:
    client = client_for(cast.officer, HTTP_ACCEPT_LANGUAGE="en")
    return client.post(path, body, content_type="application/json")


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"])
def test_a_number_out_of_range_is_400_malformed_naming_it(cast: Cast, number: str) -> None:
    with nothing_written():
        response = post_raw(cast, f'{{"subject": {number}, "list_type": "serious"}}')
    assert (response.status_code, response.json()["code"]) == (400, "malformed")
    assert number.lstrip("-") in response.json()["detail"]


def test_an_integer_beyond_any_id_is_400_invalid_naming_the_field(cast: Cast) -> None:
    with nothing_written():
        response = post_raw(cast, f'{{"subject": {"9" * 400}, "list_type": "serious"}}')
    assert response.status_code == 400
    assert "subject" in response.json()["errors"]


@pytest.mark.parametrize("depth", [900, 5_000, 100_000])
def test_a_body_nested_deeper_than_the_limit_is_400_saying_so(cast: Cast, depth: int) -> None:
    started = time.monotonic()
    with nothing_written():
        response = post_raw(cast, '{"facts": ' + "[" * depth + "]" * depth + "}")
    assert (response.status_code, response.json()["code"]) == (400, "malformed")
    assert response.json()["detail"] == "The JSON body nests deeper than 32 levels."
    assert time.monotonic() - started < 2


def test_brackets_inside_strings_are_text_not_nesting(cast: Cast) -> None:
    facts = "[{" * 1000 + '\\"' + "]}" * 1000
    response = post_raw(cast, f'{{"subject": {cast.subject.pk}, "list_type": "serious", '
                              f'"dishonesty_class": "serious", "legal_bases": [{cast.basis.pk}], '
                              f'"facts": "{facts}"}}')
    assert response.status_code == 201


def test_a_body_over_the_parser_limit_is_413(cast: Cast, settings: Any) -> None:
    settings.API_JSON_MAX_BYTES = 1000
    with nothing_written():
        response = post_raw(cast, '{"facts": "' + "x" * 1000 + '"}')
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
