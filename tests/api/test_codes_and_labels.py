"""Clients branch on codes, people read labels: codes never change with Accept-Language."""

from typing import Any

import pytest
import time_machine
from django.utils import timezone

from casework.models import Subject
from tests.api.conftest import client_for
from tests.api.world import World, build_world
from tests.conftest import Cast

WORDS = ("label", "_label", "_labels", "detail")


def codes_only(data: Any) -> Any:
    """The answer without its translated words (labels and messages)."""
    if isinstance(data, dict):
        return {key: codes_only(value) for key, value in data.items() if not key.endswith(WORDS)}
    if isinstance(data, list):
        return [codes_only(item) for item in data]
    return data


def paths(world: World) -> list[str]:
    case = world.objects[("case", "A")]
    steps = [world.path(resource, "A") for resource in ("objection", "rectification", "talk", "repair")]
    return ["departments/", "legal-bases/", "measures/", "subjects/", "cases/", f"cases/{case.pk}/?explain=1",
            *[f"{step}/?explain=1" for step in steps], "objections/", "talks/", f"cases/{case.pk}/evidence/",
            "credit-check/91110108551385082Q/", "public/listings/", "public/exits/"]


def test_codes_are_the_same_in_every_language_and_labels_follow_it(cast: Cast) -> None:
    world = build_world(cast)
    english = client_for(cast.officer, HTTP_ACCEPT_LANGUAGE="en")
    chinese = client_for(cast.officer, HTTP_ACCEPT_LANGUAGE="zh-hans")
    for path in paths(world):
        with time_machine.travel(timezone.now(), tick=False):  # the credit check's checked_at
            in_english, in_chinese = english.get(f"/api/v1/{path}"), chinese.get(f"/api/v1/{path}")
        assert in_english.status_code == in_chinese.status_code == 200, path
        assert codes_only(in_english.json()) == codes_only(in_chinese.json()), path
    case = world.objects[("case", "A")]
    en, zh = english.get(f"/api/v1/cases/{case.pk}/").json(), chinese.get(f"/api/v1/cases/{case.pk}/").json()
    assert (en["state"], en["list_type"]) == (zh["state"], zh["list_type"]) == ("listed", "serious")
    assert en["state_label"] == "Listed" and en["state_label"] != zh["state_label"]
    assert en["list_type_label"] != zh["list_type_label"]


@pytest.mark.parametrize("field", ["state", "list_type", "dishonesty_class", "exit_reason"])
def test_every_enumerated_case_field_has_its_label_beside_it(cast: Cast, field: str) -> None:
    case = cast.listed_case()
    body = client_for(cast.officer, HTTP_ACCEPT_LANGUAGE="en").get(f"/api/v1/cases/{case.pk}/").json()
    assert f"{field}_label" in body


def test_the_credit_check_gives_objection_pending_as_a_code_and_a_label(cast: Cast) -> None:
    case = cast.listed_case()
    client_for(cast.subject_user).post(f"/api/v1/cases/{case.pk}/objections/", {"grounds": "理由"},
                                       format="json")
    for language in ("en", "zh-hans"):
        body = client_for(cast.officer, HTTP_ACCEPT_LANGUAGE=language).get(
            f"/api/v1/credit-check/{cast.subject.identifier}/").json()
        assert body["objection_pending"] is True and body["list_types"] == ["serious"]
        assert body["entries"][0]["objection_pending"] is True and body["entries"][0]["label"]


@pytest.mark.parametrize(("name", "masked"), [("张某", "张*"), ("欧阳某某", "欧*"), ("李", "李*")])
def test_a_natural_persons_masked_name_hides_its_length(cast: Cast, name: str, masked: str) -> None:
    Subject.objects.filter(pk=cast.other_subject.pk).update(name=name)
    cast.listed_case(subject=cast.other_subject)
    rows = client_for(None).get("/api/v1/public/listings/").json()["results"]
    assert [row["subject_name"] for row in rows] == [masked]
