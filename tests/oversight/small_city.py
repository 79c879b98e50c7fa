"""A small city with known clocks at known ages, for checking every figure by hand.

Now is Wednesday 2026-06-10 10:00 (Asia/Shanghai). The last working days are
06-10, 06-09, 06-08, 06-05, 06-04, 06-03, 06-02, 06-01, 05-29, 05-28, 05-27 (no
holiday in between), so a clock due on D is overdue by the working days in (D, 06-10]:
due 06-09 → 1, due 06-05 → 3, due 06-01 → 7, due 05-20 → 14. "Due within 3 working
days" is due 06-10, 06-11 or 06-12.

* 市市场监管局 (owner, A): one overdue clock in each age bucket, one rectification
  period paused by an open objection (open, not overdue), one repair decision due
  soon, clocks it closed in June on time and late, a cancelled one and one closed in
  May (neither counts), three objections decided in June (one upheld), two 督办意见
  (one answered two working days later).
* 市生态环境局 (B): two open clocks, nothing overdue, nothing closed.
* 市住房城乡建设局 (joint): one overdue acknowledgement, one report due today, one
  acknowledgement closed on time and one report closed late.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType

from casework.models import Case, Department, EscalationAnswer, EscalationNote, Objection
from tests.conftest import Cast
from workflows.choices import DeadlineState, Rung
from workflows.models import Deadline, Escalation, Policy

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=TZ)


def at(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour), TZ)


def d(text: str) -> date:
    return date.fromisoformat(f"2026-{text}")


@dataclass
class SmallCity:
    a: Department
    b: Department
    joint: Department
    case_a: Case
    case_b: Case
    clocks: dict[str, Deadline]


def clock(case: Case, step: str, department: Department, *, started: str, due: str, state: str,
          closed: datetime | None = None, paused_days: int = 0) -> Deadline:
    """One clock written directly (the figures are checked against rows, not the engine)."""
    due_on = d(due)
    policy = Policy.objects.filter(step=step).order_by("pk").first()
    assert policy is not None
    row = Deadline.objects.create(
        case=case, target_type=ContentType.objects.get_for_model(case), target_id=case.pk, step=step,
        policy=policy, party=policy.party, department=department, state=state, started_on=d(started),
        length=policy.length, paused_days=paused_days,
        paused_since=d("06-02") if state == DeadlineState.PAUSED else None,
        pause_reason="objection_open" if state == DeadlineState.PAUSED else "",
        due_on=due_on, due_at=at(date.fromordinal(due_on.toordinal() + 1)), closed_at=closed,
    )
    Deadline.objects.filter(pk=row.pk).update(opened_at=at(d(started), 9))
    return row


def objection(case: Case, filer: Any, state: str, decided: datetime) -> None:
    Objection.objects.create(case=case, filed_by=filer, grounds="记录有误", state=state, decided_at=decided)


def build(cast: Cast) -> SmallCity:
    a, b, joint = cast.owner, cast.other, cast.joint
    case_a = cast.open_case()
    case_b = cast.open_case(subject=cast.other_subject)
    Case.objects.filter(pk=case_b.pk).update(owner_department=b)
    Deadline.objects.all().delete()  # the engine's own clocks of opening: this city sets its own
    R, B_, P, M, C = (DeadlineState.RUNNING, DeadlineState.BREACHED, DeadlineState.PAUSED,
                      DeadlineState.MET, DeadlineState.CANCELLED)
    clocks = {
        # A: overdue, one per bucket
        "a_accept_1": clock(case_a, "objection_accept", a, started="06-05", due="06-09", state=B_),
        "a_verify_3": clock(case_a, "rectification_verify", a, started="05-29", due="06-05", state=R),
        "a_schedule_7": clock(case_a, "talk_schedule", a, started="05-25", due="06-01", state=B_),
        "a_answer_14": clock(case_a, "repair_answer", a, started="05-06", due="05-20", state=B_),
        # A: open, not overdue
        "a_period_paused": clock(case_a, "rectification_period", a, started="05-11", due="05-29", state=P),
        "a_decide_soon": clock(case_a, "repair_decide", a, started="06-08", due="06-11", state=R),
        "a_publication": clock(case_a, "publication_max", a, started="01-01", due="06-01", state=R),
        # A: closed in June
        "a_accept_on_time": clock(case_a, "objection_accept", a, started="06-01", due="06-03", state=M,
                                  closed=at(d("06-03"), 15)),
        "a_accept_late": clock(case_a, "objection_accept", a, started="06-01", due="06-03", state=M,
                               closed=at(d("06-05"), 11)),
        "a_decide_late": clock(case_a, "objection_decide", a, started="05-26", due="06-02", state=M,
                               closed=at(d("06-09"), 16)),
        "a_record_on_time": clock(case_a, "talk_record", a, started="06-01", due="06-03", state=M,
                                  closed=at(d("06-02"), 10)),
        "a_decide_paused": clock(case_a, "repair_decide", a, started="06-01", due="06-08", state=M,
                                 closed=at(d("06-08"), 17), paused_days=2),
        "a_cancelled": clock(case_a, "repair_answer", a, started="06-01", due="06-15", state=C,
                             closed=at(d("06-04"), 9)),
        "a_may": clock(case_a, "talk_record", a, started="05-25", due="05-27", state=M,
                       closed=at(d("05-29"), 9)),
        "a_subject_window": clock(case_a, "statement_window", a, started="06-01", due="06-08", state=M,
                                  closed=at(d("06-09"), 0)),
        # B: open only
        "b_accept": clock(case_b, "objection_accept", b, started="06-10", due="06-15", state=R),
        "b_window_soon": clock(case_b, "statement_window", b, started="06-05", due="06-12", state=R),
        # joint department
        "j_ack_1": clock(case_a, "measure_acknowledge", joint, started="06-03", due="06-08", state=B_),
        "j_report_today": clock(case_a, "measure_report", joint, started="05-27", due="06-10", state=R),
        "j_ack_on_time": clock(case_a, "measure_acknowledge", joint, started="06-01", due="06-04", state=M,
                               closed=at(d("06-04"), 10)),
        "j_report_late": clock(case_a, "measure_report", joint, started="05-20", due="06-03", state=M,
                               closed=at(d("06-05"), 10)),
    }
    fire(clocks, a, joint)
    for state, day in (("upheld", "06-04"), ("dismissed", "06-05"), ("dismissed", "06-09"),
                       ("upheld", "05-28")):
        objection(case_a, cast.subject_user, state, at(d(day), 14))
    notes(cast, case_a)
    return SmallCity(a, b, joint, case_a, case_b, clocks)


def fire(clocks: dict[str, Deadline], a: Department, joint: Department) -> None:
    """The rungs the sweep fired: this week (from Monday 06-08) and the weeks before."""
    for name, rung, fired in (
        ("a_accept_1", Rung.BREACH, at(d("06-10"))),
        ("a_decide_soon", Rung.WARNING, at(d("06-10"))),
        ("j_ack_1", Rung.BREACH, at(d("06-09"))),
        ("a_schedule_7", Rung.BREACH, at(d("06-02"))),
        ("a_schedule_7", Rung.LEADERSHIP, at(d("06-04"))),
        ("a_answer_14", Rung.BREACH, at(d("05-21"))),
        ("a_answer_14", Rung.LEADERSHIP, at(d("05-23"))),
    ):
        row = clocks[name]
        escalation = Escalation.objects.create(deadline=row, rung=rung, due_on=row.due_on,
                                               department_id=row.department_id)
        Escalation.objects.filter(pk=escalation.pk).update(fired_at=fired)


def notes(cast: Cast, case: Case) -> None:
    answered = EscalationNote.objects.create(case=case, addressee=cast.owner, author=cast.leadership_user,
                                             department=cast.leadership, text="请报告办理情况")
    EscalationNote.objects.filter(pk=answered.pk).update(created_at=at(d("06-03"), 9))
    reply = EscalationAnswer.objects.create(note=answered, author=cast.officer, department=cast.owner,
                                            text="已办结")
    EscalationAnswer.objects.filter(pk=reply.pk).update(created_at=at(d("06-05"), 16))
    waiting = EscalationNote.objects.create(addressee=cast.owner, author=cast.leadership_user,
                                            department=cast.leadership, text="逾期事项请限期办结",
                                            overdue_count=4)
    EscalationNote.objects.filter(pk=waiting.pk).update(created_at=at(d("06-09"), 9))
