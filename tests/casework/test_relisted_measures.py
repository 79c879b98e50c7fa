"""A relisted record's measures (撤销修复 → relist): the measures the repair's exit ended are pushed
again through the measure-task machine (``reinstate``: terminating | terminated → pushed, a new
acknowledgement clock, audited, the joint department told and shown it in its inbox); a
measure the owner department ended by itself before the exit stays ended. The relisted maximum
publication period keeps the end a correction set."""

import re
from datetime import timedelta

from django.utils import timezone

from casework import services
from casework.audit import verify_chains
from casework.inbox import department_inbox
from casework.models import AuditEvent, Case, CreditIndexEntry, MeasureTask, RepairApplication
from notifications.models import Message
from notifications.texts import render
from tests.casework.refusals import build, refused, serve_minimum_publication
from tests.conftest import Cast
from workflows.choices import DeadlineState, Step
from workflows.models import Deadline

FALSE_MATERIAL = {"false_material": "整改凭证系伪造（银行回单编号不存在）",
                  "decision": "经核查，申请人提交虚假整改材料取得修复，依法撤销修复决定"}


def repaired(cast: Cast, case: Case) -> RepairApplication:
    """``case`` repaired: applied, accepted and approved (the case exits, its measures end)."""
    serve_minimum_publication(case)
    repair = services.apply_repair(case, cast.subject_user, {"commitment_letter": True})
    services.advance(repair, "accept", cast.officer)
    services.advance(repair, "approve", cast.reviewer)
    repair.refresh_from_db()
    return repair


def task_of(case: Case) -> MeasureTask:
    return MeasureTask.objects.get(case=case)


def clocks(task: MeasureTask) -> list[tuple[str, str]]:
    return list(Deadline.objects.of_target(task).order_by("pk").values_list("step", "state"))


def test_relisting_pushes_again_a_measure_whose_termination_is_still_unconfirmed(cast: Cast) -> None:
    case = cast.listed_case()
    repair = repaired(cast, case)
    task = task_of(case)
    assert (task.state, task.ended_by_exit) == ("terminating", True)

    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)

    task.refresh_from_db()
    assert (task.state, task.ended_by_exit, task.termination_reason) == ("pushed", False, "")
    assert task.reinstated_at is not None and "整改凭证系伪造" in task.reinstatement_reason
    # The termination no longer asked for is cancelled; the acknowledgement clock runs again.
    assert clocks(task)[-2:] == [(Step.MEASURE_TERMINATE, DeadlineState.CANCELLED),
                                 (Step.MEASURE_ACKNOWLEDGE, DeadlineState.RUNNING)]


def test_relisting_pushes_again_a_terminated_measure_with_a_new_feedback_clock(cast: Cast) -> None:
    case = cast.listed_case()
    repair = repaired(cast, case)
    task = task_of(case)
    services.advance(task, "confirm", cast.joint_officer)
    task.refresh_from_db()
    assert task.state == "terminated" and task.terminated_at is not None

    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)

    task.refresh_from_db()
    assert (task.state, task.terminated_at, task.acknowledged_at) == ("pushed", None, None)
    acknowledge = Deadline.objects.of_target(task).open().get()
    assert (acknowledge.step, acknowledge.department_id) == (Step.MEASURE_ACKNOWLEDGE, cast.joint.pk)
    assert acknowledge.started_on == timezone.localdate()


def test_the_push_again_is_audited_after_the_relisting_and_the_chain_holds(cast: Cast) -> None:
    case = cast.listed_case()
    repair = repaired(cast, case)
    task = task_of(case)
    services.advance(task, "confirm", cast.joint_officer)
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)
    actions = list(AuditEvent.objects.filter(case_id=case.pk).order_by("pk")
                   .values_list("action", flat=True))
    assert actions.index("revoke") < actions.index("relist") < actions.index("reinstate")
    event = AuditEvent.objects.get(action="reinstate", case_id=case.pk)
    assert (event.from_state, event.to_state, event.actor_id) == ("terminated", "pushed", cast.reviewer.pk)
    assert event.changes["ended_by_exit"] == [True, False]
    assert "reinstated_at" in event.changes and "terminated_at" in event.changes
    assert all(broken is None for _chain, broken in verify_chains())


def test_the_joint_department_is_told_in_chinese_and_sees_the_task_in_its_inbox(cast: Cast) -> None:
    case = cast.listed_case()
    repair = repaired(cast, case)
    task = task_of(case)
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)

    message = Message.objects.get(case=case, template="measure_reinstated")
    assert (message.audience, message.department_id) == ("joint", cast.joint.pk)
    text = render(message.template, message.context, "zh-hans")
    assert cast.measure.title in text.title and "重新实施" in text.body
    assert "整改凭证系伪造" in text.body and "前签收" in text.body
    assert not re.search(r"[A-Za-z]{3,}", text.body.split("本部门的惩戒任务")[0])  # no English
    inbox = list(department_inbox(cast.joint.pk))
    assert [(row.target_id, row.step) for row in inbox] == [(task.pk, Step.MEASURE_ACKNOWLEDGE)]
    task.refresh_from_db()
    assert services.available_transitions(task, cast.joint_officer) == ["acknowledge"]


def test_the_pushed_again_measure_is_acknowledged_reported_and_shown_in_the_credit_check(
    cast: Cast,
) -> None:
    case = cast.listed_case()
    repair = repaired(cast, case)
    task = task_of(case)
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)
    entry = CreditIndexEntry.objects.get(case_id=case.pk)
    assert [(row["code"], row["state"]) for row in entry.measures] == [(cast.measure.code, "pushed")]

    services.advance(task, "acknowledge", cast.joint_officer)
    services.advance(task, "report", cast.joint_officer, {"report": "已重新限制投标资格"})
    task.refresh_from_db()
    assert (task.state, task.report_text) == ("implemented", "已重新限制投标资格")
    assert Deadline.objects.of_target(task).open().count() == 0


def test_a_measure_ended_by_hand_before_the_exit_is_not_pushed_again(cast: Cast) -> None:
    case = cast.listed_case()
    task = task_of(case)
    services.advance(task, "request_termination", cast.officer, {"reason": "该措施不再适用于本案"})
    services.advance(task, "confirm", cast.joint_officer)
    task.refresh_from_db()
    assert task.ended_by_exit is False
    repair = repaired(cast, case)

    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)

    task.refresh_from_db()
    assert (task.state, task.reinstated_at) == ("terminated", None)
    assert not Message.objects.filter(case=case, template="measure_reinstated").exists()
    assert not AuditEvent.objects.filter(case_id=case.pk, action="reinstate").exists()


def test_a_measure_taken_out_of_the_catalogue_is_not_pushed_again(cast: Cast) -> None:
    case = cast.listed_case()
    repair = repaired(cast, case)
    type(cast.measure).objects.filter(pk=cast.measure.pk).update(active=False)
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)
    task = task_of(case)
    assert (task.state, task.ended_by_exit) == ("terminating", True)
    with refused("measure_inactive", task):
        services.advance(task, "reinstate", cast.reviewer, {"reason": "重新推送"})


def test_a_measure_ended_on_a_listed_case_is_not_pushed_again_by_hand(cast: Cast) -> None:
    task = build(cast, "measuretask/terminated")
    with refused("measure_not_ended_by_exit", task):
        services.advance(task, "reinstate", cast.reviewer, {"reason": "重新推送"})


def test_a_measure_of_a_case_still_exited_is_not_pushed_again(cast: Cast) -> None:
    case = cast.listed_case()
    repaired(cast, case)
    task = task_of(case)
    with refused("case_not_listed", task):
        services.advance(task, "reinstate", cast.reviewer, {"reason": "重新推送"})


def test_the_joint_department_cannot_push_a_measure_again(cast: Cast) -> None:
    case = cast.listed_case()
    repaired(cast, case)
    task = task_of(case)
    with refused("reviewer_role", task):
        services.advance(task, "reinstate", cast.joint_officer, {"reason": "重新推送"})


# --- the corrected end of listing survives the relisting ---------------------------------------


def test_the_relisted_maximum_keeps_the_end_a_correction_set(cast: Cast) -> None:
    case = cast.listed_case()
    derived = case.listed_until
    assert derived is not None
    corrected = derived - timedelta(days=100)
    services.advance(case, "correct", cast.reviewer, {"listed_until": corrected.isoformat()})
    before = Deadline.objects.open().get(case=case, step=Step.PUBLICATION_MAX)
    assert (before.due_fixed_on, before.due_on) == (corrected, corrected)
    repair = repaired(cast, case)

    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)

    case.refresh_from_db()
    clock = Deadline.objects.open().get(case=case, step=Step.PUBLICATION_MAX)
    assert (clock.due_fixed_on, clock.due_on, case.listed_until) == (corrected, corrected, corrected)
    assert clock.pk != before.pk and clock.started_on == case.listed_from
    opened = clock.events.get(kind="opened")
    assert opened.detail["resumes"] == before.pk
    assert opened.detail["due_fixed_on"] == corrected.isoformat()
    relisted = AuditEvent.objects.get(action="relist", case_id=case.pk)
    assert "listed_until" not in relisted.changes  # nothing moved the corrected end


def test_without_a_correction_the_relisted_maximum_is_derived_again(cast: Cast) -> None:
    case = cast.listed_case()
    derived = case.listed_until
    repair = repaired(cast, case)
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)
    case.refresh_from_db()
    clock = Deadline.objects.open().get(case=case, step=Step.PUBLICATION_MAX)
    assert (clock.due_fixed_on, clock.due_on, case.listed_until) == (None, derived, derived)


def test_the_relisted_maximum_keeps_the_end_an_upheld_objection_set(cast: Cast) -> None:
    """An objection to the publication period, upheld with a corrected end: relisting keeps it."""
    case = cast.listed_case()
    assert case.listed_from is not None
    corrected = case.listed_from + timedelta(days=365)
    objection = services.file_objection(case, cast.subject_user, "公示期限过长", "publication_period")
    services.advance(objection, "accept", cast.officer)
    services.advance(objection, "uphold", cast.reviewer, {
        "outcome": "correct", "reason": "公示期限应为一年",
        "correction": {"listed_until": corrected.isoformat()}})
    case.refresh_from_db()
    assert case.listed_until == corrected
    repair = repaired(cast, case)

    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)

    case.refresh_from_db()
    clock = Deadline.objects.open().get(case=case, step=Step.PUBLICATION_MAX)
    assert (clock.due_on, case.listed_until, case.state) == (corrected, corrected, "listed")
