"""Rule layers of the SLA policies: national defaults, the 辽宁 layer, a department's own code."""

import pytest
from django.test import override_settings
from django.utils import timezone

from casework import services
from casework.models import Case
from tests.conftest import Cast
from workflows.choices import Step
from workflows.models import Deadline, Policy
from workflows.services import Context

OBJECTION_STEPS = (Step.OBJECTION_ACCEPT, Step.OBJECTION_DECIDE)


def objection_clock(cast: Cast, step: str) -> Deadline:
    case = cast.listed_case()
    objection = services.file_objection(case, cast.subject_user, "处罚决定已被撤销")
    if step == Step.OBJECTION_DECIDE:
        services.advance(objection, "accept", cast.officer)
    return Deadline.objects.get(target_id=objection.pk, step=step, closed_at__isnull=True)


@pytest.mark.django_db
def test_objection_limits_borrowed_from_other_provinces_are_graded_defaults_not_national_law() -> None:
    national = Policy.objects.filter(step__in=OBJECTION_STEPS, jurisdiction="")
    assert national.count() == 2
    for row in national:
        assert row.confidence == "C", row.source
        assert row.layer == "national"
        assert "并非国家规定" in row.source


@pytest.mark.parametrize("step", OBJECTION_STEPS)
def test_objection_clock_runs_under_the_liaoning_row_that_says_its_text_was_not_obtained(
    cast: Cast, step: str
) -> None:
    deadline = objection_clock(cast, step)
    assert deadline.policy.jurisdiction == "辽宁" and deadline.policy.layer == "province"
    assert "《辽宁省社会信用条例》" in deadline.policy.source
    assert "未取得条文原文" in deadline.policy.source
    assert deadline.policy.confidence == "D"


@override_settings(CASEWORK_PROVINCE="")
def test_without_a_provincial_layer_the_national_default_applies(cast: Cast) -> None:
    deadline = objection_clock(cast, Step.OBJECTION_ACCEPT)
    assert deadline.policy.jurisdiction == "" and deadline.policy.confidence == "C"


def test_a_department_code_overrides_the_province(cast: Cast) -> None:
    province = Policy.objects.get(step=Step.OBJECTION_ACCEPT, jurisdiction="辽宁")
    local = Policy.objects.create(**{
        **{field.name: getattr(province, field.name) for field in Policy._meta.concrete_fields
           if field.name != "id"},
        "jurisdiction": "anshan-test", "length": 1, "source": "测试：本地规则", "confidence": "C",
    })
    cast.owner.jurisdiction = "anshan-test"
    cast.owner.save()
    deadline = objection_clock(cast, Step.OBJECTION_ACCEPT)
    assert deadline.policy == local and local.layer == "local"


def exited_case(cast: Cast) -> Case:
    case = cast.listed_case()
    services.advance(case, "exit", cast.reviewer, {"reason": "revoked", "grounds": "认定依据不足"})
    case.refresh_from_db()
    return case


def test_the_window_after_exit_under_the_liaoning_layer_is_its_row_that_says_it_was_not_verified(
    cast: Cast,
) -> None:
    case = exited_case(cast)
    row = Context(case).policy(Step.OBJECTION_AFTER_EXIT, timezone.localdate(case.closed_at))
    national = Policy.objects.get(step=Step.OBJECTION_AFTER_EXIT, jurisdiction="")
    assert (row.jurisdiction, row.layer, row.confidence) == ("辽宁", "province", "C")
    assert "《辽宁省社会信用条例》" in row.source and "未核实" in row.source
    # Until the text is read, the provincial window is the national default's, with its grounds.
    assert (row.clock, row.length, row.rolls_forward) == (national.clock, national.length,
                                                          national.rolls_forward)
    assert national.source in row.source


@override_settings(CASEWORK_PROVINCE="")
def test_without_a_provincial_layer_the_window_after_exit_is_the_national_default(cast: Cast) -> None:
    case = exited_case(cast)
    row = Context(case).policy(Step.OBJECTION_AFTER_EXIT, timezone.localdate(case.closed_at))
    assert (row.jurisdiction, row.layer, row.confidence) == ("", "national", "C")
