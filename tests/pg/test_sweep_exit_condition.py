"""The exit at the maximum publication period waits for the exit condition of its rule.

On the real PostgreSQL: the sweep claims and runs its due actions with FOR UPDATE SKIP LOCKED.
The shipped condition (Policy.exit_condition on the publication_max rows): every ordered
rectification accepted. While it fails the case stays listed, the owner department and the
leadership office are told once, and a later sweep exits the case once it holds.
"""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from casework import services
from casework.models import AuditEvent, Case, Measure, Rectification
from notifications.models import Delivery, Message
from notifications.texts import render
from tests.conftest import Cast
from workflows.choices import DeadlineState, ExitCondition, Step, TimelineKind
from workflows.models import Deadline, Policy
from workflows.sweep import sweep

# The package's reference data (policies, calendar) is loaded for marked tests (tests/pg/conftest.py).
pytestmark = pytest.mark.django_db

LISTED_ON = date(2026, 5, 6)  # a minor record: published 3 months at most, until 2026-08-06
ENDED = date(2026, 8, 7)  # the first day after the maximum period
RECTIFICATION_WORKING_DAYS = 80  # ordered on LISTED_ON, still running when the period ends


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def sweep_at(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        sweep()


def state_of(case: Case) -> str:
    return Case.objects.get(pk=case.pk).state


def minor_case_with_rectification(cast: Cast) -> tuple[Case, Rectification]:
    Measure.objects.filter(pk=cast.measure.pk).update(list_types="serious,focus")
    with time_machine.travel(at(LISTED_ON), tick=False):
        case = cast.listed_case(dishonesty_class="minor")
        rectification = cast.served(services.order_rectification(
            case, cast.officer, "补缴欠款并提交凭证", RECTIFICATION_WORKING_DAYS))
    case.refresh_from_db()
    assert case.listed_until == date(2026, 8, 6) and rectification.due_on > ENDED
    return case, rectification


def maximum_clock(case: Case) -> Deadline:
    return Deadline.objects.get(case=case, step=Step.PUBLICATION_MAX)


def accept(cast: Cast, rectification: Rectification, moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        services.advance(rectification, "submit", cast.subject_user, {"note": "已补缴"})
        services.advance(Rectification.objects.get(pk=rectification.pk), "accept", cast.officer)


def test_the_shipped_maximum_rows_carry_the_exit_condition_with_its_source() -> None:
    rows = Policy.objects.filter(step=Step.PUBLICATION_MAX)
    assert rows.count() >= 6
    for row in rows:
        assert row.exit_condition == ExitCondition.RECTIFICATION_DONE
        assert "届满移出条件" in row.source and "鞍政办发〔2020〕18号 第10项" in row.source
    assert not Policy.objects.exclude(step=Step.PUBLICATION_MAX).exclude(
        exit_condition=ExitCondition.NONE).exists()


def test_exits_when_the_ordered_rectification_was_accepted(cast: Cast) -> None:
    case, rectification = minor_case_with_rectification(cast)
    accept(cast, rectification, at(date(2026, 8, 3)))
    sweep_at(at(ENDED))
    case.refresh_from_db()
    assert (case.state, case.exit_reason, case.published) == ("exited", "expired", False)
    clock = maximum_clock(case)
    assert clock.state == DeadlineState.MET
    assert clock.events.get(kind=TimelineKind.MET).detail["exit_condition"] == "rectification_done"
    assert not clock.events.filter(kind=TimelineKind.HELD).exists()


def test_holds_and_flags_once_while_a_rectification_is_open(cast: Cast) -> None:
    case, _rectification = minor_case_with_rectification(cast)
    sweep_at(at(ENDED))
    case.refresh_from_db()
    assert (case.state, case.published) == ("listed", True)
    clock = maximum_clock(case)
    assert clock.is_open() and clock.next_fire_at == at(ENDED) + timedelta(hours=1)
    held = clock.events.get(kind=TimelineKind.HELD)
    assert held.detail["rule"] == "exit_rectification_open"
    assert held.detail["exit_condition"] == "rectification_done"
    assert "届满移出条件" in held.detail["source"]
    assert case.audit_events.filter(action="exit_held").count() == 1
    messages = Message.objects.filter(template="exit_held", case=case)
    assert sorted(messages.values_list("audience", flat=True)) == ["leadership", "owner"]
    assert Delivery.objects.filter(message__in=messages, recipient=cast.leadership_user).exists()
    assert Delivery.objects.filter(message__in=messages, recipient=cast.officer).exists()
    text = render("exit_held", messages.get(audience="owner").context, "zh-hans")
    assert text.title.startswith("【暂不移出】") and "2026-08-06" in text.body
    assert "责令的整改均已核查通过" in text.body and "Every" not in text.body

    # Later sweeps check again and find it still held: no second flag, no second notice.
    for hours in (1, 2, 30):
        sweep_at(at(ENDED) + timedelta(hours=hours))
    clock.refresh_from_db()
    assert clock.is_open() and clock.next_fire_at == at(ENDED) + timedelta(hours=31)
    assert clock.events.filter(kind=TimelineKind.HELD).count() == 1
    assert AuditEvent.objects.filter(case=case, action="exit_held").count() == 1
    assert Message.objects.filter(template="exit_held", case=case).count() == 2
    assert state_of(case) == "listed"


def test_exits_at_a_later_sweep_once_the_condition_holds(cast: Cast) -> None:
    case, rectification = minor_case_with_rectification(cast)
    sweep_at(at(ENDED))
    assert state_of(case) == "listed"
    sweep_at(at(date(2026, 8, 10), 8))  # still held: checked again at 09:00
    assert state_of(case) == "listed"
    accept(cast, rectification, at(date(2026, 8, 10), 8, 30))
    sweep_at(at(date(2026, 8, 10), 8, 45))  # nothing due: the exit waits for its next check
    assert state_of(case) == "listed"
    sweep_at(at(date(2026, 8, 10), 9))
    case.refresh_from_db()
    assert (case.state, case.exit_reason) == ("exited", "expired")
    clock = maximum_clock(case)
    assert clock.state == DeadlineState.MET
    assert list(clock.events.filter(kind__in=[TimelineKind.HELD, TimelineKind.MET])
                .values_list("kind", flat=True)) == ["held", "met"]


def test_a_row_without_a_condition_exits_whatever_is_open(cast: Cast) -> None:
    case, _rectification = minor_case_with_rectification(cast)
    Policy.objects.filter(pk=maximum_clock(case).policy_id).update(exit_condition=ExitCondition.NONE)
    sweep_at(at(ENDED))
    case.refresh_from_db()
    assert (case.state, case.exit_reason) == ("exited", "expired")
    assert not Message.objects.filter(template="exit_held").exists()


def test_a_held_case_exited_otherwise_is_checked_no_more(cast: Cast) -> None:
    case, _rectification = minor_case_with_rectification(cast)
    sweep_at(at(ENDED))
    with time_machine.travel(at(ENDED, 11, 30), tick=False):
        services.advance(Case.objects.get(pk=case.pk), "exit", cast.reviewer,
                         {"reason": "revoked", "grounds": "行政处罚决定已被撤销"})
    clock = maximum_clock(case)
    assert clock.state == DeadlineState.CANCELLED and clock.next_fire_at is None
    sweep_at(at(ENDED) + timedelta(days=2))
    case.refresh_from_db()
    assert (case.state, case.exit_reason) == ("exited", "revoked")
    assert maximum_clock(case).events.filter(kind=TimelineKind.HELD).count() == 1
    assert Message.objects.filter(template="exit_held", case=case).count() == 2
