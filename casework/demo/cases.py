"""The demo cases: one story per case, each reaching its states through casework.services.

Where a guard waits for time to pass, the demo compresses time: it moves the one date
the guard reads (never the state) with a plain ``update()`` just before the step.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import services
from casework.choices import DishonestyClass, ListType
from casework.demo.catalogue import NDRC_CODE, DemoCity, _report
from casework.models import Case, MeasureTask, Objection, Rectification, RepairApplication, Talk
from workflows.calendar import next_working_day
from workflows.case import ExitReason
from workflows.objection import ObjectionKind, ObjectionOutcome
from workflows.talk import TalkKind

TALK_LEAD_TIME = timedelta(days=30)
TALK_START = time(9, 30)

# --- cases: one story per case, each ending in the states it is there to show ---------------

Story = Callable[[DemoCity, Case], None]


@dataclass(frozen=True)
class CaseSpec:
    owner: str
    subject: str
    list_type: str
    dishonesty_class: str
    bases: tuple[str, ...]
    facts: str
    story: Story
    measures: tuple[str, ...] = ()


def seed_cases(city: DemoCity) -> None:
    for spec in CASES:
        subject = city.subjects[spec.subject]
        # A case's natural key is its subject and facts (the owner may change by handover).
        if Case.objects.filter(subject=subject, facts=spec.facts).exists():
            continue
        officer = city.users[f"{spec.owner}_officer"]
        case = services.open_case(
            officer, subject=subject, list_type=spec.list_type, dishonesty_class=spec.dishonesty_class,
            legal_bases=[city.bases[key] for key in spec.bases], facts=spec.facts,
            measures=[city.measures[code] for code in spec.measures],
        )
        spec.story(city, case)
        city.new_cases += 1
        case.refresh_from_db()
        city.say(f"  {case.number} {subject.name}: {describe(case)}")
    _report(city, _("Cases"), len(CASES), city.new_cases)


def describe(case: Case) -> str:
    """The case's state and its steps' states, e.g. ``listed; objection filed; task pushed``."""
    parts = [f"{case.state} ({case.exit_reason})" if case.exit_reason else case.state]
    steps: list[tuple[str, Any]] = [
        ("objection", case.objections), ("rectification", case.rectifications),
        ("talk", case.talks), ("measure task", case.measuretasks), ("repair", case.repairapplications),
    ]
    for label, manager in steps:
        for state in manager.order_by("pk").values_list("state", flat=True):
            parts.append(f"{label} {state}")
    return "; ".join(parts)


# --- time compression (the demo cannot wait for days to pass) ------------------------------


def _yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)


def compress(model: type[Model], pk: int, **dates: Any) -> None:
    """The demo compresses time: move only the date a guard reads, never the state."""
    model._default_manager.filter(pk=pk).update(**dates)


def notify(city: DemoCity, case: Case) -> None:
    services.advance(case, "notify", city.officer(case), {"channel": "书面告知书（送达回证）"})


def determine(city: DemoCity, case: Case, waived: bool = False) -> None:
    """告知 then 认定; the statement window ends, or the subject waives it in writing."""
    notify(city, case)
    if waived:
        services.advance(case, "waive_statement", city.subject_user(case), {"statement": "放弃陈述申辩"})
    else:
        # The demo compresses time: the statement and defence window ended yesterday.
        compress(Case, case.pk, statement_due_on=_yesterday())
    decision = {"decision": "认定决定书与信用修复告知书同时送达"}  # 两书同达
    services.advance(case, "determine", city.reviewer(case), decision)


def tasks(case: Case) -> list[MeasureTask]:
    return list(case.measuretasks.select_related("department", "measure").order_by("pk"))


def report_task(city: DemoCity, task: MeasureTask, outcome: str = "implemented") -> None:
    services.advance(task, "acknowledge", city.joint_user(task))
    report = "已在业务系统中实施限制" if outcome == "implemented" else "该主体无相关在办事项，措施暂不适用"
    services.advance(task, "report", city.joint_user(task), {"outcome": outcome, "report": report})


def _talk_time() -> str:
    """09:30 on a working day about a month ahead.

    The subject must be told several working days before a talk (a policy, 3 WD by default);
    a month clears it even across the Spring Festival or National Day holidays.
    """
    day = next_working_day(timezone.localdate() + TALK_LEAD_TIME)
    return timezone.make_aware(datetime.combine(day, TALK_START)).isoformat()


def scheduled_talk(city: DemoCity, case: Case, talk: Talk | None = None, kind: str = TalkKind.PROMPT) -> Talk:
    if talk is None:
        talk = services.require_talk(case, city.officer(case), kind, "整改不到位，按“谁认定、谁约谈”启动约谈")
    services.advance(talk, "schedule", city.officer(case), {
        "scheduled_for": _talk_time(), "place": f"{case.owner_department.name}约谈室",
        "co_organiser": NDRC_CODE,
    })
    return talk


def talk_time_passes(talk: Talk) -> None:
    # The demo compresses time: the scheduled talk time is now an hour ago.
    compress(Talk, talk.pk, scheduled_for=timezone.now() - timedelta(hours=1))


def accepted_rectification(city: DemoCity, case: Case) -> Rectification:
    rectification = services.order_rectification(case, city.officer(case), "限期整改并提交整改报告及佐证材料")
    services.advance(rectification, "submit", city.subject_user(case), {"note": "已完成整改，附整改报告"})
    services.advance(rectification, "accept", city.officer(case))
    return rectification


def objection(city: DemoCity, case: Case, grounds: str) -> Objection:
    return services.file_objection(case, city.subject_user(case), grounds)


def dismissed_objection(city: DemoCity, case: Case, grounds: str, reason: str) -> Objection:
    dismissed = objection(city, case, grounds)
    services.advance(dismissed, "accept", city.officer(case))
    services.advance(dismissed, "dismiss", city.reviewer(case), {"reason": reason})
    return dismissed


def repair(city: DemoCity, case: Case) -> RepairApplication:
    minimum_publication_served(case)  # a repair is filed only once the minimum period is served
    return services.apply_repair(Case.objects.get(pk=case.pk), city.subject_user(case), {
        "commitment_letter": True, "rectification_proof": "整改报告及验收意见",
        "training_certificate": True, "statement": "已纠正失信行为，申请信用修复",
    })


def minimum_publication_served(case: Case) -> None:
    # The demo compresses time: the minimum publication period (公示期) ended today.
    compress(Case, case.pk, publication_min_until=timezone.localdate())


# --- the stories ---------------------------------------------------------------------------


def story_draft(city: DemoCity, case: Case) -> None:
    """Case draft: the officer has not yet told the subject."""


def story_notified(city: DemoCity, case: Case) -> None:
    """Case notified: the statement and defence window is open."""
    notify(city, case)


def story_withdrawn(city: DemoCity, case: Case) -> None:
    """Case withdrawn after the subject's statement showed the facts were wrong."""
    notify(city, case)
    services.advance(case, "withdraw", city.officer(case), {"reason": "陈述申辩成立，事实认定有误"})


def story_measures_in_progress(city: DemoCity, case: Case) -> None:
    """Listed with the market regulator's list's measures: pushed, acknowledged, implemented,
    not applicable; objection filed."""
    determine(city, case)
    by_measure = {task.measure.code: task for task in tasks(case)}
    procurement = by_measure["samr-procurement"]
    services.advance(procurement, "acknowledge", city.joint_user(procurement))
    report_task(city, by_measure["samr-licensing"])
    report_task(city, by_measure["samr-qualification"], "not_applicable")
    objection(city, case, "抽检样品保存条件不符合规定，检验结论不应采信")


def story_overdue_rectification(city: DemoCity, case: Case) -> None:
    """Listed; objection dismissed; rectification overdue, so a talk is required; repair denied."""
    determine(city, case)
    dismissed = objection(city, case, "超标排放系监测设备故障所致")
    services.advance(dismissed, "accept", city.officer(case))
    services.advance(dismissed, "dismiss", city.reviewer(case), {"reason": "运维记录表明监测数据真实有效"})
    rectification = services.order_rectification(case, city.officer(case), "完成废气治理设施升级改造")
    # The demo compresses time: the rectification period ended yesterday.
    compress(Rectification, rectification.pk, due_on=_yesterday())
    services.advance(rectification, "mark_overdue", city.users["system"])
    denied = repair(city, case)
    services.advance(denied, "accept", city.officer(case))
    services.advance(denied, "deny", city.reviewer(case), {"reason": "限期整改尚未完成，不符合修复条件"})


def story_rectification_ordered(city: DemoCity, case: Case) -> None:
    """Key attention list; objection rejected as inadmissible; rectification ordered; repair applied."""
    determine(city, case)
    rejected = objection(city, case, "对处罚金额有异议")
    services.advance(rejected, "reject_inadmissible", city.officer(case), {
        "reason": "异议事项不属于信用信息异议范围，应通过行政复议或诉讼解决",
    })
    services.order_rectification(case, city.officer(case), "补缴税款及滞纳金", period_working_days=10)
    repair(city, case)


def story_talk_scheduled(city: DemoCity, case: Case) -> None:
    """Statement waived; rectification submitted; objection under review; a talk scheduled."""
    determine(city, case, waived=True)
    rectification = services.order_rectification(case, city.officer(case), "后厨卫生整改并建立进货查验记录")
    services.advance(rectification, "submit", city.subject_user(case), {"note": "已整改，附照片和台账"})
    under_review = objection(city, case, "涉事批次食品系供货商责任")
    services.advance(under_review, "accept", city.officer(case))
    scheduled_talk(city, case)


def story_talk_held(city: DemoCity, case: Case) -> None:
    """A first warning talk not attended (the refusal recorded), a second warning talk held;
    rectification accepted; one repair rejected, a second under review."""
    determine(city, case)
    refused = scheduled_talk(city, case, kind=TalkKind.WARNING)
    talk_time_passes(refused)
    services.advance(refused, "miss", city.officer(case), {"note": "当事人无正当理由未到场"})
    services.advance(refused, "record_refusal", city.officer(case), {
        "note": "约谈通知书已送达，当事人无正当理由未到场，登记拒不参加约谈"})
    talk = scheduled_talk(city, case, kind=TalkKind.WARNING)
    talk_time_passes(talk)
    services.advance(talk, "hold", city.officer(case), {"record": "当事人承认偷税事实，承诺十个工作日内补缴"})
    accepted_rectification(city, case)
    rejected = repair(city, case)
    services.advance(rejected, "reject_inadmissible", city.officer(case), {"reason": "未附税款缴纳凭证"})
    under_review = repair(city, case)
    services.advance(under_review, "accept", city.officer(case))
    withdrawn = objection(city, case, "对补缴税款金额有异议")
    services.advance(withdrawn, "withdraw", city.subject_user(case), {"reason": "经核对，金额无误"})


def story_talk_missed(city: DemoCity, case: Case) -> None:
    """The subject did not come to the prompt talk; its dismissed objection is under re-review."""
    determine(city, case)
    talk = scheduled_talk(city, case)
    talk_time_passes(talk)
    services.advance(talk, "miss", city.officer(case), {"note": "当事人无正当理由未到场"})
    re_review = dismissed_objection(city, case, "抽检样品非本企业生产", "样品封样记录完整，来源清楚")
    services.advance(re_review, "request_re_review", city.subject_user(case),
                     {"grounds": "封样记录中的批号与本企业产品批号规则不符"})


def story_repaired(city: DemoCity, case: Case) -> None:
    """Repair approved: the case exits; one measure confirmed terminated, one still terminating;
    then an objection after exit is upheld: the record is revoked as wrongly listed."""
    determine(city, case)
    for task in tasks(case):
        report_task(city, task)
    accepted_rectification(city, case)
    approved = repair(city, case)
    services.advance(approved, "accept", city.officer(case))
    minimum_publication_served(case)
    services.advance(approved, "approve", city.reviewer(case), {"decision": "准予信用修复"})
    procurement = next(task for task in tasks(case) if task.measure.code == "tax-procurement")
    services.advance(procurement, "confirm", city.joint_user(procurement))
    # After the exit the subject shows the listing was wrong (鞍政办发〔2020〕18号 第十四项): the
    # record is revoked as wrongly listed (the demo's history keeps cases exited as repaired).
    wrong = services.file_objection(case, city.subject_user(case),
                                    "申报数据系税务系统迁移错误所致，并非虚假申报",
                                    ObjectionKind.WRONGFUL_LISTING)
    services.advance(wrong, "accept", city.officer(case))
    services.advance(wrong, "uphold", city.reviewer(case), {
        "outcome": ObjectionOutcome.WRONGLY_LISTED, "reason": "经核实系系统迁移数据错误，属错误认定"})


def story_expired(city: DemoCity, case: Case) -> None:
    """The maximum publication period passed: the system exits the case; the measure ends."""
    determine(city, case)
    # The demo compresses time: the maximum publication period ended yesterday.
    compress(Case, case.pk, listed_until=_yesterday())
    services.advance(case, "exit", city.users["system"], {"reason": ExitReason.EXPIRED})
    for task in tasks(case):
        services.advance(task, "confirm", city.joint_user(task))


def story_revoked(city: DemoCity, case: Case) -> None:
    """Objection upheld with revocation: the case exits as revoked, its measure is being ended."""
    determine(city, case)
    upheld = objection(city, case, "检验报告对应的样品并非本单位食堂所供")
    services.advance(upheld, "accept", city.officer(case))
    services.advance(upheld, "uphold", city.reviewer(case), {
        "outcome": ObjectionOutcome.REVOKE, "reason": "经复核，样品来源记录错误，撤销认定",
    })


def story_label_cleared(city: DemoCity, case: Case) -> None:
    """A dismissal confirmed on re-review; a second objection partly upheld: the information is
    maintained, the dishonesty label cleared, the case exits as label_cleared."""
    determine(city, case)
    confirmed = dismissed_objection(city, case, "处罚事实认定有误", "现场检查笔录与照片相互印证")
    services.advance(confirmed, "request_re_review", city.subject_user(case),
                     {"grounds": "检查时未出示执法证件"})
    services.advance(confirmed, "confirm_dismissal", city.users["scjgj_re_reviewer"],
                     {"reason": "执法记录仪录像显示已出示证件，维持原处理决定"})
    partly = objection(city, case, "违法行为情节轻微，不应列入重点关注对象名单")
    services.advance(partly, "accept", city.officer(case))
    services.advance(partly, "uphold_in_part", city.reviewer(case), {
        "outcome": ObjectionOutcome.CLEAR_LABEL, "upheld_part": "违法行为已当场改正，不符合列入名单的条件",
        "reason": "行政处罚信息属实，予以维持",
    })


SERIOUS, FOCUS = ListType.SERIOUS, ListType.FOCUS
CLASS_SERIOUS, CLASS_GENERAL = DishonestyClass.SERIOUS, DishonestyClass.GENERAL

# Each case cites the article its facts break and, on the serious list, the rule that creates
# that list; the measures it names rest on one of its own bases (Measure.misfit).
CASES: tuple[CaseSpec, ...] = (
    CaseSpec("scjgj", "jiancai", SERIOUS, CLASS_SERIOUS, ("product", "samr-list"),
             "销售不符合国家标准的防火保温材料，货值金额较大", story_draft),
    CaseSpec("sthjj", "huagong", SERIOUS, CLASS_SERIOUS, ("environment",),
             "通过暗管排放含重金属废水，拒不改正", story_notified),
    CaseSpec("sswj", "shangmao", FOCUS, CLASS_GENERAL, ("tax-filing", "liaoning"),
             "逾期未申报纳税，经责令限期申报仍未申报", story_withdrawn),
    CaseSpec("scjgj", "shipin", SERIOUS, CLASS_SERIOUS, ("food", "samr-list"),
             "生产经营致病性微生物超标的食品，造成群体性食物中毒", story_measures_in_progress,
             ("samr-procurement", "samr-licensing", "samr-qualification", "samr-bidding")),
    CaseSpec("sthjj", "huagong", SERIOUS, CLASS_SERIOUS, ("environment-excess",),
             "在线监测数据显示大气污染物持续超标排放", story_overdue_rectification),
    CaseSpec("sswj", "shangmao", FOCUS, CLASS_GENERAL, ("tax", "liaoning"),
             "少缴应纳税款，经税务机关通知申报而拒不申报", story_rectification_ordered),
    CaseSpec("scjgj", "canyin", FOCUS, DishonestyClass.MINOR, ("food-hygiene", "liaoning"),
             "餐饮服务场所卫生条件不符合要求，屡查屡犯", story_talk_scheduled, ("strict-licensing",)),
    CaseSpec("sswj", "wang", SERIOUS, CLASS_SERIOUS, ("tax", "tax-list"),
             "隐匿个人劳务报酬收入，少缴个人所得税数额较大", story_talk_held, ("tax-procurement",)),
    CaseSpec("scjgj", "jiancai", SERIOUS, CLASS_SERIOUS, ("product-fake", "samr-list"),
             "生产不合格钢筋并以不合格产品冒充合格产品", story_talk_missed, ("samr-bidding",)),
    CaseSpec("sswj", "reli", SERIOUS, CLASS_SERIOUS, ("tax", "tax-list"),
             "进行虚假的纳税申报，少缴企业所得税数额较大", story_repaired,
             ("tax-procurement", "tax-bidding")),
    CaseSpec("sswj", "li", FOCUS, CLASS_GENERAL, ("invoice", "liaoning"),
             "虚开发票用于抵扣个人经营所得", story_expired, ("strict-licensing",)),
    CaseSpec("scjgj", "peixun", SERIOUS, CLASS_SERIOUS, ("food", "samr-list"),
             "学校食堂供应的熟食检出致病菌", story_revoked, ("samr-licensing",)),
    CaseSpec("scjgj", "canyin", FOCUS, CLASS_GENERAL, ("food", "liaoning"),
             "经营超过保质期的食品原料加工的食品", story_label_cleared, ("strict-licensing",)),
)
