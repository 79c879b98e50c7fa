"""The leadership office's escalation notes (督办意见): its one write (DESIGN.md §1, issue 5 item 5).

Only the leadership office writes them; each is audited on the case's chain and
the owner department hears of it. Every refusal names its rule and writes nothing.
"""

import pytest

from casework import audit, services
from casework.choices import Role
from casework.models import AuditEvent, Case, EscalationNote, User
from casework.models.oversight import ESCALATION_NOTE_MAX
from notifications.choices import Audience
from notifications.models import Delivery, Message
from notifications.texts import render
from tests.casework.refusals import refused
from tests.conftest import Cast
from workflows.models import Deadline

NOTE = "该案整改已逾期，请于五个工作日内报告办理情况。"


def deliveries_of(message: Message) -> set[tuple[str, str]]:
    return set(message.deliveries.values_list("recipient__username", "channel"))


def open_clock(case: Case) -> Deadline:
    return Deadline.objects.get(case=case, step="measure_acknowledge")


def test_leadership_note_is_saved_with_its_office_and_audited_on_the_case_chain(cast: Cast) -> None:
    case = cast.listed_case()
    version = case.version
    note = services.add_escalation_note(case, cast.leadership_user, f"  {NOTE}  ")
    assert (note.case, note.author, note.department, note.text, note.deadline_id) == (
        case, cast.leadership_user, cast.leadership, NOTE, None)
    event = AuditEvent.objects.filter(case=case).order_by("-seq").first()
    assert event is not None
    assert (event.action, event.object_type, event.object_id, event.actor, event.actor_department) == (
        "escalation_note", "escalationnote", note.pk, cast.leadership_user, cast.leadership)
    assert event.payload == {"text": NOTE, "deadline_id": None}
    assert dict(audit.verify_chains(only_chain=f"case:{case.pk}")) == {f"case:{case.pk}": None}
    case.refresh_from_db()
    assert case.version == version  # a note chases the case; it does not change it


def test_owner_department_officers_and_head_hear_the_note_and_nobody_else(cast: Cast) -> None:
    head = User.objects.create_user("head", password="x", role=Role.REVIEWER, department=cast.owner,
                                    is_department_head=True, email="head@example.org")
    case = cast.listed_case()
    before = set(Message.objects.values_list("pk", flat=True))
    services.add_escalation_note(case, cast.leadership_user, NOTE)
    written = Message.objects.exclude(pk__in=before)
    assert list(written.values_list("event", "audience", "template")) == [
        ("escalationnote.escalation_note", Audience.OWNER, "escalation_note")]
    message = written.get()
    assert message.case == case and message.department == cast.owner and not message.legal
    assert deliveries_of(message) == {("officer", "inapp"), ("reviewer", "inapp"), (head.username, "inapp"),
                                      (head.username, "email")}
    assert set(Delivery.objects.filter(message=message).values_list("recipient__department", flat=True)) == {
        cast.owner.pk}


def test_the_notice_quotes_the_note_and_the_deadline_it_chases_in_both_languages(cast: Cast) -> None:
    case = cast.listed_case()
    clock = open_clock(case)
    note = services.add_escalation_note(case, cast.leadership_user, NOTE, deadline_id=clock.pk)
    assert note.deadline_id == clock.pk
    context = Message.objects.get(event="escalationnote.escalation_note").context
    assert context["details"]["text"] == NOTE
    assert context["details"]["department"] == cast.leadership.name
    assert context["deadline"]["step"] == "measure_acknowledge"
    chinese, english = render("escalation_note", context, "zh-hans"), render("escalation_note", context, "en")
    assert chinese.title == f"【{case.number}】{cast.leadership.name}督办意见"
    assert NOTE in chinese.body and clock.due_on.isoformat() in chinese.body
    assert english.title == f"[{case.number}] Supervision note (督办意见) from {cast.leadership.name}"
    assert NOTE in english.body and clock.due_on.isoformat() in english.body


@pytest.mark.parametrize("role", ["officer", "reviewer", "other_officer", "other_reviewer", "joint_officer",
                                  "ndrc_officer", "system", "subject_user", "other_subject_user"])
def test_every_role_but_the_leadership_office_is_refused(role: str, cast: Cast) -> None:
    case = cast.listed_case()
    with refused("leadership_only", case):
        services.add_escalation_note(case, getattr(cast, role), NOTE)
    assert not EscalationNote.objects.exists()


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_a_note_without_text_is_refused(text: str, cast: Cast) -> None:
    case = cast.listed_case()
    with refused("note_text_required", case):
        services.add_escalation_note(case, cast.leadership_user, text)


def test_a_note_longer_than_its_limit_is_refused(cast: Cast) -> None:
    case = cast.listed_case()
    with refused("note_text_too_long", case):
        services.add_escalation_note(case, cast.leadership_user, "督" * (ESCALATION_NOTE_MAX + 1))


def test_a_deadline_of_another_case_is_refused(cast: Cast) -> None:
    case, other_case = cast.listed_case(), cast.listed_case(subject=cast.other_subject)
    with refused("deadline_not_of_case", case, other_case):
        services.add_escalation_note(case, cast.leadership_user, NOTE, deadline_id=open_clock(other_case).pk)


def test_a_closed_or_unknown_deadline_is_refused(cast: Cast) -> None:
    case = cast.listed_case()
    met = Deadline.objects.get(case=case, step="statement_window")
    assert not met.is_open()
    for deadline_id in (met.pk, 999_999):
        with refused("deadline_not_of_case", case):
            services.add_escalation_note(case, cast.leadership_user, NOTE, deadline_id=deadline_id)
