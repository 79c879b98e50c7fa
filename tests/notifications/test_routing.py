"""Routing follows ownership: who hears which step, on which channels."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework import services
from casework.models import User
from notifications.choices import Audience
from notifications.models import Delivery, Message, Preference
from tests.conftest import Cast
from workflows.guards import RuleRefused
from workflows.models import Deadline
from workflows.sweep import sweep


def recipients(message: Message) -> set[tuple[str, str]]:
    return {(d.recipient.username, d.channel) for d in message.deliveries.select_related("recipient")}


def messages_of(event: str) -> dict[str, Message]:
    return {m.audience: m for m in Message.objects.filter(event=event)}


def test_owner_department_hears_a_new_case_and_nobody_else(cast: Cast) -> None:
    cast.open_case()
    assert list(Message.objects.values_list("event", "audience")) == [("case.created", Audience.OWNER)]
    message = Message.objects.get()
    assert recipients(message) == {("officer", "inapp"), ("reviewer", "inapp")}
    assert message.department == cast.owner and not message.legal


def test_subject_is_told_of_the_notice_with_its_statement_deadline_and_rule(cast: Cast) -> None:
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    by_audience = messages_of("case.notify")
    assert set(by_audience) == {Audience.OWNER, Audience.SUBJECT}
    notice = by_audience[Audience.SUBJECT]
    assert notice.legal and recipients(notice) == {("subject", "inapp")}
    window = Deadline.objects.get(case=case, step="statement_window")
    assert notice.context["deadline"]["due_on"] == window.due_on.isoformat()
    assert notice.context["deadline"]["source"] == window.policy.source
    assert notice.context["link"] == f"http://127.0.0.1:8000/cases/{case.pk}/"


def test_other_department_and_other_subject_hear_nothing_of_the_case(cast: Cast) -> None:
    cast.listed_case()
    users = set(Delivery.objects.values_list("recipient__username", flat=True))
    assert users == {"officer", "reviewer", "subject", "joint_officer"}


def test_joint_department_gets_the_pushed_measure_with_its_acknowledge_deadline(cast: Cast) -> None:
    case = cast.listed_case()
    pushed = messages_of("measuretask.created")
    assert set(pushed) == {Audience.OWNER, Audience.JOINT}
    joint = pushed[Audience.JOINT]
    assert recipients(joint) == {("joint_officer", "inapp")} and joint.department == cast.joint
    assert joint.context["deadline"]["step"] == "measure_acknowledge"
    assert joint.context["details"]["measure"] == cast.measure.title
    assert joint.case == case


def test_joint_department_gets_the_termination_request_on_exit(cast: Cast) -> None:
    case = cast.listed_case()
    services.advance(case, "exit", cast.reviewer, {"reason": "revoked", "grounds": "复核撤销"})
    requests = messages_of("measuretask.request_termination")
    assert set(requests) == {Audience.OWNER, Audience.JOINT}
    assert recipients(requests[Audience.JOINT]) == {("joint_officer", "inapp")}
    assert recipients(messages_of("case.exit")[Audience.SUBJECT]) == {("subject", "inapp")}


def test_talk_notice_reaches_subject_and_the_co_organiser(cast: Cast) -> None:
    case = cast.listed_case()
    talk = services.require_talk(case, cast.officer, "prompt", "整改逾期")
    services.advance(talk, "schedule", cast.officer, {
        "scheduled_for": (timezone.now() + timedelta(days=14)).isoformat(), "place": "302 会议室",
        "co_organiser": "fgw",
    })
    notices = messages_of("talk.schedule")
    assert set(notices) == {Audience.OWNER, Audience.SUBJECT, Audience.CO_ORGANISER}
    assert recipients(notices[Audience.CO_ORGANISER]) == {("ndrc_officer", "inapp")}
    rule = notices[Audience.SUBJECT].context["details"]["notice_rule"]
    assert rule["length"] >= 3 and rule["source"]


def test_escalations_reach_officers_then_the_head_then_the_leadership_office(cast: Cast) -> None:
    head = User.objects.create_user("head", password="x", role="reviewer", department=cast.owner,
                                    is_department_head=True)
    case = cast.listed_case()
    services.file_objection(case, cast.subject_user, "处罚依据适用错误")  # the owner must accept in 2 WD
    sweep(now=timezone.now() + timedelta(days=60))
    # A sweep writes one digest per rung and department: the joint department's overdue
    # measure clock escalates to its own officers, apart from the owner's objection clock.
    by_department: dict[tuple[int | None, str, str], set[tuple[str, str]]] = {}
    for m in Message.objects.filter(event__startswith="escalation."):
        by_department.setdefault((m.department_id, m.event, m.audience), set()).update(recipients(m))
    owner = {(event, audience): to for (department, event, audience), to in by_department.items()
             if department in (cast.owner.pk, None) or audience == Audience.LEADERSHIP}
    assert owner == {
        ("escalation.warning", Audience.RESPONSIBLE): {("officer", "inapp"), ("reviewer", "inapp")},
        ("escalation.breach", Audience.RESPONSIBLE): {("officer", "inapp"), ("reviewer", "inapp")},
        ("escalation.breach", Audience.HEAD): {(head.username, "inapp")},
        ("escalation.leadership", Audience.LEADERSHIP): {("leader", "inapp")},
    }
    joint = {(event, audience): to for (department, event, audience), to in by_department.items()
             if department == cast.joint.pk and audience == Audience.RESPONSIBLE}
    assert joint == {
        ("escalation.warning", Audience.RESPONSIBLE): {("joint_officer", "inapp")},
        ("escalation.breach", Audience.RESPONSIBLE): {("joint_officer", "inapp")},
    }


def test_muted_optional_channel_is_skipped_for_a_step_notice(cast: Cast) -> None:
    User.objects.filter(pk=cast.officer.pk).update(email="officer@example.org")
    Preference.objects.create(user=cast.officer, muted_channels=["email"], phone="13800000001")
    cast.open_case()
    assert recipients(Message.objects.get()) == {
        ("officer", "inapp"), ("officer", "sms"), ("reviewer", "inapp"),
    }


def test_legal_notice_to_the_subject_ignores_muted_channels(cast: Cast) -> None:
    User.objects.filter(pk=cast.subject_user.pk).update(email="subject@example.org")
    Preference.objects.create(user=cast.subject_user, muted_channels=["email", "sms"], phone="13800000002")
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    notice = messages_of("case.notify")[Audience.SUBJECT]
    assert recipients(notice) == {("subject", "inapp"), ("subject", "email"), ("subject", "sms")}


def test_refused_transition_writes_no_message(cast: Cast) -> None:
    case = cast.open_case()
    before = list(Message.objects.values_list("pk", flat=True))
    with pytest.raises(RuleRefused):
        services.advance(case, "determine", cast.reviewer)
    assert list(Message.objects.values_list("pk", flat=True)) == before
    assert Delivery.objects.filter(message__event="case.determine").count() == 0
