"""Talks (约谈, 鞍政办发〔2020〕18号 item 10): 市发展改革委 co-organises every talk (会同),
and a serious-list subject is called to a warning talk (警示约谈)."""

import pytest

from casework import services
from casework.exceptions import PayloadInvalid
from casework.models import AuditEvent, CreditIndexEntry, Talk
from tests.casework.refusals import build, nothing_written, refused, talk_notice_date
from tests.conftest import Cast


def test_a_talk_scheduled_without_the_ndrc_as_co_organiser_is_refused(cast: Cast) -> None:
    talk = build(cast, "talk/required")
    data = {"scheduled_for": talk_notice_date(), "place": "市市场监管局 302 会议室"}
    with nothing_written(talk), pytest.raises(PayloadInvalid) as caught:
        services.advance(talk, "schedule", cast.officer, data)
    assert "co_organiser" in caught.value.errors
    assert (talk.state, talk.co_organiser) == ("required", None)


def test_a_talk_scheduled_with_the_ndrc_names_it_co_organiser(cast: Cast) -> None:
    talk = build(cast, "talk/required")
    services.advance(talk, "schedule", cast.officer, {
        "scheduled_for": talk_notice_date(), "place": "302 会议室", "co_organiser": "fgw"})
    talk = Talk.objects.get(pk=talk.pk)
    assert (talk.state, talk.co_organiser.code if talk.co_organiser else None) == ("scheduled", "fgw")


def test_a_serious_list_subject_is_called_to_a_warning_talk(cast: Cast) -> None:
    serious = cast.listed_case()
    assert serious.list_type == "serious"
    assert services.require_talk(serious, cast.officer, "prompt").kind == "warning"


def test_a_focus_list_subject_is_called_to_the_talk_asked_for(cast: Cast) -> None:
    focus = cast.listed_case(list_type="focus", dishonesty_class="general")
    assert services.require_talk(focus, cast.officer, "prompt").kind == "prompt"


# --- 发改委 confirms its attendance, a fruitless prompt talk, a missed warning talk ----------


def focus_talk(cast: Cast, *steps: str) -> Talk:
    """A prompt talk on a focus-list case (a serious-list subject would get a warning talk)."""
    from datetime import timedelta

    from django.utils import timezone

    talk = services.require_talk(cast.listed_case(list_type="focus", dishonesty_class="general"),
                                 cast.officer, "prompt")
    for name in steps:
        if name == "schedule":
            services.advance(talk, "schedule", cast.officer,
                             {"scheduled_for": talk_notice_date(), "co_organiser": "fgw"})
            Talk.objects.filter(pk=talk.pk).update(scheduled_for=timezone.now() - timedelta(minutes=1))
        else:
            services.advance(talk, name, cast.officer)
    talk.refresh_from_db()
    return talk


def test_the_ndrc_confirms_its_attendance_of_a_talk_it_co_organises(cast: Cast) -> None:
    talk = build(cast, "talk/scheduled")
    services.advance(talk, "confirm_attendance", cast.ndrc_officer, {"attendee": "信用科 王科长"})
    talk = Talk.objects.get(pk=talk.pk)
    assert talk.state == "scheduled" and talk.co_organiser_confirmed_at is not None
    assert talk.co_organiser_attendee == "信用科 王科长"
    assert AuditEvent.objects.filter(action="confirm_attendance", case_id=talk.case_id).exists()


def test_only_the_co_organiser_confirms_attendance(cast: Cast) -> None:
    talk = build(cast, "talk/scheduled")
    for actor in (cast.officer, cast.joint_officer):
        with refused("not_co_organiser", talk):
            services.advance(talk, "confirm_attendance", actor, {"attendee": "某人"})


def test_a_fruitless_prompt_talk_calls_the_subject_to_a_warning_talk(cast: Cast) -> None:
    talk = focus_talk(cast, "schedule")
    assert talk.kind == "prompt"
    services.advance(talk, "hold", cast.officer, {"record": "企业未作整改承诺", "outcome": "fruitless"})
    talk.refresh_from_db()
    assert (talk.state, talk.outcome) == ("held", "fruitless")
    warning = Talk.objects.exclude(pk=talk.pk).get(case=talk.case)
    assert (warning.kind, warning.state, warning.organiser_id) == ("warning", "required",
                                                                   talk.organiser_id)


def test_an_effective_prompt_talk_calls_no_further_talk(cast: Cast) -> None:
    talk = focus_talk(cast, "schedule")
    services.advance(talk, "hold", cast.officer, {"record": "企业承诺十日内整改"})
    assert list(Talk.objects.filter(case=talk.case).values_list("pk", flat=True)) == [talk.pk]


def test_a_missed_warning_talk_ends_in_a_recorded_refusal_not_another_talk(cast: Cast) -> None:
    talk = build(cast, "talk/missed")
    assert talk.kind == "warning"
    with refused("warning_talk_missed", talk):
        services.advance(talk, "escalate", cast.officer)
    services.advance(talk, "record_refusal", cast.officer, {"note": "两次书面通知，未到场亦未说明理由"})
    talk = Talk.objects.get(pk=talk.pk)
    assert talk.state == "refused" and talk.refused_at is not None
    assert not services.available_transitions(talk, cast.officer)
    assert Talk.objects.filter(case=talk.case).count() == 1


def test_a_recorded_refusal_is_reported_to_the_leadership_office(cast: Cast) -> None:
    from notifications.models import Delivery

    talk = build(cast, "talk/missed")
    services.advance(talk, "record_refusal", cast.officer, {"note": "未到场"})
    reached = Delivery.objects.filter(message__case=talk.case, message__audience="leadership",
                                      message__event__contains="record_refusal")
    assert reached.filter(recipient=cast.leadership_user).exists()


def test_a_missed_prompt_talk_is_escalated_not_refused(cast: Cast) -> None:
    talk = focus_talk(cast, "schedule", "miss")
    with refused("prompt_talk_missed", talk):
        services.advance(talk, "record_refusal", cast.officer, {"note": "未到场"})
    services.advance(talk, "escalate", cast.officer)
    talk.refresh_from_db()
    assert (talk.state, talk.kind) == ("required", "warning")


def test_held_and_refused_talks_enter_the_credit_record(cast: Cast) -> None:
    held = build(cast, "talk/held")
    entry = CreditIndexEntry.objects.get(case_id=held.case_id)
    assert [(row["kind"], row["result"]) for row in entry.talks] == [("warning", "held")]
    missed = build(cast, "talk/missed")
    assert CreditIndexEntry.objects.get(case_id=missed.case_id).talks == []
    services.advance(missed, "record_refusal", cast.officer, {"note": "未到场"})
    entry = CreditIndexEntry.objects.get(case_id=missed.case_id)
    assert [(row["kind"], row["result"]) for row in entry.talks] == [("warning", "refused")]
