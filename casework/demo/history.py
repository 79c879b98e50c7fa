"""The demo city's past: cases whose steps happened over the last months.

Each story runs under a moved clock (time-machine): the services, the audit chain,
the deadlines and the documents all read ``timezone.now()``, so every step is
recorded on the day it happened and every clock started then, as in a real city.
Nothing is compressed and no date column is written by hand. The last step of each
story happened ``age`` calendar days ago; the SLA sweep that ``seed`` runs at the end
(at the real time) fires the rungs that came due since: some deadlines are on time,
some warned, breached, or escalated to the leadership office (督办).

A case's natural key is its subject and facts; the facts carry the story and its age,
so a second run finds every case and creates nothing.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import cycle
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import services
from casework.choices import DishonestyClass, ListType
from casework.demo.catalogue import NDRC_CODE, DemoCity, _report
from casework.models import Case, Rectification
from workflows.calendar import add_working_days, is_working_day, next_working_day
from workflows.talk import TalkKind

# The working day starts at 09:00 in 鞍山; each step of a story takes a few minutes.
OFFICE_HOURS = time(9, 0)
STEP = timedelta(minutes=20)


class Clock:
    """The moved clock a story runs under: ``at(day)`` jumps to 09:00 of that day."""

    def __init__(self, traveller: Any) -> None:
        self.traveller = traveller

    def at(self, day: date) -> None:
        self.traveller.move_to(timezone.make_aware(datetime.combine(day, OFFICE_HOURS)))

    def later(self, delta: timedelta = STEP) -> None:
        self.traveller.shift(delta)

    def today(self) -> date:
        return timezone.localdate()


@contextmanager
def moved_clock(day: date) -> Iterator[Clock]:
    import time_machine  # only the demo moves the clock; imported here, not at start-up

    with time_machine.travel(timezone.make_aware(datetime.combine(day, OFFICE_HOURS)), tick=False) as t:
        yield Clock(t)


def working_day_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


# --- steps ------------------------------------------------------------------------------------


def serve_in_portal(city: DemoCity, case: Case, clock: Clock) -> None:
    """The subject opens the documents in the portal (the read receipt is the service)."""
    clock.later()
    subject = city.subject_user(case)
    for act in case.service_acts.pending():
        services.advance(act, "serve", subject, {"method": "portal"})


def listed(city: DemoCity, case: Case, clock: Clock, waived: bool, tasks_done: bool = True) -> None:
    """告知, served; then the subject waives, or the statement window runs out; 认定 (两书同达).

    The joint departments then acknowledge their measure tasks and report them implemented
    (``tasks_done``), or leave them waiting.
    """
    services.advance(case, "notify", city.officer(case), {"channel": "书面告知书（送达回证）"})
    serve_in_portal(city, case, clock)
    if waived:
        clock.later()
        services.advance(case, "waive_statement", city.subject_user(case), {"statement": "放弃陈述申辩"})
    else:
        # The window (5 working days from the day after service) runs out on its own.
        clock.at(add_working_days(clock.today(), 6))
    clock.later()
    services.advance(case, "determine", city.reviewer(case),
                     {"decision": "认定决定书与信用修复告知书同时送达"})
    serve_in_portal(city, case, clock)
    if tasks_done:
        for task in case.measuretasks.select_related("department").order_by("pk"):
            clock.later()
            services.advance(task, "acknowledge", city.joint_user(task))
            services.advance(task, "report", city.joint_user(task),
                             {"outcome": "implemented", "report": "已在业务系统中实施限制"})


def ordered(city: DemoCity, case: Case, clock: Clock, period: int | None = None) -> Rectification:
    clock.later()
    rectification = services.order_rectification(case, city.officer(case), "限期整改并提交整改报告及佐证材料",
                                                 period_working_days=period)
    serve_in_portal(city, case, clock)
    return rectification


def submitted(city: DemoCity, case: Case, clock: Clock) -> Rectification:
    rectification = ordered(city, case, clock)
    clock.later()
    services.advance(rectification, "submit", city.subject_user(case), {"note": "已完成整改，附整改报告"})
    return rectification


# --- the stories: (city, case, clock, last day) → the last step happens on ``last day`` --------

HistoryStory = Callable[[DemoCity, Case, Clock, date], None]


def draft(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """Opened; the officer has not yet told the subject."""


def notified(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """Told and served: the subject's statement window runs."""
    services.advance(case, "notify", city.officer(case), {"channel": "书面告知书（送达回证）"})
    serve_in_portal(city, case, clock)


def measures_pushed(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """Listed: the joint departments have measure tasks to acknowledge (3 working days)."""
    listed(city, case, clock, waived=True, tasks_done=False)


def objection_filed(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """Listed; an objection waits to be accepted (2 working days)."""
    listed(city, case, clock, waived=True)
    clock.at(last)
    services.file_objection(case, city.subject_user(case), "认定所依据的检查记录与事实不符")


def objection_under_review(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """An objection accepted; the department must decide it (5 working days)."""
    listed(city, case, clock, waived=True)
    filed = services.file_objection(case, city.subject_user(case), "处罚决定已被复议机关变更")
    clock.at(last)
    services.advance(filed, "accept", city.officer(case))


def objection_expert_review(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """An objection under expert review: its decision clock is paused (not counted)."""
    listed(city, case, clock, waived=True)
    filed = services.file_objection(case, city.subject_user(case), "检测报告的检测方法有误")
    clock.later()
    services.advance(filed, "accept", city.officer(case))
    clock.at(last)
    services.advance(filed, "suspend_review", city.officer(case))


def rectification_running(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """A rectification ordered and served: the subject's period runs."""
    listed(city, case, clock, waived=True)
    clock.at(last)
    ordered(city, case, clock)


def rectification_submitted(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """The subject submitted its rectification; the department must check it (5 working days)."""
    listed(city, case, clock, waived=False)
    rectification = ordered(city, case, clock)
    clock.at(last)
    services.advance(rectification, "submit", city.subject_user(case), {"note": "已完成整改，附整改报告"})


def talk_required(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """The rectification period ran out (the sweep marked it overdue): a talk must be arranged."""
    listed(city, case, clock, waived=True)
    rectification = ordered(city, case, clock, period=5)
    clock.at(last)
    services.advance(rectification, "mark_overdue", city.users["system"], {})


def talk_to_record(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """A talk co-organised with the 发改委 took place; its record is due (2 working days)."""
    listed(city, case, clock, waived=True)
    talk = services.require_talk(case, city.officer(case), TalkKind.PROMPT, "屡查屡犯，启动提醒约谈")
    talk_day = next_working_day(clock.today() + timedelta(days=10))
    services.advance(talk, "schedule", city.officer(case), {
        "scheduled_for": timezone.make_aware(datetime.combine(talk_day, time(9, 30))).isoformat(),
        "place": f"{case.owner_department.name}约谈室", "co_organiser": NDRC_CODE,
    })


def repair_applied(city: DemoCity, case: Case, clock: Clock, last: date) -> Any:
    """A repair application waits for the department's decision to accept (3 working days)."""
    listed(city, case, clock, waived=True)
    rectification = submitted(city, case, clock)
    services.advance(rectification, "accept", city.officer(case))
    clock.at(last)
    return apply_repair(city, case)


def repair_under_review(city: DemoCity, case: Case, clock: Clock, last: date) -> Any:
    """A repair application accepted; the answer is due (10 working days from filing)."""
    repair = repair_applied(city, case, clock, last)
    if repair is not None:
        clock.later()
        services.advance(repair, "accept", city.officer(case))
    return repair


def repaired(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """Repaired a while ago: the joint departments must confirm their measures ended (3 WD)."""
    repair = repair_under_review(city, case, clock, last)
    if repair is not None:
        clock.later()
        services.advance(repair, "approve", city.reviewer(case), {"decision": "准予信用修复"})


def repair_revoked(city: DemoCity, case: Case, clock: Clock, last: date) -> None:
    """Repaired, then the repair revoked for false material (撤销修复): the record is listed and
    published again and new applications are barred; the measures the exit ended are pushed
    again to their joint departments (to acknowledge)."""
    repaired(city, case, clock, last)
    repair = case.repairapplications.filter(state="approved").first()
    if repair is not None:
        clock.later()
        services.advance(repair, "revoke", city.reviewer(case), {
            "false_material": "整改验收意见系伪造（出具单位无此文号）",
            "decision": "申请人提交虚假整改材料取得信用修复，撤销修复决定，恢复公示",
        })


def apply_repair(city: DemoCity, case: Case) -> Any:
    """File a repair, when the minimum publication period is served on the day (since
    2026-04-01 a minor case has none; seeded on an earlier date, the story stops before)."""
    case = Case.objects.get(pk=case.pk)
    if case.publication_min_until and case.publication_min_until > timezone.localdate():
        return None
    return services.apply_repair(case, city.subject_user(case), {
        "commitment_letter": True, "rectification_proof": "整改报告及验收意见",
        "training_certificate": True, "statement": "已纠正失信行为，申请信用修复",
    })


@dataclass(frozen=True)
class Past:
    story: HistoryStory
    label: str
    ages: tuple[int, ...]  # calendar days since the last step, one case each
    lead: int  # calendar days the story takes before its last step
    serious: bool = False  # the serious list, with its list's measures


# Ages chosen so that the department's clocks are on time, warned, breached and 督办.
PASTS: tuple[Past, ...] = (
    Past(draft, "草稿", (0, 3), 0),
    Past(notified, "已告知", (1, 4, 12), 0),
    Past(measures_pushed, "措施待签收", (1, 2, 5, 9, 20, 30), 0, serious=True),
    Past(objection_filed, "异议待受理", (1, 2, 3, 7, 16), 10),
    Past(objection_under_review, "异议核查中", (2, 8, 14, 30), 10),
    Past(objection_expert_review, "异议专家评审中", (5, 12), 10),
    Past(rectification_running, "整改期内", (1, 3, 10), 10),
    Past(rectification_submitted, "整改待核查", (1, 4, 8, 15, 25), 20),
    Past(talk_required, "约谈待安排", (2, 7, 12, 21), 20),
    Past(talk_to_record, "约谈待记录", (14, 21, 35), 0),
    Past(repair_applied, "修复待受理", (1, 2, 5, 10, 18), 20),
    Past(repair_under_review, "修复审查中", (6, 15, 24), 20),
    Past(repaired, "已修复待终止措施", (3, 9), 20),
    Past(repair_revoked, "修复已撤销", (18,), 20),
)

# Only the three departments with demo officers open cases; minor dishonesty (no minimum
# publication period since 2026-04-01) lets a repair be filed in the demo's few months.
# The key attention list rests on the provincial regulation, whose measure the cases take.
DEPARTMENTS = (("scjgj", ("food", "liaoning")), ("sthjj", ("environment-excess", "liaoning")),
               ("sswj", ("tax", "liaoning")))
# The serious list: the violated article and the rule that creates the department's list; the
# measures are that list's, one for each joint department that carries one. The environment department keeps
# no list of its own with measures in this catalogue: its serious cases go to the market
# regulator, which does.
SERIOUS_BASES = {"scjgj": ("food", "samr-list"), "sswj": ("tax", "tax-list")}
SERIOUS_OWNER = {"sthjj": "scjgj"}
SUBJECTS = ("shipin", "huagong", "shangmao", "canyin", "wang", "jiancai", "reli", "li", "peixun")
MEASURES = ("strict-licensing",)
SERIOUS_MEASURES = {
    "scjgj": ("samr-procurement", "samr-bidding", "samr-qualification", "samr-licensing"),
    "sswj": ("tax-procurement", "tax-bidding", "tax-qualification"),
}


def history_keys() -> Iterator[tuple[str, str, str, tuple[str, ...], str, Past, int]]:
    """(owner, subject, facts, bases, …) for every historical case, in a stable order."""
    departments, subjects = cycle(DEPARTMENTS), cycle(SUBJECTS)
    number = 0
    for past in PASTS:
        for age in past.ages:
            number += 1
            owner, bases = next(departments)
            facts = f"历史案例{number:03d}（{past.label}，{age}天前）：经检查发现违反信用承诺事项"
            yield owner, next(subjects), facts, bases, past.label, past, age


def seed_history(city: DemoCity) -> None:
    today = timezone.localdate()
    total = new = 0
    for owner, subject_key, facts, bases, _label, past, age in history_keys():
        total += 1
        subject = city.subjects[subject_key]
        if Case.objects.filter(subject=subject, facts=facts).exists():
            continue
        last = working_day_before(today - timedelta(days=age))
        start = working_day_before(last - timedelta(days=past.lead))
        measures: tuple[str, ...]
        if past.serious:
            owner = SERIOUS_OWNER.get(owner, owner)
            list_type, dishonesty, bases, measures = (
                ListType.SERIOUS, DishonestyClass.SERIOUS, SERIOUS_BASES[owner], SERIOUS_MEASURES[owner])
        else:
            list_type, dishonesty, measures = ListType.FOCUS, DishonestyClass.MINOR, MEASURES
        with moved_clock(start) as clock:
            case = services.open_case(
                city.users[f"{owner}_officer"], subject=subject, list_type=list_type,
                dishonesty_class=dishonesty, legal_bases=[city.bases[key] for key in bases],
                facts=facts, measures=[city.measures[code] for code in measures],
            )
            clock.later()
            past.story(city, case, clock, last)
        new += 1
        case.refresh_from_db()
        city.say(f"  {case.number} {subject.name}: {past.label} ({age}d)")
    _report(city, _("Cases with a past"), total, new)
