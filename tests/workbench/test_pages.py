"""The workbench pages through the Django test client: who lands where, who sees what."""

from typing import Any

import pytest
from django.test import Client

from casework.models import Case
from tests.conftest import Cast


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in_in_chinese() -> None:
    response = Client().get("/", follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_sign_in_page_speaks_english_after_the_switch() -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign in" in client.get("/accounts/login/").content.decode()


def test_each_role_lands_on_its_home(cast: Cast) -> None:
    homes = {cast.officer: "/inbox/", cast.reviewer: "/inbox/", cast.joint_officer: "/tasks/",
             cast.ndrc_officer: "/talks/", cast.leadership_user: "/oversight/", cast.subject_user: "/portal/"}
    assert {user.username: client_for(user).get("/")["Location"] for user in homes} == {
        user.username: home for user, home in homes.items()}


def test_another_departments_officer_gets_404_and_no_row(cast: Cast) -> None:
    case = cast.notified_case()
    other = client_for(cast.other_officer)
    assert other.get(f"/cases/{case.pk}/").status_code == 404
    assert other.get(f"/cases/{case.pk}/case/{case.pk}/determine/").status_code == 404
    assert case.number not in other.get("/cases/").content.decode()
    assert case.number not in other.get("/inbox/").content.decode()
    assert case.number in client_for(cast.officer).get("/cases/").content.decode()


def test_owner_officer_sees_the_case_page_with_its_clock_and_rule(cast: Cast) -> None:
    case = cast.open_case()
    page = client_for(cast.officer).get(f"/cases/{case.pk}/").content.decode()
    assert case.number in page and 'data-wb-transition="notify"' in page


def test_bad_value_shows_next_to_its_field_and_writes_nothing(cast: Cast) -> None:
    before = Case.objects.count()
    response = client_for(cast.officer).post("/cases/new/", {
        "subject": cast.subject.pk, "list_type": "serious", "dishonesty_class": "no-such-class",
        "legal_bases": [cast.basis.pk], "facts": "x"})
    page = response.content.decode()
    assert response.status_code == 422
    assert 'data-wb-field="dishonesty_class"' in page and 'id="id_dishonesty_class_error"' in page
    assert Case.objects.count() == before


def test_a_guards_refusal_is_shown_in_words_and_writes_nothing(cast: Cast) -> None:
    case = cast.notified_case()
    response = client_for(cast.officer).post(f"/cases/{case.pk}/case/{case.pk}/determine/", {})
    page = response.content.decode()
    assert response.status_code == 422 and "data-wb-non-field-errors" in page
    assert Case.objects.get(pk=case.pk).state == "notified"


@pytest.mark.django_db
def test_a_message_to_a_joint_department_or_a_co_organiser_links_to_a_page_its_recipient_opens(
        cast: Cast) -> None:
    """谁认定: neither may open the case page (404), so their messages link to their own pages."""
    from datetime import timedelta

    from django.utils import timezone

    from casework import services
    from notifications.choices import Audience
    from notifications.delivery import deliver_messages
    from notifications.models import Message

    case = cast.listed_case()
    talk = services.require_talk(case, cast.officer, "prompt", "整改逾期")
    services.advance(talk, "schedule", cast.officer, {
        "scheduled_for": (timezone.now() + timedelta(days=14)).isoformat(), "place": "302 会议室",
        "co_organiser": "fgw"})
    pushed = Message.objects.get(event="measuretask.created", audience=Audience.JOINT)
    scheduled = Message.objects.get(event="talk.schedule", audience=Audience.CO_ORGANISER)
    owner = Message.objects.get(event="talk.schedule", audience=Audience.OWNER)
    deliver_messages([pushed.pk, scheduled.pk, owner.pk])  # the texts are written at delivery
    for message, user, page in ((pushed, cast.joint_officer, "/tasks/"),
                                (scheduled, cast.ndrc_officer, "/talks/"),
                                (owner, cast.officer, f"/cases/{case.pk}/")):
        link = message.context["link"]
        assert link == f"http://127.0.0.1:8000{page}", (message.event, message.audience, link)
        assert client_for(user).get(page).status_code == 200, page
        assert page in message.deliveries.get(recipient=user).body
    assert client_for(cast.joint_officer).get(f"/cases/{case.pk}/").status_code == 404
    assert client_for(cast.ndrc_officer).get(f"/cases/{case.pk}/").status_code == 404


def test_case_timeline_names_steps_states_and_fields_in_chinese(cast: Cast) -> None:
    """The timeline is read by Chinese staff: no audit codes (determine, state, True) on the page."""
    case = cast.listed_case()
    page = client_for(cast.officer).get(f"/cases/{case.pk}/").content.decode()
    timeline = page[page.index("data-wb-timeline"):]
    assert "认定并列入名单: 已告知（陈述申辩） → 已列入名单" in timeline
    assert f"认定人: – → {cast.reviewer.username}" in timeline
    assert "案件 #" in timeline
    for code in ("determine:", "state:", "published:", "False", "True", "case #"):
        assert code not in timeline, code


def test_a_step_summary_shows_a_time_in_local_time_not_utc() -> None:
    """A talk's time on the case page (步骤 › 详情) reads as the city's clock, minutes only."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from workbench.templatetags.workbench import step_summary

    talk = SimpleNamespace(scheduled_for=datetime(2026, 11, 9, 1, 30, tzinfo=UTC), place="约谈室")
    assert str(step_summary(talk)) == "2026-11-09 09:30 · 约谈室"


def test_owner_notice_names_the_step_done_in_chinese(cast: Cast) -> None:
    """The owner department's message says what was done in words (告知信用主体), not the code."""
    from notifications.models import Message
    from notifications.texts import render

    case = cast.notified_case()
    bodies = [render(message.template, message.context, "zh-hans").body
              for message in Message.objects.filter(case=case, template="owner_step")]
    assert bodies
    assert any("已办理“告知信用主体”" in body for body in bodies), bodies
    assert not any("“notify”" in body or "“created”" in body for body in bodies), bodies


def test_joint_departments_tasks_show_each_tasks_deadline_and_its_sla(cast: Cast) -> None:
    """The joint department's home says by when each measure must be acknowledged, and how late."""
    from django.utils import timezone

    from casework.models import MeasureTask
    from workflows.models import Deadline

    case = cast.listed_case()
    task = MeasureTask.objects.get(case=case)
    clock = Deadline.objects.get(target_id=task.pk, target_type__model="measuretask", closed_at__isnull=True)
    page = client_for(cast.joint_officer).get("/tasks/").content.decode()
    row = page[page.index(f'data-wb-task="{task.pk}"'):]
    row = row[:row.index("</tr>")]
    assert timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M") in row
    assert "wb-sla--on_time" in row and "按时" in row


def test_the_menu_shows_the_username_as_typed_with_the_department(cast: Cast) -> None:
    page = client_for(cast.officer).get("/inbox/").content.decode()
    menu = page[page.index("data-wb-menu-user"):]
    assert menu[menu.index(">") + 1:].startswith(cast.officer.username)
    assert cast.officer.username.title() not in page
    assert cast.owner.name in menu[:300]


def test_the_supervision_menu_is_translated_both_ways(cast: Cast) -> None:
    """督办意见 in the Chinese menu, "Supervision notes (督办意见)" in the English one (it stayed Chinese)."""
    from django.utils import translation

    client = client_for(cast.officer)
    # The pages activate the request's language in this thread: restore it afterwards.
    with translation.override(translation.get_language()):
        assert ">督办意见<" in client.get("/inbox/").content.decode().replace("\n", "").replace("  ", "")
        client.post("/i18n/setlang/", {"language": "en", "next": "/inbox/"})
        assert "Supervision notes (督办意见)" in client.get("/inbox/").content.decode()
