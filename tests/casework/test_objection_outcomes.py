"""Objections beyond correct / revoke: every outcome's effect on the case and its notice to the
subject, the re-review (复核) of a dismissal with its own clocks, the kinds of objection, the
subject's withdrawal, and the record withdrawn when its penalty was revoked (《行政处罚法》第四十八条)."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from casework import services
from casework.exceptions import NotAvailable, PayloadInvalid
from casework.models import Case, Objection
from casework.public import public_exits, public_listings
from notifications.models import Message
from notifications.notices import OBJECTION_RESULT
from notifications.texts import render
from tests.casework.refusals import build, nothing_written, refused, second_reviewer
from tests.conftest import Cast
from workflows.calendar import add_working_days
from workflows.choices import DeadlineState, PauseReason, Step
from workflows.models import Deadline
from workflows.services import Context

DISMISSAL = {"reason": "事实清楚，依据充分"}


def under_review(cast: Cast, kind: str = "determination", case: Case | None = None) -> Objection:
    objection = services.file_objection(case or cast.listed_case(), cast.subject_user, "认定事实有误", kind)
    services.advance(objection, "accept", cast.officer)
    return objection


def clock(objection: Objection, step: str) -> Deadline:
    return Deadline.objects.of_target(objection).get(step=step)


def subject_notice(objection: Objection, transition: str) -> str:
    """The zh-Hans notice the subject received for this transition of the objection."""
    message = Message.objects.get(event=f"objection.{transition}", audience=OBJECTION_RESULT.audience,
                                  context__object_id=objection.pk)
    text = render(message.template, message.context, "zh-hans")
    return f"{text.title}\n{text.body}"


def fresh(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


# --- outcomes and their effects on the case


def test_stop_publication_takes_the_record_off_the_public_pages_and_keeps_it_listed(cast: Cast) -> None:
    objection = under_review(cast)
    services.advance(objection, "uphold", cast.reviewer,
                     {"outcome": "stop_publication", "reason": "公示内容涉及个人隐私"})
    case = fresh(objection.case)
    assert (fresh(objection).state, objection.outcome) == ("upheld", "stop_publication")
    assert (case.state, case.published) == ("listed", False)
    assert not public_listings().filter(pk=case.pk).exists()
    assert case.measuretasks.filter(state="pushed").exists()  # the listing and its measures go on
    notice = subject_notice(objection, "uphold")
    assert "撤销公示" in notice and "公示内容涉及个人隐私" in notice


def test_stop_publication_is_refused_for_a_record_no_longer_on_the_public_pages(cast: Cast) -> None:
    """Upholding with 撤销公示 a record whose publication already stopped would record nothing."""
    case = cast.listed_case()
    services.advance(case, "stop_publication", cast.reviewer, {"grounds": "公示内容涉及个人隐私"})
    objection = under_review(cast, case=fresh(case))
    with refused("no_publication_to_stop", objection, fresh(case)):
        services.advance(objection, "uphold", cast.reviewer,
                         {"outcome": "stop_publication", "reason": "公示内容有误"})
    services.advance(fresh(objection), "dismiss", cast.reviewer, DISMISSAL)  # another outcome is taken
    assert fresh(objection).state == "dismissed"


def test_partly_upheld_corrects_the_record_in_part_and_rederives_its_clock(cast: Cast) -> None:
    objection = under_review(cast)
    case = objection.case
    corrected_end = case.listed_from + timedelta(days=400)
    services.advance(objection, "uphold_in_part", cast.reviewer, {
        "outcome": "correct_in_part", "upheld_part": "公示期限计算有误",
        "reason": "失信事实清楚，维持认定", "correction": {"listed_until": corrected_end.isoformat()},
    })
    objection, case = fresh(objection), fresh(case)
    assert (objection.state, objection.outcome, objection.upheld_part) == (
        "partly_upheld", "correct_in_part", "公示期限计算有误")
    assert (case.state, case.listed_until) == ("listed", corrected_end)
    assert case.facts == "拒不履行法院判决确定的义务"
    assert Deadline.objects.of_target(case).get(step=Step.PUBLICATION_MAX).due_on == corrected_end
    notice = subject_notice(objection, "uphold_in_part")
    assert "部分成立" in notice and "公示期限计算有误" in notice and "维持认定" in notice


def test_maintained_with_the_label_cleared_exits_the_case_and_keeps_its_facts(cast: Cast) -> None:
    objection = under_review(cast)
    services.advance(objection, "uphold_in_part", cast.reviewer, {
        "outcome": "clear_label", "upheld_part": "不符合严重失信主体名单认定标准",
        "reason": "行政处罚信息属实，予以维持",
    })
    case = fresh(objection.case)
    assert (case.state, case.exit_reason, case.published) == ("exited", "label_cleared", False)
    assert case.facts == "拒不履行法院判决确定的义务"
    assert set(case.measuretasks.values_list("state", flat=True)) == {"terminating"}
    assert not public_exits().filter(pk=case.pk).exists()  # no exit notice of a list it should not be on
    notice = subject_notice(objection, "uphold_in_part")
    assert "移出相关失信名单" in notice and "不再标注为失信主体" in notice


def test_revoke_on_an_upheld_objection_still_exits_the_case_as_revoked(cast: Cast) -> None:
    objection = under_review(cast)
    services.advance(objection, "uphold", cast.reviewer, {"outcome": "revoke", "reason": "认定主体错误"})
    case = fresh(objection.case)
    assert (case.state, case.exit_reason) == ("exited", "revoked")
    assert "失信认定已撤销" in subject_notice(objection, "uphold")


def test_dismissal_maintains_the_record_and_clears_the_objection_label(cast: Cast) -> None:
    objection = under_review(cast)
    case = objection.case
    assert public_listings().get(pk=case.pk).objection_open
    services.advance(objection, "dismiss", cast.reviewer, DISMISSAL)
    assert (fresh(objection).state, objection.outcome) == ("dismissed", "maintain")
    assert not public_listings().get(pk=case.pk).objection_open
    assert fresh(case).version == case.version  # the case itself is not touched
    notice = subject_notice(objection, "dismiss")
    assert "维持原记录" in notice and "申请复核" in notice


# --- the re-review (复核) and its clocks


def test_the_re_review_window_runs_from_service_of_the_dismissal_for_its_policy_rows_length(
    cast: Cast,
) -> None:
    objection = under_review(cast)
    services.advance(objection, "dismiss", cast.reviewer, DISMISSAL)
    window = clock(objection, Step.OBJECTION_RE_REVIEW_REQUEST)
    assert (window.state, window.pause_reason, window.party) == (
        DeadlineState.PAUSED, PauseReason.AWAITING_SERVICE, "subject")
    cast.served(objection)
    window.refresh_from_db()
    today = timezone.localdate()
    policy = Context(objection.case).policy(Step.OBJECTION_RE_REVIEW_REQUEST, today)
    assert "复核" in policy.source and policy.confidence in ("C", "D")
    assert window.due_on == add_working_days(today, policy.length)


def test_a_re_review_opens_its_own_clock_and_reopens_the_objection(cast: Cast) -> None:
    objection = under_review(cast)
    services.advance(objection, "dismiss", cast.reviewer, DISMISSAL)
    services.advance(objection, "request_re_review", cast.subject_user, {"grounds": "罚款金额认定有误"})
    objection = fresh(objection)
    today = timezone.localdate()
    policy = Context(objection.case).policy(Step.OBJECTION_RE_REVIEW, today)
    decide = clock(objection, Step.OBJECTION_RE_REVIEW)
    assert (objection.state, objection.re_review_grounds) == ("re_review", "罚款金额认定有误")
    assert (decide.state, decide.due_on, decide.party) == (
        DeadlineState.RUNNING, add_working_days(today, policy.length), "department")
    assert clock(objection, Step.OBJECTION_RE_REVIEW_REQUEST).state == DeadlineState.MET
    assert objection.case.has_open_objection() and public_listings().get(pk=objection.case_id).objection_open
    assert str(decide.due_on) in subject_notice(objection, "request_re_review")


def test_a_re_review_is_decided_by_a_reviewer_who_did_not_dismiss(cast: Cast) -> None:
    objection = build(cast, "objection/re_review")
    with refused("re_review_by_another_reviewer", objection):
        services.advance(objection, "confirm_dismissal", cast.reviewer, {"reason": "维持"})
    services.advance(objection, "confirm_dismissal", second_reviewer(cast), {"reason": "原处理决定正确"})
    objection = fresh(objection)
    assert (objection.state, objection.outcome) == ("confirmed", "maintain")
    assert clock(objection, Step.OBJECTION_RE_REVIEW).state == DeadlineState.MET
    assert "最终处理结果" in subject_notice(objection, "confirm_dismissal")
    with refused("transition_not_available", objection, exception=NotAvailable):
        services.advance(objection, "request_re_review", cast.subject_user, {"grounds": "再次复核"})


def test_a_re_review_can_uphold_and_its_outcome_runs_on_the_case(cast: Cast) -> None:
    objection = build(cast, "objection/re_review")
    services.advance(objection, "uphold", second_reviewer(cast),
                     {"outcome": "revoke", "reason": "复核认定有误"})
    case = fresh(objection.case)
    assert (fresh(objection).state, case.state, case.exit_reason) == ("upheld", "exited", "revoked")
    assert subject_notice(objection, "uphold").count("经复核") == 1


def test_a_re_review_is_refused_once_its_window_has_ended(cast: Cast) -> None:
    objection = build(cast, "objection/dismissed")
    cast.served(objection)
    Deadline.objects.of_target(objection).filter(step=Step.OBJECTION_RE_REVIEW_REQUEST).update(
        due_on=timezone.localdate() - timedelta(days=1))
    with refused("re_review_window_closed", objection):
        services.advance(objection, "request_re_review", cast.subject_user, {"grounds": "逾期申请"})


# --- testing, appraisal or expert review suspends the review (河南 Art 41)


def test_expert_review_is_offered_only_when_it_can_be_taken(cast: Cast) -> None:
    """A running review offers suspension and not resumption; a suspended one the reverse."""
    objection = under_review(cast)
    offered = services.available_transitions(objection, cast.officer)
    assert ("suspend_review" in offered, "resume_review" in offered) == (True, False)
    services.advance(objection, "suspend_review", cast.officer)
    offered = services.available_transitions(fresh(objection), cast.officer)
    assert ("suspend_review" in offered, "resume_review" in offered) == (False, True)
    services.advance(objection, "resume_review", cast.officer)
    offered = services.available_transitions(fresh(objection), cast.officer)
    assert ("suspend_review" in offered, "resume_review" in offered) == (True, False)


def test_a_running_review_is_not_resumed(cast: Cast) -> None:
    objection = under_review(cast)
    with refused("review_not_suspended", objection):
        services.advance(objection, "resume_review", cast.officer)


def test_a_suspended_review_is_not_suspended_again(cast: Cast) -> None:
    objection = under_review(cast)
    services.advance(objection, "suspend_review", cast.officer)
    objection = fresh(objection)
    with refused("review_already_suspended", objection):
        services.advance(objection, "suspend_review", cast.officer)
    assert clock(objection, Step.OBJECTION_DECIDE).pause_reason == PauseReason.EXPERT_REVIEW


@pytest.mark.parametrize(("transition", "payload"), [
    ("uphold", {"outcome": "stop_publication", "reason": "公示内容有误"}),
    ("uphold_in_part", {"outcome": "clear_label", "upheld_part": "不符合严重失信主体名单认定标准",
                        "reason": "行政处罚信息属实，予以维持"}),
    ("dismiss", DISMISSAL),
])
def test_a_suspended_review_is_decided_only_after_it_is_resumed(
    cast: Cast, transition: str, payload: dict[str, Any]
) -> None:
    """While testing or expert review runs the objection waits for its result: no decision."""
    objection = under_review(cast)
    services.advance(objection, "suspend_review", cast.officer)
    objection = fresh(objection)
    assert transition not in services.available_transitions(objection, cast.reviewer)
    with refused("review_suspended", objection, objection.case):
        services.advance(objection, transition, cast.reviewer, payload)
    assert clock(objection, Step.OBJECTION_DECIDE).pause_reason == PauseReason.EXPERT_REVIEW
    services.advance(objection, "resume_review", cast.officer)
    services.advance(fresh(objection), transition, cast.reviewer, payload)
    assert fresh(objection).state != "under_review"
    assert clock(objection, Step.OBJECTION_DECIDE).state == DeadlineState.MET


# --- the subject withdraws its objection


def test_a_withdrawn_objection_cancels_its_clocks_and_leaves_the_record_as_it_was(cast: Cast) -> None:
    objection = under_review(cast)
    case_version = objection.case.version
    services.advance(objection, "withdraw", cast.subject_user, {"reason": "已与认定部门沟通"})
    objection = fresh(objection)
    assert (objection.state, objection.withdrawal_reason) == ("withdrawn", "已与认定部门沟通")
    assert clock(objection, Step.OBJECTION_DECIDE).state == DeadlineState.CANCELLED
    assert not objection.case.has_open_objection()
    assert fresh(objection.case).version == case_version
    assert "撤回异议申请" in subject_notice(objection, "withdraw")


def test_an_objection_is_withdrawn_only_by_the_subject(cast: Cast) -> None:
    objection = build(cast, "objection/filed")
    with refused("own_subject", objection):
        services.advance(objection, "withdraw", cast.officer)


# --- 《行政处罚法》第四十八条第二款: the penalty was revoked, the record is withdrawn


def test_a_revoked_penalty_opens_the_three_working_day_withdrawal_clock_of_its_policy_row(
    cast: Cast,
) -> None:
    objection = services.file_objection(cast.listed_case(), cast.subject_user,
                                        "处罚决定已被行政复议撤销", "penalty_revoked")
    today = timezone.localdate()
    policy = Context(objection.case).policy(Step.RECORD_WITHDRAWAL, today)
    assert policy.length == 3 and policy.clock == "working_days"
    assert "第四十八条第二款" in policy.source and "第八十五条" in policy.source
    assert "主席令第七十号" in policy.source and policy.effective_from.isoformat() == "2021-07-15"
    withdrawal = clock(objection, Step.RECORD_WITHDRAWAL)
    assert (withdrawal.due_on, withdrawal.party) == (add_working_days(today, 3), "department")
    assert not Deadline.objects.of_target(objection).filter(step=Step.OBJECTION_ACCEPT).exists()
    with refused("penalty_revoked_is_withdrawn", objection):
        services.advance(objection, "accept", cast.officer)


def test_withdrawing_the_record_exits_the_case_and_publishes_the_reasons(cast: Cast) -> None:
    objection = build(cast, "objection/filed+penalty_revoked")
    services.advance(objection, "withdraw_record", cast.reviewer, {
        "revoking_decision": "鞍政复决字〔2026〕12号行政复议决定书", "reason": "原行政处罚决定已被撤销",
    })
    objection, case = fresh(objection), fresh(objection.case)
    assert (objection.state, objection.outcome) == ("upheld", "withdraw_record")
    assert (case.state, case.exit_reason, case.published) == ("exited", "revoked", False)
    assert clock(objection, Step.RECORD_WITHDRAWAL).state == DeadlineState.MET
    notice = subject_notice(objection, "withdraw_record")
    assert "第四十八条第二款" in notice and "鞍政复决字〔2026〕12号" in notice


def test_withdrawing_the_record_needs_an_objection_that_the_penalty_was_revoked(cast: Cast) -> None:
    objection = build(cast, "objection/filed")
    with refused("not_a_revoked_penalty", objection):
        services.advance(objection, "withdraw_record", cast.reviewer,
                         {"revoking_decision": "某决定书", "reason": "理由"})


# --- kinds of objection and the outcomes each allows


def test_an_objection_to_a_repair_result_needs_a_denied_or_rejected_repair(cast: Cast) -> None:
    case = cast.listed_case()
    with refused("no_repair_result", case):
        services.file_objection(case, cast.subject_user, "修复申请被错误驳回", "repair_result")


def test_an_upheld_objection_to_a_repair_result_stops_the_publication(cast: Cast) -> None:
    repair = build(cast, "repair/under_review")
    services.advance(repair, "deny", cast.reviewer, {"reason": "材料不全"})
    objection = under_review(cast, "repair_result", case=repair.case)
    with nothing_written(objection), pytest.raises(PayloadInvalid) as caught:
        services.advance(objection, "uphold", cast.reviewer, {
            "outcome": "correct", "reason": "修复材料齐全", "correction": {"facts": "已修复"}})
    assert list(caught.value.errors) == ["outcome"]
    services.advance(objection, "uphold", cast.reviewer,
                     {"outcome": "stop_publication", "reason": "修复材料齐全"})
    assert fresh(repair.case).published is False


def test_an_objection_to_the_publication_period_corrects_its_end(cast: Cast) -> None:
    objection = under_review(cast, "publication_period")
    corrected_end = objection.case.listed_from + timedelta(days=365)
    services.advance(objection, "uphold", cast.reviewer, {
        "outcome": "correct", "reason": "公示期限应为一年",
        "correction": {"listed_until": corrected_end.isoformat()}})
    assert fresh(objection).kind == "publication_period"
    assert fresh(objection.case).listed_until == corrected_end


@pytest.mark.parametrize(("name", "data", "field"), [
    ("uphold", {"outcome": "correct", "reason": "有误"}, "correction"),
    ("uphold", {"outcome": "revoke", "reason": "有误", "correction": {"facts": "新事实"}}, "correction"),
    ("uphold", {"outcome": "clear_label", "reason": "有误"}, "outcome"),
    ("uphold_in_part", {"outcome": "revoke", "upheld_part": "部分", "reason": "有误"}, "outcome"),
    ("uphold_in_part", {"outcome": "clear_label", "reason": "有误"}, "upheld_part"),
])
def test_a_decision_with_a_wrong_field_names_it_and_writes_nothing(
    cast: Cast, name: str, data: dict[str, Any], field: str
) -> None:
    objection = under_review(cast)
    with nothing_written(objection, objection.case), pytest.raises(PayloadInvalid) as caught:
        services.advance(objection, name, cast.reviewer, data)
    assert list(caught.value.errors) == [field]
