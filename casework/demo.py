"""The demo city (鞍山市): departments of the plan's annex, catalogues, users, subjects, cases.

Every row is found by its natural key before it is created (department code,
legal basis title and article, measure code, username, subject identifier, and a
case's subject and facts), so seeding twice changes nothing. Every state is
reached through casework.services, never by writing a state column. Where a
guard waits for time to pass, the demo compresses time: it moves the one date
the guard reads (never the state) with a plain ``update()`` just before the step.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import services
from casework.choices import (
    DepartmentKind,
    DepartmentLevel,
    DishonestyClass,
    LegalBasisKind,
    ListType,
    Role,
    SubjectKind,
)
from casework.identifiers import citizen_id_check_char, org_code_check_char, uscc_check_char
from casework.models import (
    Case,
    Department,
    LegalBasis,
    Measure,
    MeasureTask,
    Objection,
    Rectification,
    RepairApplication,
    Subject,
    Talk,
    User,
)
from workflows.calendar import next_working_day
from workflows.case import ExitReason
from workflows.objection import ObjectionOutcome
from workflows.talk import TalkKind

DEMO_PASSWORD = "anshan-demo"
NDRC_CODE = "fgw"
TALK_LEAD_TIME = timedelta(days=30)
TALK_START = time(9, 30)

# --- departments (plan annex: 鞍山市社会信用体系建设领导小组成员单位名单) -----------------------


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    kind: str = DepartmentKind.DETERMINING
    level: str = DepartmentLevel.CITY
    parent: str | None = None


DETERMINING, JOINT, COUNTY = DepartmentKind.DETERMINING, DepartmentKind.JOINT, DepartmentLevel.COUNTY

DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(NDRC_CODE, "市发展改革委", DepartmentKind.NDRC),
    DepartmentSpec("ldxzbgs", "鞍山市社会信用体系建设领导小组办公室", DepartmentKind.LEADERSHIP,
                   parent=NDRC_CODE),
    DepartmentSpec("scjgj", "市市场监管局"),
    DepartmentSpec("sthjj", "市生态环境局"),
    DepartmentSpec("sswj", "市税务局"),
    DepartmentSpec("rsj", "市人力资源社会保障局"),
    DepartmentSpec("jtysj", "市交通运输局"),
    DepartmentSpec("jyj", "市教育局"),
    DepartmentSpec("kjj", "市科技局"),
    DepartmentSpec("gxj", "市工业和信息化局"),
    DepartmentSpec("gaj", "市公安局"),
    DepartmentSpec("mzj", "市民政局"),
    DepartmentSpec("sfj", "市司法局"),
    DepartmentSpec("zrzyj", "市自然资源局"),
    DepartmentSpec("slj", "市水利局"),
    DepartmentSpec("nyncj", "市农业农村局"),
    DepartmentSpec("swuj", "市商务局"),
    DepartmentSpec("wlgdj", "市文旅广电局"),
    DepartmentSpec("wjw", "市卫生健康委"),
    DepartmentSpec("tyjrj", "市退役军人局"),
    DepartmentSpec("tjj", "市统计局"),
    DepartmentSpec("jrfzj", "市金融发展局"),
    DepartmentSpec("ybj", "市医保局"),
    DepartmentSpec("rfb", "市人防办"),
    DepartmentSpec("ashg", "鞍山海关"),
    DepartmentSpec("ycj", "鞍山市烟草专卖局"),
    # Joint-punishment departments: they carry out measures pushed to them (plan items 8–9).
    DepartmentSpec("czj", "市财政局", JOINT),
    DepartmentSpec("xzspj", "市行政审批局", JOINT),
    DepartmentSpec("zjj", "市住房城乡建设局", JOINT),
    DepartmentSpec("yjj", "市应急局", JOINT),
    DepartmentSpec("ggzyjy", "市公共资源交易中心", JOINT),
    # 县（市）区 and development zones.
    DepartmentSpec("haicheng", "海城市", level=COUNTY),
    DepartmentSpec("taian", "台安县", level=COUNTY),
    DepartmentSpec("xiuyan", "岫岩县", level=COUNTY),
    DepartmentSpec("tiedong", "铁东区", level=COUNTY),
    DepartmentSpec("tiexi", "铁西区", level=COUNTY),
    DepartmentSpec("lishan", "立山区", level=COUNTY),
    DepartmentSpec("qianshan", "千山区", level=COUNTY),
    DepartmentSpec("gaoxin", "高新区管委会", level=COUNTY),
    DepartmentSpec("jingkai", "经济开发区管委会", level=COUNTY),
)

# --- catalogues ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BasisSpec:
    key: str
    kind: str
    title: str
    article: str
    serious: bool
    focus: bool
    active_from: date


LAW, REGULATION = LegalBasisKind.LAW, LegalBasisKind.ADMINISTRATIVE_REGULATION

LEGAL_BASES: tuple[BasisSpec, ...] = (
    BasisSpec("food", LAW, "中华人民共和国食品安全法", "第一百一十三条", True, True, date(2015, 10, 1)),
    BasisSpec("product", LAW, "中华人民共和国产品质量法", "第四十九条", True, True, date(2018, 12, 29)),
    BasisSpec("safety", LAW, "中华人民共和国安全生产法", "第七十八条", True, False, date(2021, 9, 1)),
    BasisSpec("tax", LAW, "中华人民共和国税收征收管理法", "第六十三条", True, True, date(2015, 4, 24)),
    BasisSpec("environment", LAW, "中华人民共和国环境保护法", "第五十四条", True, True, date(2015, 1, 1)),
    BasisSpec("procurement", LAW, "中华人民共和国政府采购法", "第二十二条", True, False, date(2003, 1, 1)),
    BasisSpec("company", LAW, "中华人民共和国公司法", "第一百七十八条", True, False, date(2024, 7, 1)),
    BasisSpec("bidding", REGULATION, "中华人民共和国招标投标法实施条例", "第六十七条", True, False,
              date(2012, 2, 1)),
    BasisSpec("wages", REGULATION, "保障农民工工资支付条例", "第四十八条", True, False, date(2020, 5, 1)),
    # A local regulation supports the lighter key attention list only (plan item 8).
    BasisSpec("liaoning", LegalBasisKind.LOCAL_REGULATION, "辽宁省社会信用条例", "", False, True,
              date(2022, 1, 1)),
)

SERIOUS_ONLY = ListType.SERIOUS
BOTH_LISTS = f"{ListType.SERIOUS},{ListType.FOCUS}"


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    title: str
    basis: str
    department: str
    list_types: str = SERIOUS_ONLY


MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec("limit-procurement", "限制参与政府采购", "procurement", "czj"),
    MeasureSpec("limit-subsidies", "限制获得政府资金补助", "wages", "czj"),
    MeasureSpec("limit-bidding", "限制参与招标投标", "bidding", "ggzyjy"),
    MeasureSpec("limit-qualification", "限制新增建筑业企业资质", "wages", "zjj"),
    MeasureSpec("limit-legal-representative", "限制担任法定代表人", "company", "xzspj"),
    MeasureSpec("strict-licensing", "从严审核行政许可事项", "liaoning", "xzspj", BOTH_LISTS),
    MeasureSpec("key-supervision", "列为重点监管对象增加检查频次", "safety", "yjj", BOTH_LISTS),
)

# --- subjects ------------------------------------------------------------------------------

ANSHAN, TIEDONG, HAICHENG = "210300", "210302", "210381"
# GB 32100 position 1–2: registration authority and organisation type.
ENTERPRISE_PREFIX, INDIVIDUAL_PREFIX, PRIVATE_NON_ENTERPRISE_PREFIX = "91", "92", "52"


def demo_uscc(prefix: str, region: str, serial: int) -> str:
    """A valid, invented 统一社会信用代码 (both check characters computed)."""
    org_body = f"MA0D{serial:04d}"
    first17 = prefix + region + org_body + org_code_check_char(org_body)
    return first17 + uscc_check_char(first17)


def demo_citizen_id(region: str, born: date, serial: int) -> str:
    """A valid, invented 公民身份号码."""
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + citizen_id_check_char(first17)


@dataclass(frozen=True)
class SubjectSpec:
    key: str
    kind: str
    name: str
    identifier: str


SUBJECTS: tuple[SubjectSpec, ...] = (
    SubjectSpec("shipin", SubjectKind.ENTERPRISE, "鞍山市某某食品有限公司",
                demo_uscc(ENTERPRISE_PREFIX, ANSHAN, 1)),
    SubjectSpec("huagong", SubjectKind.ENTERPRISE, "鞍山某某化工有限公司",
                demo_uscc(ENTERPRISE_PREFIX, ANSHAN, 2)),
    SubjectSpec("shangmao", SubjectKind.ENTERPRISE, "鞍山市某某商贸有限公司",
                demo_uscc(ENTERPRISE_PREFIX, ANSHAN, 3)),
    SubjectSpec("canyin", SubjectKind.INDIVIDUAL_BUSINESS, "鞍山市铁东区某某餐饮店",
                demo_uscc(INDIVIDUAL_PREFIX, TIEDONG, 4)),
    SubjectSpec("wang", SubjectKind.NATURAL_PERSON, "王某", demo_citizen_id(TIEDONG, date(1978, 3, 12), 15)),
    SubjectSpec("jiancai", SubjectKind.ENTERPRISE, "鞍山市某某建材有限公司",
                demo_uscc(ENTERPRISE_PREFIX, HAICHENG, 6)),
    SubjectSpec("reli", SubjectKind.ENTERPRISE, "鞍山某某热力有限公司",
                demo_uscc(ENTERPRISE_PREFIX, ANSHAN, 7)),
    SubjectSpec("li", SubjectKind.NATURAL_PERSON, "李某", demo_citizen_id(HAICHENG, date(1985, 11, 2), 24)),
    SubjectSpec("peixun", SubjectKind.NON_ENTERPRISE, "鞍山市某某职业培训学校",
                demo_uscc(PRIVATE_NON_ENTERPRISE_PREFIX, ANSHAN, 9)),
)

# --- users ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    department: str | None = None
    subject: str | None = None
    head: bool = False


CASE_DEPARTMENTS = ("scjgj", "sthjj", "sswj")
JOINT_DEPARTMENTS = tuple(spec.code for spec in DEPARTMENTS if spec.kind == JOINT)

USERS: tuple[UserSpec, ...] = (
    UserSpec("admin", Role.ADMIN),
    UserSpec("system", Role.SYSTEM),
    UserSpec("fgw_ndrc", Role.NDRC, NDRC_CODE),
    UserSpec("ldxzbgs_leader", Role.LEADERSHIP, "ldxzbgs"),
    *(spec for code in CASE_DEPARTMENTS for spec in (
        UserSpec(f"{code}_officer", Role.OFFICER, code),
        # The reviewer heads the department: breaches escalate to the head (SLA rung 2).
        UserSpec(f"{code}_reviewer", Role.REVIEWER, code, head=True),
    )),
    *(UserSpec(f"{code}_joint", Role.JOINT, code) for code in JOINT_DEPARTMENTS),
    *(UserSpec(f"{subject.key}_subject", Role.SUBJECT, subject=subject.key) for subject in SUBJECTS),
)

# --- the seeding run -----------------------------------------------------------------------


@dataclass
class DemoCity:
    """What the run found or created, by natural key, and where it reports progress."""

    out: TextIO
    password: str = DEMO_PASSWORD
    departments: dict[str, Department] = field(default_factory=dict)
    bases: dict[str, LegalBasis] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    subject_accounts: dict[int, User] = field(default_factory=dict)
    new_users: list[UserSpec] = field(default_factory=list)
    new_cases: int = 0

    def say(self, line: str) -> None:
        self.out.write(line + "\n")

    def officer(self, case: Case) -> User:
        return self.users[f"{case.owner_department.code}_officer"]

    def reviewer(self, case: Case) -> User:
        return self.users[f"{case.owner_department.code}_reviewer"]

    def subject_user(self, case: Case) -> User:
        return self.subject_accounts[case.subject_id]

    def joint_user(self, task: MeasureTask) -> User:
        return self.users[f"{task.department.code}_joint"]


def seed(out: TextIO, password: str = DEMO_PASSWORD) -> DemoCity:
    """Build (or complete) the demo city in one transaction; report what was new."""
    city = DemoCity(out=out, password=password)
    with transaction.atomic():
        seed_departments(city)
        seed_catalogues(city)
        seed_subjects(city)
        seed_users(city)
        seed_cases(city)
    return city


def _report(city: DemoCity, what: Any, total: int, new: int) -> None:
    city.say(_("%(what)s: %(total)d (%(new)d new)") % {"what": what, "total": total, "new": new})


def seed_departments(city: DemoCity) -> None:
    new = 0
    for spec in DEPARTMENTS:
        parent = city.departments[spec.parent] if spec.parent else None
        department, created = Department.objects.get_or_create(code=spec.code, defaults={
            "name": spec.name, "kind": spec.kind, "level": spec.level, "parent": parent,
        })
        city.departments[spec.code] = department
        new += created
    _report(city, _("Departments"), len(DEPARTMENTS), new)


def seed_catalogues(city: DemoCity) -> None:
    new = 0
    for spec in LEGAL_BASES:
        city.bases[spec.key], created = LegalBasis.objects.get_or_create(
            title=spec.title, article=spec.article, defaults={
                "kind": spec.kind, "allows_serious_list": spec.serious, "allows_focus_list": spec.focus,
                "active_from": spec.active_from,
            },
        )
        new += created
    _report(city, _("Legal bases"), len(LEGAL_BASES), new)
    new = 0
    for measure in MEASURES:
        city.measures[measure.code], created = Measure.objects.get_or_create(code=measure.code, defaults={
            "title": measure.title, "legal_basis": city.bases[measure.basis],
            "department": city.departments[measure.department], "list_types": measure.list_types,
        })
        new += created
    _report(city, _("Measures"), len(MEASURES), new)


def seed_subjects(city: DemoCity) -> None:
    new = 0
    for spec in SUBJECTS:
        city.subjects[spec.key], created = Subject.objects.get_or_create(
            identifier=spec.identifier, defaults={"kind": spec.kind, "name": spec.name}
        )
        new += created
    _report(city, _("Subjects"), len(SUBJECTS), new)


def seed_users(city: DemoCity) -> None:
    # Hashing is slow on purpose (PBKDF2); every demo user shares one password, so hash it once.
    password_hash = make_password(city.password)
    for spec in USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User.objects.create(
                username=spec.username, password=password_hash, role=spec.role,
                department=city.departments[spec.department] if spec.department else None,
                subject=city.subjects[spec.subject] if spec.subject else None,
                is_department_head=spec.head,
                is_staff=spec.role == Role.ADMIN, is_superuser=spec.role == Role.ADMIN,
            )
            city.new_users.append(spec)
        city.users[spec.username] = user
        if spec.subject:
            city.subject_accounts[city.subjects[spec.subject].pk] = user
    _report(city, _("Users"), len(USERS), len(city.new_users))


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


def repair(city: DemoCity, case: Case) -> RepairApplication:
    return services.apply_repair(case, city.subject_user(case), {
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
    """Listed with five measures: pushed, acknowledged, implemented, not applicable; objection filed."""
    determine(city, case)
    by_measure = {task.measure.code: task for task in tasks(case)}
    procurement = by_measure["limit-procurement"]
    services.advance(procurement, "acknowledge", city.joint_user(procurement))
    report_task(city, by_measure["limit-subsidies"])
    report_task(city, by_measure["limit-legal-representative"], "not_applicable")
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
    """A warning talk held; rectification accepted; one repair rejected, a second under review."""
    determine(city, case)
    talk = scheduled_talk(city, case, kind=TalkKind.WARNING)
    talk_time_passes(talk)
    services.advance(talk, "hold", city.officer(case), {"record": "当事人承认偷税事实，承诺十个工作日内补缴"})
    accepted_rectification(city, case)
    rejected = repair(city, case)
    services.advance(rejected, "reject_inadmissible", city.officer(case), {"reason": "未附税款缴纳凭证"})
    under_review = repair(city, case)
    services.advance(under_review, "accept", city.officer(case))


def story_talk_missed(city: DemoCity, case: Case) -> None:
    """The subject did not come to the prompt talk."""
    determine(city, case)
    talk = scheduled_talk(city, case)
    talk_time_passes(talk)
    services.advance(talk, "miss", city.officer(case), {"note": "当事人无正当理由未到场"})


def story_repaired(city: DemoCity, case: Case) -> None:
    """Repair approved: the case exits; one measure confirmed terminated, one still terminating."""
    determine(city, case)
    for task in tasks(case):
        report_task(city, task)
    accepted_rectification(city, case)
    approved = repair(city, case)
    services.advance(approved, "accept", city.officer(case))
    minimum_publication_served(case)
    services.advance(approved, "approve", city.reviewer(case), {"decision": "准予信用修复"})
    procurement = next(task for task in tasks(case) if task.measure.code == "limit-procurement")
    services.advance(procurement, "confirm", city.joint_user(procurement))


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


SERIOUS, FOCUS = ListType.SERIOUS, ListType.FOCUS
CLASS_SERIOUS, CLASS_GENERAL = DishonestyClass.SERIOUS, DishonestyClass.GENERAL

CASES: tuple[CaseSpec, ...] = (
    CaseSpec("scjgj", "jiancai", SERIOUS, CLASS_SERIOUS, ("product",),
             "销售不符合国家标准的防火保温材料，货值金额较大", story_draft),
    CaseSpec("sthjj", "huagong", SERIOUS, CLASS_SERIOUS, ("environment",),
             "通过暗管排放含重金属废水，拒不改正", story_notified),
    CaseSpec("sswj", "shangmao", FOCUS, CLASS_GENERAL, ("tax",),
             "逾期未申报纳税，经责令限期申报仍未申报", story_withdrawn),
    CaseSpec("scjgj", "shipin", SERIOUS, CLASS_SERIOUS, ("food",),
             "生产经营致病性微生物超标的食品，造成群体性食物中毒", story_measures_in_progress,
             ("limit-bidding", "limit-procurement", "limit-subsidies", "limit-legal-representative",
              "key-supervision")),
    CaseSpec("sthjj", "huagong", SERIOUS, CLASS_SERIOUS, ("environment",),
             "在线监测数据显示大气污染物持续超标排放", story_overdue_rectification),
    CaseSpec("sswj", "shangmao", FOCUS, CLASS_GENERAL, ("tax", "liaoning"),
             "少缴应纳税款，经税务机关通知申报而拒不申报", story_rectification_ordered),
    CaseSpec("scjgj", "canyin", FOCUS, DishonestyClass.MINOR, ("food", "liaoning"),
             "餐饮服务场所卫生条件不符合要求，屡查屡犯", story_talk_scheduled, ("key-supervision",)),
    CaseSpec("sswj", "wang", SERIOUS, CLASS_SERIOUS, ("tax",),
             "隐匿个人劳务报酬收入，少缴个人所得税数额较大", story_talk_held),
    CaseSpec("scjgj", "jiancai", SERIOUS, CLASS_SERIOUS, ("product",),
             "生产不合格钢筋并以不合格产品冒充合格产品", story_talk_missed, ("limit-bidding",)),
    CaseSpec("sthjj", "reli", SERIOUS, CLASS_SERIOUS, ("environment",),
             "燃煤锅炉未配套除尘设施，烟尘排放超标", story_repaired,
             ("limit-procurement", "key-supervision")),
    CaseSpec("sswj", "li", FOCUS, CLASS_GENERAL, ("tax",),
             "虚开发票用于抵扣个人经营所得", story_expired, ("key-supervision",)),
    CaseSpec("scjgj", "peixun", SERIOUS, CLASS_SERIOUS, ("food",),
             "学校食堂供应的熟食检出致病菌", story_revoked, ("strict-licensing",)),
)


def user_table(city: DemoCity) -> list[tuple[str, str, str, str]]:
    """(username, role, password, department or subject) of the users this run created."""
    rows = []
    for spec in city.new_users:
        if spec.department:
            where = city.departments[spec.department].name
        elif spec.subject:
            where = city.subjects[spec.subject].name
        else:
            where = "—"
        rows.append((spec.username, spec.role, city.password, where))
    return rows
