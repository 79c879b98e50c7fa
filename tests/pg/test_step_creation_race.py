"""Creating a step checks its rules under the case lock, as a transition does."""

import pytest
from django.utils import timezone

from casework import services
from casework.exceptions import NotAvailable
from casework.models import AuditEvent, Case, RepairApplication
from tests.conftest import Cast
from tests.pg.concurrency import run_together
from workflows.choices import ExitCondition
from workflows.guards import RuleRefused
from workflows.models import Deadline, Policy

CREATIONS = 30


@pytest.mark.django_db(transaction=True)
def test_parallel_repair_applications_create_exactly_one_open_application(cast: Cast) -> None:
    case = cast.listed_case()
    Case.objects.filter(pk=case.pk).update(publication_min_until=timezone.localdate())

    def apply(_index: int) -> object:
        return services.apply_repair(Case.objects.get(pk=case.pk), cast.subject_user,
                                     {"commitment_letter": True})

    outcomes = run_together(CREATIONS, apply)

    created = [o for o in outcomes if isinstance(o, RepairApplication)]
    refused = [o for o in outcomes if isinstance(o, RuleRefused)]
    assert len(created) == 1 and len(refused) == CREATIONS - 1, outcomes
    assert {refusal.code for refusal in refused} == {"repair_already_open"}
    assert RepairApplication.objects.filter(case=case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_no_step_is_created_on_a_case_after_a_concurrent_exit(cast: Cast) -> None:
    case = cast.listed_case()
    Case.objects.filter(pk=case.pk).update(listed_until="2000-01-01")  # the maximum period passed
    # A rectification ordered first would hold the exit by its condition (that rule has its own
    # tests, tests/pg/test_sweep_exit_condition.py); here the exit must be free to win the race.
    Policy.objects.filter(exit_condition=ExitCondition.RECTIFICATION_DONE).update(exit_condition=ExitCondition.NONE)

    def race(index: int) -> object:
        own = Case.objects.get(pk=case.pk)
        if index == 0:
            return services.advance(own, "exit", cast.reviewer, {"reason": "expired"})
        if index % 2:
            return services.file_objection(own, cast.subject_user, "记录有误")
        return services.order_rectification(own, cast.officer, "提交整改报告")

    outcomes = run_together(CREATIONS, race)

    assert not [o for o in outcomes if isinstance(o, BaseException)
                and not isinstance(o, RuleRefused | NotAvailable)], outcomes
    case.refresh_from_db()
    assert case.state == "exited"
    exit_seq = AuditEvent.objects.get(case=case, action="exit").seq
    created_after = AuditEvent.objects.filter(case=case, action="created", seq__gt=exit_seq,
                                              object_type__in=["objection", "rectification"])
    assert not created_after.exists()
    # (the termination clocks of the measures are opened by the exit itself)
    assert not Deadline.objects.open().filter(
        case=case, target_type__model__in=["objection", "rectification"]).exists()
