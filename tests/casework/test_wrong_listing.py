"""Remedy after exit for harm from a wrong listing (鞍政办发〔2020〕18号 第十四项) and the owner
department's own record of a revoked penalty (《行政处罚法》第四十八条第二款)."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from casework import services
from casework.exceptions import PayloadInvalid
from casework.indexing import credit_check
from casework.models import Case, Objection
from casework.public import public_exits
from notifications.models import Message
from notifications.notices import OBJECTION_RESULT
from notifications.texts import render
from tests.casework.refusals import refused
from tests.conftest import Cast
from workflows.calendar import add_working_days
from workflows.choices import DeadlineState, Step
from workflows.guards import RuleRefused
from workflows.models import Deadline
from workflows.services import Context

GROUNDS = "列入名单所依据的检查记录系他人企业，错误列入造成投标资格被取消"


def exited(cast: Cast) -> Case:
    case = cast.listed_case()
    services.advance(case, "exit", cast.reviewer, {"reason": "revoked", "grounds": "认定依据不足"})
    case.refresh_from_db()
    return case


def wrong_listing_objection(cast: Cast, case: Case) -> Objection:
    return services.file_objection(case, cast.subject_user, GROUNDS, "wrongful_listing")


def test_the_wrong_listing_window_is_its_policy_rows_graded_default_counted_from_the_exit(
    cast: Cast,
) -> None:
    case = exited(cast)
    exited_on = timezone.localdate(case.closed_at)
    row = Context(case).policy(Step.OBJECTION_AFTER_EXIT, exited_on)
    assert (row.clock, row.length, row.party, row.confidence) == ("months", 24, "subject", "C")
    assert "第14项" in row.source and "国家赔偿法》第三十九条" in row.source and "默认值" in row.source
    until = case.wrong_listing_objection_until()
    assert until is not None and until >= date(exited_on.year + 2, exited_on.month, 1)
    assert (until - exited_on).days <= 2 * 366 + 7


def test_an_objection_after_exit_is_accepted_and_decided_on_the_objection_clocks(cast: Cast) -> None:
    case = exited(cast)
    objection = wrong_listing_objection(cast, case)
    accept = Deadline.objects.of_target(objection).get(step=Step.OBJECTION_ACCEPT)
    assert accept.due_on == add_working_days(timezone.localdate(), 2)
    services.advance(objection, "accept", cast.officer)
    decide = Deadline.objects.of_target(objection).get(step=Step.OBJECTION_DECIDE)
    assert decide.state == DeadlineState.RUNNING


def test_upheld_after_exit_revokes_the_record_as_wrongly_listed_and_the_credit_check_says_so(
    cast: Cast,
) -> None:
    case = exited(cast)
    objection = wrong_listing_objection(cast, case)
    services.advance(objection, "accept", cast.officer)
    services.advance(objection, "uphold", cast.reviewer,
                     {"outcome": "wrongly_listed", "reason": "检查记录所载企业并非本主体"})
    case.refresh_from_db()
    objection.refresh_from_db()
    assert (objection.state, objection.outcome) == ("upheld", "wrongly_listed")
    assert (case.state, case.exit_reason, case.published) == ("exited", "wrongly_listed", False)
    assert case.wrongly_listed_at is not None
    assert not public_exits().filter(pk=case.pk).exists()
    answer = credit_check(cast.subject.identifier, cast.officer)
    assert answer["listed"] is False
    assert answer["corrections"] == [{"case_number": case.number,
                                      "revoked_on": timezone.localdate().isoformat(),
                                      "label": "错误认定，已撤销"}]
    message = Message.objects.get(event="objection.uphold", audience=OBJECTION_RESULT.audience,
                                  context__object_id=objection.pk)
    notice = render(message.template, message.context, "zh-hans")
    assert "错误认定" in notice.body and "第十四项" in notice.body


def test_dismissed_after_exit_maintains_the_record(cast: Cast) -> None:
    case = exited(cast)
    objection = wrong_listing_objection(cast, case)
    services.advance(objection, "accept", cast.officer)
    services.advance(objection, "dismiss", cast.reviewer, {"reason": "检查记录与本主体一致"})
    case.refresh_from_db()
    assert (case.exit_reason, case.wrongly_listed_at) == ("revoked", None)
    assert credit_check(cast.subject.identifier, cast.officer)["corrections"] == []


def test_an_objection_after_exit_takes_only_the_wrongly_listed_outcome(cast: Cast) -> None:
    objection = wrong_listing_objection(cast, exited(cast))
    services.advance(objection, "accept", cast.officer)
    with pytest.raises(PayloadInvalid) as caught:
        services.advance(objection, "uphold", cast.reviewer, {"outcome": "revoke", "reason": "有误"})
    assert list(caught.value.errors) == ["outcome"]
    other = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    services.advance(other, "accept", cast.officer)
    with pytest.raises(PayloadInvalid):
        services.advance(other, "uphold", cast.reviewer, {"outcome": "wrongly_listed", "reason": "有误"})


def test_an_objection_for_a_wrong_listing_needs_an_exited_case(cast: Cast) -> None:
    case = cast.listed_case()
    with refused("case_not_exited", case):
        wrong_listing_objection(cast, case)


def test_an_objection_for_a_wrong_listing_is_refused_after_its_window_naming_the_last_day(
    cast: Cast,
) -> None:
    case = exited(cast)
    until = case.wrong_listing_objection_until()
    assert until is not None
    late = timezone.make_aware(datetime.combine(until + timedelta(days=1), time(10)))
    with time_machine.travel(late, tick=False), pytest.raises(RuleRefused) as caught:
        wrong_listing_objection(cast, case)
    assert caught.value.code == "wrong_listing_window_closed"
    assert until.isoformat() in str(caught.value)
    assert not case.objections.exists()


# --- the owner department records a revoked penalty itself


def test_a_reviewer_records_a_revoked_penalty_and_the_three_working_day_withdrawal_clock_opens(
    cast: Cast,
) -> None:
    case = cast.listed_case()
    objection = services.record_penalty_revocation(case, cast.reviewer, services.PenaltyRevocation(
        revoking_decision="鞍政复决字〔2026〕7号行政复议决定书", decided_on=timezone.localdate()))
    assert (objection.kind, objection.filed_by_id, objection.penalty_decided_on) == (
        "penalty_revoked", cast.reviewer.pk, timezone.localdate())
    withdrawal = Deadline.objects.of_target(objection).get(step=Step.RECORD_WITHDRAWAL)
    assert withdrawal.due_on == add_working_days(timezone.localdate(), 3)
    assert "第四十八条第二款" in withdrawal.policy.source
    with refused("not_own_objection", objection):
        services.advance(objection, "withdraw", cast.subject_user)
    services.advance(objection, "withdraw_record", cast.reviewer, {
        "revoking_decision": objection.revoking_decision, "reason": "原行政处罚决定已被撤销"})
    case.refresh_from_db()
    assert (case.state, case.exit_reason) == ("exited", "revoked")


def test_only_a_reviewer_of_the_owner_department_records_a_revoked_penalty(cast: Cast) -> None:
    case = cast.listed_case()
    revocation = services.PenaltyRevocation(revoking_decision="某判决书", decided_on=timezone.localdate())
    with refused("reviewer_role", case):
        services.record_penalty_revocation(case, cast.officer, revocation)
