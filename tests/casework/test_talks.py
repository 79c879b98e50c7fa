"""Talks (约谈, 鞍政办发〔2020〕18号 item 10): 市发展改革委 co-organises every talk (会同),
and a serious-list subject is called to a warning talk (警示约谈)."""

import pytest

from casework import services
from casework.exceptions import PayloadInvalid
from casework.models import Talk
from tests.casework.refusals import build, nothing_written, talk_notice_date
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
