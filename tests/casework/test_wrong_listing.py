"""Remedy after exit for harm from a wrong listing (鞍政办发〔2020〕18号 第十四项) and the owner
department's own record of a revoked penalty (《行政处罚法》第四十八条第二款)."""

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casework import services
from casework.choices import DepartmentKind, Role
from casework.exceptions import PayloadInvalid
from casework.indexing import credit_check
from casework.models import AuditEvent, Case, Department, Measure, MeasureTask, Objection, User
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


def exited(cast: Cast, case: Case | None = None) -> Case:
    case = case or cast.listed_case()
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


def test_a_second_wrong_listing_objection_is_refused_while_one_is_decided_and_allowed_after(
    cast: Cast,
) -> None:
    case = exited(cast)
    first = wrong_listing_objection(cast, case)
    with refused("wrong_listing_objection_open", case):
        wrong_listing_objection(cast, case)
    services.advance(first, "accept", cast.officer)
    with refused("wrong_listing_objection_open", case):
        wrong_listing_objection(cast, case)
    services.advance(first, "dismiss", cast.reviewer, {"reason": "检查记录与本主体一致"})
    second = wrong_listing_objection(cast, case)  # new grounds after a dismissal, within the window
    assert Objection.objects.filter(case=case, kind="wrongful_listing").count() == 2
    assert second.state == "filed"


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


# --- the joint departments that carried the record's measures are told


def upheld_wrong_listing(cast: Cast, case: Case) -> Objection:
    objection = wrong_listing_objection(cast, case)
    services.advance(objection, "accept", cast.officer)
    services.advance(objection, "uphold", cast.reviewer,
                     {"outcome": "wrongly_listed", "reason": "检查记录所载企业并非本主体"})
    return objection


def second_joint_department(cast: Cast) -> tuple[Department, User]:
    """A second joint department with a catalogue measure on the cast's legal basis."""
    tax = Department.objects.create(code="swj", name="市税务局", kind=DepartmentKind.JOINT)
    Measure.objects.create(code="limit-invoices", title="限制领用增值税专用发票",
                           legal_basis=cast.basis, department=tax)
    officer = User.objects.create_user(username="tax_officer", password="x", role=Role.JOINT,
                                       department=tax)
    return tax, officer


def test_upheld_after_exit_every_joint_department_that_had_a_measure_is_told_in_chinese(
    cast: Cast,
) -> None:
    tax, tax_officer = second_joint_department(cast)
    case = cast.listed_case()
    tasks = list(MeasureTask.objects.filter(case=case).order_by("pk"))
    assert {task.department_id for task in tasks} == {cast.joint.pk, tax.pk}
    # One department confirmed the end of its measure at the exit, the other has not yet.
    exited(cast, case)
    services.advance(MeasureTask.objects.get(case=case, department=tax), "confirm", tax_officer)
    states = dict(MeasureTask.objects.filter(case=case).values_list("department_id", "state"))
    assert states == {cast.joint.pk: "terminating", tax.pk: "terminated"}

    upheld_wrong_listing(cast, case)

    messages = Message.objects.filter(case=case, template="measure_wrongly_listed").order_by("pk")
    assert [(m.audience, m.department_id) for m in messages] == [("joint", cast.joint.pk), ("joint", tax.pk)]
    for message, task in zip(messages, tasks, strict=True):
        assert message.context["link"].endswith("/tasks/")  # the joint department's own page
        notice = render(message.template, message.context, "zh-hans")
        assert task.measure.title in notice.title and "错误认定" in notice.title
        assert task.department.name in notice.body and "消除其不良影响" in notice.body
        assert "检查记录所载企业并非本主体" in notice.body and "第十四项" in notice.body
        assert not re.search(r"[A-Za-z]{3,}", notice.body.split("本部门的惩戒任务")[0])  # no English
        assert message.deliveries.filter(recipient__department_id=task.department_id).exists()
    # Each task records it and keeps its state (a termination still asked for stays asked for).
    after = dict(MeasureTask.objects.filter(case=case).values_list("department_id", "state"))
    assert after == states
    assert not MeasureTask.objects.filter(case=case, wrong_listing_notified_at__isnull=True).exists()


def test_the_notice_to_a_joint_department_is_audited_after_the_revocation(cast: Cast) -> None:
    case = exited(cast)
    upheld_wrong_listing(cast, case)
    actions = list(AuditEvent.objects.filter(case_id=case.pk).order_by("pk")
                   .values_list("action", flat=True))
    assert actions.index("revoke_as_wrongly_listed") < actions.index("notify_wrong_listing")
    event = AuditEvent.objects.get(case_id=case.pk, action="notify_wrong_listing")
    assert (event.from_state, event.to_state, event.actor_id) == ("terminating", "terminating",
                                                                 cast.reviewer.pk)
    assert "wrong_listing_notified_at" in event.changes


def test_a_dismissed_objection_after_exit_tells_no_joint_department(cast: Cast) -> None:
    case = exited(cast)
    objection = wrong_listing_objection(cast, case)
    services.advance(objection, "accept", cast.officer)
    services.advance(objection, "dismiss", cast.reviewer, {"reason": "检查记录与本主体一致"})
    assert not Message.objects.filter(case=case, template="measure_wrongly_listed").exists()
    assert MeasureTask.objects.get(case=case).wrong_listing_notified_at is None


def test_a_joint_department_is_told_of_a_wrong_listing_only_once_and_only_when_it_was_one(
    cast: Cast,
) -> None:
    case = exited(cast)
    task = MeasureTask.objects.get(case=case)
    with refused("case_not_wrongly_listed", task):
        services.advance(task, "notify_wrong_listing", cast.reviewer, {"grounds": "有误"})
    upheld_wrong_listing(cast, case)
    task.refresh_from_db()
    with refused("wrong_listing_already_notified", task):
        services.advance(task, "notify_wrong_listing", cast.reviewer, {"grounds": "有误"})
    assert Message.objects.filter(case=case, template="measure_wrongly_listed").count() == 1


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


# --- evidence of an objection after exit


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("证据.pdf", b"%PDF-1.4\n% evidence\n", content_type="application/pdf")


def test_an_objection_after_exit_takes_its_evidence_though_the_case_has_exited(
    cast: Cast, settings: Any, tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = exited(cast)
    with refused("case_closed", case):
        services.attach_evidence(case, cast.subject_user, pdf())
    objection = wrong_listing_objection(cast, case)
    evidence = services.attach_evidence(case, cast.subject_user, pdf(), attached_to=objection)
    assert (evidence.attached_to, evidence.original_name) == (objection, "证据.pdf")
    # Once decided, the objection takes no more.
    services.advance(objection, "accept", cast.officer)
    services.advance(objection, "dismiss", cast.reviewer, {"reason": "检查记录与本主体一致"})
    objection.refresh_from_db()
    with refused("case_closed", case):
        services.attach_evidence(case, cast.subject_user, pdf(), attached_to=objection)
