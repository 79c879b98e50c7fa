"""The sweep fires each rung once, moves cases where the rule says so, and survives bad rows."""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from casework import services
from casework.models import Case, Measure, Rectification, Talk
from tests.conftest import Cast
from workflows import sweep as sweep_module
from workflows.choices import DeadlineState, Rung, Step, TimelineKind
from workflows.models import Deadline, Escalation, Policy
from workflows.sweep import sweep


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def sweep_on(day: date, hour: int = 10) -> sweep_module.SweepResult:
    with time_machine.travel(at(day, hour), tick=False):
        return sweep()


def open_acceptance_clock(cast: Cast, day: date) -> Deadline:
    """An objection filed on ``day``: the department must accept or reject within 2 WD."""
    with time_machine.travel(at(day), tick=False):
        case = cast.listed_case(list_type="focus")  # no measures pushed: this clock runs alone
        objection = services.file_objection(case, cast.subject_user, "理由")
    return Deadline.objects.get(target_id=objection.pk, step=Step.OBJECTION_ACCEPT)


def test_rungs_fire_in_order_and_each_exactly_once(cast: Cast) -> None:
    deadline = open_acceptance_clock(cast, date(2026, 3, 2))  # Monday; due Wednesday 03-04
    assert deadline.due_on == date(2026, 3, 4)
    assert deadline.warn_at == at(date(2026, 3, 3), 0)  # 1 WD before due beats 75 %
    assert sweep_on(date(2026, 3, 2)).claimed == 0
    assert sweep_on(date(2026, 3, 3)).fired == {Rung.WARNING: 1}
    assert sweep_on(date(2026, 3, 4)).claimed == 0  # due at the end of the day, not before
    assert sweep_on(date(2026, 3, 5)).fired == {Rung.BREACH: 1}
    assert sweep_on(date(2026, 3, 6)).claimed == 0
    assert sweep_on(date(2026, 3, 7)).fired == {Rung.LEADERSHIP: 1}  # 2 WD after 03-04: end of 03-06
    assert sweep_on(date(2026, 3, 20)).claimed == 0
    deadline.refresh_from_db()
    assert (deadline.state, deadline.escalation_level, deadline.next_fire_at) == (
        DeadlineState.BREACHED, 3, None)
    rungs = list(Escalation.objects.filter(deadline=deadline).values_list("rung", flat=True))
    assert sorted(rungs) == sorted([Rung.WARNING, Rung.BREACH, Rung.LEADERSHIP])
    kinds = list(deadline.events.values_list("kind", flat=True))
    assert kinds == ["opened", "warned", "breached", "escalated"]


def test_a_late_sweep_fires_every_rung_it_missed_once(cast: Cast) -> None:
    deadline = open_acceptance_clock(cast, date(2026, 3, 2))
    result = sweep_on(date(2026, 4, 1))
    assert result.fired == {Rung.WARNING: 1, Rung.BREACH: 1, Rung.LEADERSHIP: 1}
    assert sweep_on(date(2026, 4, 2)).claimed == 0
    assert Escalation.objects.filter(deadline=deadline).count() == 3


def test_meeting_the_deadline_stops_the_ladder(cast: Cast) -> None:
    deadline = open_acceptance_clock(cast, date(2026, 3, 2))
    objection = deadline.case.objections.get()
    with time_machine.travel(at(date(2026, 3, 3)), tick=False):
        services.advance(objection, "accept", cast.officer)
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.MET and deadline.next_fire_at is None
    sweep_on(date(2026, 3, 10))
    assert not Escalation.objects.filter(deadline=deadline).exists()


def test_maximum_publication_passed_exits_the_case_as_expired(cast: Cast) -> None:
    # A minor case is on the key attention list: the measure applies to it too.
    Measure.objects.filter(pk=cast.measure.pk).update(list_types="serious,focus")
    with time_machine.travel(at(date(2026, 5, 6)), tick=False):
        case = cast.listed_case(dishonesty_class="minor")  # published at most 3 months
    case.refresh_from_db()
    assert case.listed_until == date(2026, 8, 6)
    sweep_on(date(2026, 8, 6))
    case.refresh_from_db()
    assert case.state == "listed"
    result = sweep_on(date(2026, 8, 7))
    case.refresh_from_db()
    assert (case.state, case.exit_reason, case.published) == ("exited", "expired", False)
    assert result.actions == 1
    assert case.measuretasks.get().state == "terminating"
    assert Deadline.objects.get(case=case, step=Step.PUBLICATION_MAX).state == DeadlineState.MET


def test_rectification_overdue_requires_a_talk_by_the_owner_department(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        case = cast.listed_case()
        rectification = cast.served(services.order_rectification(case, cast.officer, "整改", 5))
    assert Rectification.objects.get(pk=rectification.pk).due_on == date(2026, 3, 9)
    sweep_on(date(2026, 3, 10))
    rectification.refresh_from_db()
    assert rectification.state == "overdue"
    talk = Talk.objects.get(case=case)
    assert (talk.state, talk.organiser_id) == ("required", cast.owner.pk)
    assert Deadline.objects.filter(target_id=talk.pk, step=Step.TALK_SCHEDULE, state="running").exists()


def test_minimum_publication_is_a_milestone_not_a_breach(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 5, 6)), tick=False):
        case = cast.listed_case(dishonesty_class="general")
    sweep_on(date(2026, 8, 7))
    minimum = Deadline.objects.get(case=case, step=Step.PUBLICATION_MIN)
    assert minimum.state == DeadlineState.MET
    assert not Escalation.objects.filter(deadline=minimum).exists()


def test_a_row_that_raises_is_pushed_forward_and_the_rest_still_fire(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = open_acceptance_clock(cast, date(2026, 3, 2))
    poisoned = open_acceptance_clock(cast, date(2026, 3, 2))
    real_climb = sweep_module._climb

    def climb(deadline: Deadline, *args: object) -> bool:
        if deadline.pk == poisoned.pk:
            raise RuntimeError("corrupt row")
        return real_climb(deadline, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(sweep_module, "_climb", climb)
    result = sweep_on(date(2026, 3, 5))
    assert result.failed == 1
    assert Escalation.objects.filter(deadline=good).count() == 2
    poisoned.refresh_from_db()
    assert poisoned.failures == 1
    assert poisoned.next_fire_at == at(date(2026, 3, 5)) + timedelta(seconds=300)
    assert poisoned.events.filter(kind=TimelineKind.FAILED).exists()
    monkeypatch.setattr(sweep_module, "_climb", real_climb)
    sweep_on(date(2026, 3, 5), hour=11)
    assert Escalation.objects.filter(deadline=poisoned).count() == 2


def test_sla_sweep_command_prints_a_summary(cast: Cast) -> None:
    open_acceptance_clock(cast, date(2026, 3, 2))
    out = StringIO()
    with time_machine.travel(at(date(2026, 3, 5)), tick=False):
        call_command("sla_sweep", stdout=out, stderr=StringIO())
    assert "Swept 1 due deadlines: fired breach 1, warning 1" in out.getvalue()


def test_sla_recompute_lists_moves_then_applies_them(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        case = cast.listed_case()
        rectification = cast.served(services.order_rectification(case, cast.officer, "整改"))  # policy: 15 WD
        Policy.objects.filter(step=Step.RECTIFICATION_VERIFY).update(length=7)
        Policy.objects.filter(step=Step.RECTIFICATION_PERIOD).update(length=20)
        dry = StringIO()
        call_command("sla_recompute", "--dry-run", stdout=dry)
        assert "rectification_period" in dry.getvalue() and "2026-03-23 → 2026-03-30" in dry.getvalue()
        assert Rectification.objects.get(pk=rectification.pk).due_on == date(2026, 3, 23)
        applied = StringIO()
        call_command("sla_recompute", stdout=applied)
    assert "1 open deadlines moved." in applied.getvalue()
    assert Rectification.objects.get(pk=rectification.pk).due_on == date(2026, 3, 30)
    assert Case.objects.get(pk=case.pk).audit_events.filter(action="deadline_recomputed").count() == 1
