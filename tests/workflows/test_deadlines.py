"""Deadlines opened, paused, resumed, extended and recomputed by the transition service."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from casework import services
from casework.models import AuditEvent, Case
from documents.models import Document
from documents.services import open_document
from tests.conftest import Cast
from workflows import calendar
from workflows.choices import DeadlineState, Step, TimelineKind
from workflows.guards import RuleRefused
from workflows.models import Deadline
from workflows.services import extend


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def clock(obj: object, step: str) -> Deadline:
    return Deadline.objects.get(target_id=obj.pk, step=step, closed_at__isnull=True)  # type: ignore[attr-defined]


def notify_and_serve(cast: Cast, case: Case) -> None:
    """Notify, and the subject opens the notice in the portal the same day (送达)."""
    services.advance(case, "notify", cast.officer)
    open_document(Document.objects.get(case=case, kind="credit_notice"), cast.subject_user)


def test_notify_opens_statement_window_of_five_working_days_from_service_and_audits_the_date(
    cast: Cast,
) -> None:
    with time_machine.travel(at(date(2026, 9, 30)), tick=False):
        case = cast.open_case()
        services.advance(case, "notify", cast.officer)
        waiting = clock(case, Step.STATEMENT_WINDOW)
        assert (waiting.state, waiting.pause_reason) == (DeadlineState.PAUSED, "awaiting_service")
        assert Case.objects.get(pk=case.pk).statement_due_on is None
        open_document(Document.objects.get(case=case, kind="credit_notice"), cast.subject_user)
    case.refresh_from_db()
    deadline = clock(case, Step.STATEMENT_WINDOW)
    assert case.statement_due_on == deadline.due_on == date(2026, 10, 13)
    assert deadline.state == DeadlineState.RUNNING and deadline.started_on == date(2026, 9, 30)
    assert deadline.policy.length == 5 and "陈述申辩" in deadline.policy.source
    started = AuditEvent.objects.get(case=case, action="deadline_started_on_service")
    assert started.changes["statement_due_on"] == [None, "2026-10-13"]


def test_determination_refused_until_the_window_has_ended(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 9, 30)), tick=False):
        case = cast.open_case()
        notify_and_serve(cast, case)
    with time_machine.travel(at(date(2026, 10, 13)), tick=False):
        with pytest.raises(RuleRefused) as refused:
            services.advance(case, "determine", cast.reviewer)
        assert refused.value.code == "statement_window_open"
    with time_machine.travel(at(date(2026, 10, 14)), tick=False):
        services.advance(case, "determine", cast.reviewer)
    case.refresh_from_db()
    assert case.state == "listed"
    assert clock_closed(case, Step.STATEMENT_WINDOW).state == DeadlineState.MET


def clock_closed(obj: object, step: str) -> Deadline:
    return Deadline.objects.filter(target_id=obj.pk, step=step).latest("pk")  # type: ignore[attr-defined]


def test_listing_takes_publication_periods_from_the_rules_in_force_on_the_decision_day(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 5, 6)), tick=False):
        serious = cast.listed_case()
        general = cast.listed_case(dishonesty_class="general")
    serious.refresh_from_db()
    general.refresh_from_db()
    # 国办发〔2025〕22号 (from 2026-04-01): serious 1 year to 3 years, general 3 months to 1 year.
    assert serious.publication_min_until == date(2027, 5, 6)
    assert serious.listed_until == date(2029, 5, 6)  # a Sunday: a burden does not roll forward
    assert general.publication_min_until == date(2026, 8, 6)
    assert general.listed_until == date(2027, 5, 6)


def test_publication_periods_end_on_their_calendar_day_and_do_not_roll_forward(cast: Cast) -> None:
    """Issue 12 item 3: 民法典 Art 203 gives a party time for its own act, not a longer burden."""
    with time_machine.travel(at(date(2026, 5, 8)), tick=False):  # a Friday
        case = cast.listed_case(dishonesty_class="general")
    case.refresh_from_db()
    # 2026-08-08 is a Saturday and 2027-05-08 a Saturday: both periods end that day.
    assert case.publication_min_until == date(2026, 8, 8)
    assert case.listed_until == date(2027, 5, 8)
    for step in (Step.PUBLICATION_MIN, Step.PUBLICATION_MAX):
        policy = clock(case, step).policy
        assert policy.rolls_forward is False and "第二百零三条" in policy.source


def test_a_calendar_period_for_a_party_act_still_rolls_forward(cast: Cast) -> None:
    """A policy row with rolls_forward on (the default: a period for someone's act) rolls."""
    from workflows.models import Policy
    from workflows.services import compute_due

    row = Policy(step=Step.PUBLICATION_MAX, clock="months", length=3, party="subject",
                 effective_from=date(2026, 4, 1), source="test")
    assert row.rolls_forward is True
    assert compute_due(row, date(2026, 5, 8), 3, "").day == date(2026, 8, 10)  # Sat → Mon
    row.rolls_forward = False
    assert compute_due(row, date(2026, 5, 8), 3, "").day == date(2026, 8, 8)


def test_case_decided_in_2024_keeps_the_2023_rule_set(cast: Cast) -> None:
    with time_machine.travel(at(date(2024, 6, 3)), tick=False):
        case = cast.listed_case(dishonesty_class="general")
    case.refresh_from_db()
    deadline = clock(case, Step.PUBLICATION_MAX)
    assert "第58号" in deadline.policy.source
    assert case.listed_until == date(2027, 6, 3)


def test_objection_during_rectification_pauses_the_clock_and_restores_the_lost_days(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        case = cast.listed_case()
        rectification = cast.served(services.order_rectification(case, cast.officer, "补缴税款", 10))
    period = clock(rectification, Step.RECTIFICATION_PERIOD)
    assert period.due_on == date(2026, 3, 16)
    with time_machine.travel(at(date(2026, 3, 4)), tick=False):
        objection = services.file_objection(case, cast.subject_user, "税额计算有误")
    period.refresh_from_db()
    assert period.state == DeadlineState.PAUSED and period.next_fire_at is None
    with time_machine.travel(at(date(2026, 3, 9)), tick=False):
        services.advance(objection, "reject_inadmissible", cast.officer, {"reason": "超出异议范围"})
    period.refresh_from_db()
    rectification.refresh_from_db()
    # Paused Wed 03-04, resumed Mon 03-09: Thu, Fri and Mon (3 working days) are given back.
    assert period.state == DeadlineState.RUNNING and period.paused_days == 3
    assert period.due_on == rectification.due_on == date(2026, 3, 19)
    kinds = list(period.events.values_list("kind", flat=True))
    assert kinds == [TimelineKind.OPENED, TimelineKind.SERVED, TimelineKind.PAUSED, TimelineKind.RESUMED]
    moved = AuditEvent.objects.get(case=case, action="deadline_resumed")
    assert moved.changes == {"due_on": ["2026-03-16", "2026-03-19"]}


def test_second_objection_keeps_the_clock_paused_until_both_are_closed(cast: Cast) -> None:
    case = cast.listed_case()
    rectification = cast.served(services.order_rectification(case, cast.officer, "补缴税款"))
    first = services.file_objection(case, cast.subject_user, "理由一")
    second = services.file_objection(case, cast.subject_user, "理由二")
    services.advance(first, "reject_inadmissible", cast.officer, {"reason": "重复"})
    assert clock(rectification, Step.RECTIFICATION_PERIOD).state == DeadlineState.PAUSED
    services.advance(second, "reject_inadmissible", cast.officer, {"reason": "重复"})
    assert clock(rectification, Step.RECTIFICATION_PERIOD).state == DeadlineState.RUNNING


def test_objection_decision_extends_to_twenty_working_days_and_no_further(cast: Cast) -> None:
    cast.reviewer.is_department_head = True
    cast.reviewer.save()
    case = cast.listed_case()
    objection = services.file_objection(case, cast.subject_user, "处罚决定已被撤销")
    services.advance(objection, "accept", cast.officer)
    decide = clock(objection, Step.OBJECTION_DECIDE)
    assert decide.length == 5
    extend(decide, 15, "需调取法院卷宗", cast.reviewer)
    decide.refresh_from_db()
    assert decide.length + decide.extension == 20
    with pytest.raises(RuleRefused) as refused:
        extend(decide, 1, "再延一日", cast.reviewer)
    assert refused.value.code == "extension_exceeds_maximum"
    decide.refresh_from_db()
    assert decide.extension == 15
    assert list(decide.events.values_list("kind", flat=True)) == ["opened", "extended"]


def test_extension_needs_the_department_head_and_a_reason(cast: Cast) -> None:
    case = cast.listed_case()
    objection = services.file_objection(case, cast.subject_user, "理由")
    decide_accept = clock(objection, Step.OBJECTION_ACCEPT)
    with pytest.raises(RuleRefused) as not_head:
        extend(decide_accept, 1, "理由", cast.officer)
    assert not_head.value.code == "extension_approver"
    cast.reviewer.is_department_head = True
    cast.reviewer.save()
    with pytest.raises(RuleRefused) as no_reason:
        extend(decide_accept, 1, " ", cast.reviewer)
    assert no_reason.value.code == "reason_required"
    with pytest.raises(RuleRefused) as none_allowed:
        extend(decide_accept, 1, "理由", cast.reviewer)  # acceptance (2 WD) has no extension
    assert none_allowed.value.code == "extension_exceeds_maximum"


def test_expert_review_pauses_only_the_objection_decision(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 6, 1)), tick=False):
        case = cast.listed_case()
        rectification = cast.served(services.order_rectification(case, cast.officer, "整改"))
        objection = services.file_objection(case, cast.subject_user, "检测报告有误")
        services.advance(objection, "accept", cast.officer)
        services.advance(objection, "suspend_review", cast.officer)
    assert clock(objection, Step.OBJECTION_DECIDE).state == DeadlineState.PAUSED
    with time_machine.travel(at(date(2026, 6, 8)), tick=False):
        services.advance(objection, "resume_review", cast.officer)
    decide = clock(objection, Step.OBJECTION_DECIDE)
    assert decide.state == DeadlineState.RUNNING and decide.paused_days == 5
    # The rectification clock is paused by the open objection, not by the expert review.
    assert clock(rectification, Step.RECTIFICATION_PERIOD).pause_reason == "objection_open"


def test_talk_notice_must_be_three_working_days_ahead(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 9, 29)), tick=False):
        case = cast.listed_case()
        talk = services.require_talk(case, cast.officer)
        too_soon = {"scheduled_for": at(date(2026, 10, 8)).isoformat(), "place": "302", "co_organiser": "fgw"}
        with pytest.raises(RuleRefused) as refused:
            services.advance(talk, "schedule", cast.officer, too_soon)
        assert refused.value.code == "talk_notice_too_short"
        talk.refresh_from_db()
        assert talk.state == "required" and talk.scheduled_for is None
        services.advance(talk, "schedule", cast.officer,
                         {"scheduled_for": at(date(2026, 10, 12)).isoformat(), "place": "302",
                          "co_organiser": "fgw"})
    record = clock(talk, Step.TALK_RECORD)
    assert record.due_on == date(2026, 10, 14)


def test_deadline_into_2027_is_provisional_and_moves_when_the_year_is_entered(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 12, 24)), tick=False):
        case = cast.listed_case()
        rectification = cast.served(services.order_rectification(case, cast.officer, "整改", 10))
    period = clock(rectification, Step.RECTIFICATION_PERIOD)
    # Mon–Fri minus 01-01 for the unknown 2027: 12-25, 28–31, 01-04 … 01-08.
    assert period.due_on == date(2027, 1, 8) and period.provisional
    arrangement = calendar.parse_arrangement(
        "year 2027\nholiday 2027-01-01..2027-01-05 元旦\n"
    )
    calendar.enter_year(arrangement, source="test arrangement")
    period.refresh_from_db()
    rectification.refresh_from_db()
    assert period.due_on == rectification.due_on == date(2027, 1, 12)
    assert not period.provisional
    event = AuditEvent.objects.filter(case=case, action="deadline_recomputed").get()
    assert event.changes == {"due_on": ["2027-01-08", "2027-01-12"]}
    assert Case.objects.get(pk=case.pk).state == "listed"


# --- a correction re-derives the clocks (issue 12 item 2) ----------------------------------------


def _upheld_with(cast: Cast, case: Case, correction: dict[str, str]) -> None:
    objection = services.file_objection(case, cast.subject_user, "认定事实有误")
    services.advance(objection, "accept", cast.officer)
    services.advance(objection, "uphold", cast.reviewer,
                     {"outcome": "correct", "reason": "情节认定有误", "correction": correction})


def test_corrected_class_re_derives_the_publication_clocks_audited_old_to_new(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 5, 6)), tick=False):
        case = cast.listed_case(dishonesty_class="general")  # 3 months to 1 year
        _upheld_with(cast, case, {"dishonesty_class": "minor"})  # 0 to 3 months
    case.refresh_from_db()
    assert (case.publication_min_until, case.listed_until) == (date(2026, 5, 6), date(2026, 8, 6))
    maximum = clock(case, Step.PUBLICATION_MAX)
    assert (maximum.due_on, maximum.policy.dishonesty_class) == (date(2026, 8, 6), "minor")
    assert maximum.events.filter(kind=TimelineKind.RECOMPUTED, old_due=date(2027, 5, 6),
                                 new_due=date(2026, 8, 6)).exists()
    event = AuditEvent.objects.get(case=case, object_type="case", action="correct")
    assert event.changes["dishonesty_class"] == ["general", "minor"]
    assert event.changes["listed_until"] == ["2027-05-06", "2026-08-06"]
    assert event.changes["publication_min_until"] == ["2026-08-06", "2026-05-06"]


def test_corrected_listed_until_moves_the_maximum_clock_and_the_case_exits_then(cast: Cast) -> None:
    from workflows.sweep import sweep

    with time_machine.travel(at(date(2026, 5, 6)), tick=False):
        case = cast.listed_case()  # serious: listed until 2029-05-06
        _upheld_with(cast, case, {"listed_until": "2027-06-30"})
    maximum = clock(case, Step.PUBLICATION_MAX)
    assert (maximum.due_on, maximum.due_fixed_on) == (date(2027, 6, 30), date(2027, 6, 30))
    assert maximum.events.filter(kind=TimelineKind.RECOMPUTED, old_due=date(2029, 5, 6)).exists()
    with time_machine.travel(at(date(2027, 7, 1), hour=1), tick=False):
        sweep()
    case.refresh_from_db()
    assert (case.state, case.exit_reason) == ("exited", "expired")


def test_repair_clocks_pause_while_an_objection_is_open(cast: Cast) -> None:
    """Issue 12 item 7: a repair filed while an objection is open waits; closing it resumes."""
    from casework.models import Objection

    with time_machine.travel(at(date(2026, 5, 6)), tick=False):
        case = cast.listed_case(dishonesty_class="minor")  # repair possible from day 0
        objection = services.file_objection(case, cast.subject_user, "认定事实有误")
        repair = services.apply_repair(case, cast.subject_user, {"commitment_letter": True})
        decide = clock(repair, Step.REPAIR_DECIDE)
        assert (decide.state, decide.pause_reason) == (DeadlineState.PAUSED, "objection_open")
        assert "异议处理期间修复期限中止" in decide.policy.source
    with time_machine.travel(at(date(2026, 5, 8)), tick=False):
        services.advance(Objection.objects.get(pk=objection.pk), "reject_inadmissible", cast.officer,
                         {"reason": "超过异议期限"})
    decide.refresh_from_db()
    assert decide.state == DeadlineState.RUNNING and decide.paused_days == 2
