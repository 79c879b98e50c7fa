"""送达: how and when each document was served, and the periods that run from service."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from casework import services
from casework.exceptions import NotAvailable
from casework.models import Case
from documents.choices import DocumentKind
from documents.models import Document
from documents.services import open_document, serve
from notifications.models import Message
from tests.casework.refusals import refused
from tests.conftest import Cast
from workflows.calendar import add_working_days
from workflows.choices import DeadlineState, Step
from workflows.models import Deadline


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def window(case: Case) -> Deadline:
    return Deadline.objects.get(case=case, step=Step.STATEMENT_WINDOW)


def notice_of(case: Case) -> Document:
    return Document.objects.get(case=case, kind=DocumentKind.CREDIT_NOTICE)


def test_a_notice_served_three_days_after_issue_counts_its_window_from_the_day_after_service(
    cast: Cast,
) -> None:
    issued_on, served_on = date(2026, 11, 2), date(2026, 11, 5)  # Monday, Thursday
    with time_machine.travel(at(issued_on), tick=False):
        case = cast.open_case()
        services.advance(case, "notify", cast.officer)
    with time_machine.travel(at(date(2026, 11, 6)), tick=False):
        serve(notice_of(case).service_act, cast.officer,
              {"method": "post", "served_on": served_on.isoformat(), "note": "EMS 回执 1190"})
    case.refresh_from_db()
    clock = window(case)
    # Five working days after Thursday 5 November: Fri 6, Mon 9 … Thu 12 (the 5th is not counted).
    assert case.statement_due_on == clock.due_on == date(2026, 11, 12)
    assert clock.due_on == add_working_days(served_on, 5) != add_working_days(issued_on, 5)
    assert (clock.started_on, clock.state) == (served_on, DeadlineState.RUNNING)
    act = notice_of(case).service_act
    assert (act.state, act.method, act.served_on, act.note) == ("served", "post", served_on, "EMS 回执 1190")


def test_until_served_the_window_waits_and_the_decision_is_refused(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 11, 2)), tick=False):
        case = cast.open_case()
        services.advance(case, "notify", cast.officer)
    with time_machine.travel(at(date(2026, 12, 1)), tick=False):
        clock = window(case)
        assert (clock.state, clock.pause_reason, clock.next_fire_at) == ("paused", "awaiting_service", None)
        assert Deadline.objects.overdue(timezone.now()).filter(pk=clock.pk).count() == 0
        with refused("statement_window_open", case):
            services.advance(Case.objects.get(pk=case.pk), "determine", cast.reviewer)


def test_the_subject_opening_the_notice_in_the_portal_is_the_read_receipt(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 11, 3)), tick=False):
        case = cast.open_case()
        services.advance(case, "notify", cast.officer)
        opened = open_document(notice_of(case), cast.subject_user)
        again = open_document(notice_of(case), cast.subject_user)
    assert (opened.service_act.method, opened.service_act.served_on) == ("portal", date(2026, 11, 3))
    assert again.service_act.version == opened.service_act.version  # served once
    assert Case.objects.get(pk=case.pk).statement_due_on == add_working_days(date(2026, 11, 3), 5)


def test_a_rectification_period_runs_from_service_of_its_order(cast: Cast) -> None:
    case = cast.listed_case()
    rectification = services.order_rectification(case, cast.officer, "补缴欠款", period_working_days=10)
    order = Document.objects.get(case=case, kind=DocumentKind.RECTIFICATION_NOTICE)
    assert order.service_act.target == rectification
    assert type(rectification).objects.get(pk=rectification.pk).due_on is None
    open_document(order, cast.subject_user)
    assert type(rectification).objects.get(pk=rectification.pk).due_on == add_working_days(
        timezone.localdate(), 10
    )


@pytest.mark.parametrize(("actor", "data", "code"), [
    ("subject_user", {"method": "post", "served_on": "2026-11-03"}, "service_method"),
    ("officer", {"method": "portal"}, "service_method"),
    ("officer", {"method": "post", "served_on": "2026-11-01"}, "service_date_invalid"),
    ("officer", {"method": "in_person", "served_on": "2026-11-20"}, "service_date_invalid"),
    ("officer", {"method": "in_person"}, "service_date_invalid"),
    ("other_officer", {"method": "in_person", "served_on": "2026-11-03"}, "owner_department"),
    ("other_subject_user", {"method": "portal"}, "officer_role"),
])
def test_a_service_is_recorded_only_by_its_rightful_actor_with_a_possible_date(
    cast: Cast, actor: str, data: dict[str, str], code: str,
) -> None:
    with time_machine.travel(at(date(2026, 11, 2)), tick=False):
        case = cast.open_case()
        services.advance(case, "notify", cast.officer)
    with time_machine.travel(at(date(2026, 11, 4)), tick=False):
        act = notice_of(case).service_act
        with refused(code, act):
            serve(act, getattr(cast, actor), data)


def test_an_act_is_served_once(cast: Cast) -> None:
    case = cast.listed_case()
    act = Document.objects.get(case=case, kind=DocumentKind.DETERMINATION).service_act
    serve(act, cast.officer, {"method": "in_person", "served_on": timezone.localdate().isoformat()})
    with pytest.raises(NotAvailable):
        serve(type(act).objects.get(pk=act.pk), cast.officer,
              {"method": "in_person", "served_on": timezone.localdate().isoformat()})


def test_the_subject_notice_links_to_each_document_it_announces(cast: Cast) -> None:
    case = cast.listed_case()
    told = Message.objects.get(event="case.determine", audience="subject")
    decision = Document.objects.get(case=case, kind=DocumentKind.DETERMINATION)
    repair = Document.objects.get(case=case, kind=DocumentKind.REPAIR_NOTICE)
    assert told.context["documents"] == [
        {"title": doc.title, "number": doc.number,
         "link": f"http://127.0.0.1:8000/documents/{doc.pk}/"}
        for doc in (decision, repair)
    ]
