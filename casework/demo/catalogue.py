"""The demo city's catalogue: departments, legal bases, measures, subjects and users, and their builders.

Each builder finds a row by its natural key before it creates it, so seeding twice changes nothing.
"""

from dataclasses import dataclass, field
from datetime import date
from io import TextIOBase
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from casework.choices import DepartmentKind, DepartmentLevel, LegalBasisKind, ListType, Role, SubjectKind
from casework.identifiers import citizen_id_check_char, org_code_check_char, uscc_check_char
from casework.models import Case, Department, LegalBasis, Measure, MeasureTask, Subject, User
from workflows.choices import Sector

DEMO_PASSWORD = "anshan-demo"
NDRC_CODE = "fgw"

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
    # 应急管理部门 determine the 安全生产严重失信主体名单 (应急管理部令第11号 Art 4: 谁处罚、谁决定).
    DepartmentSpec("yjj", "市应急局"),
    # Joint-punishment departments: they carry out measures pushed to them (plan items 8–9).
    DepartmentSpec("czj", "市财政局", JOINT),
    DepartmentSpec("xzspj", "市行政审批局", JOINT),
    DepartmentSpec("zjj", "市住房城乡建设局", JOINT),
    DepartmentSpec("ggzyjy", "市公共资源交易中心", JOINT),
    # 县（市）区 and development zones: their sector bureaus determine, not the county
    # governments (a government is no 认定部门); the market regulators here.
    DepartmentSpec("haicheng-scjgj", "海城市市场监督管理局", level=COUNTY),
    DepartmentSpec("taian-scjgj", "台安县市场监督管理局", level=COUNTY),
    DepartmentSpec("xiuyan-scjgj", "岫岩满族自治县市场监督管理局", level=COUNTY),
    DepartmentSpec("tiedong-scjgj", "铁东区市场监督管理局", level=COUNTY),
    DepartmentSpec("tiexi-scjgj", "铁西区市场监督管理局", level=COUNTY),
    DepartmentSpec("lishan-scjgj", "立山区市场监督管理局", level=COUNTY),
    DepartmentSpec("qianshan-scjgj", "千山区市场监督管理局", level=COUNTY),
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
    # The field (LegalBasis.sector) whose policy rows apply to a case citing this basis: the
    # one-year minimum of 国家发展改革委令第58号 for food and work-safety penalty information.
    sector: str = ""
    # The listing validity the basis fixes itself (LegalBasis.listing_years), in years; None:
    # the policy rows' maximum publication applies.
    listing_years: int | None = None


LAW, REGULATION = LegalBasisKind.LAW, LegalBasisKind.ADMINISTRATIVE_REGULATION
RULE = LegalBasisKind.DEPARTMENTAL_RULE
FOOD, WORK_SAFETY = Sector.FOOD.value, Sector.WORK_SAFETY.value

# Each row is the article the conduct breaks (the violation), or the rule that creates the
# list the case goes on (列入名单的规章), cited beside it; measures rest on one or the other.
LEGAL_BASES: tuple[BasisSpec, ...] = (
    # 生产经营致病性微生物……超过食品安全标准限量的食品 (食品安全法 Art 124 para 1 item 1).
    BasisSpec("food", LAW, "中华人民共和国食品安全法", "第一百二十四条", True, True, date(2015, 10, 1),
              FOOD),
    # 餐具、饮具未按规定洗净消毒，餐饮服务设施、设备未按规定维护清洗 (Art 126).
    BasisSpec("food-hygiene", LAW, "中华人民共和国食品安全法", "第一百二十六条", True, True,
              date(2015, 10, 1), FOOD),
    # 生产、销售不符合保障人身、财产安全的国家标准、行业标准的产品 (产品质量法 Art 49).
    BasisSpec("product", LAW, "中华人民共和国产品质量法", "第四十九条", True, True, date(2018, 12, 29)),
    # 以不合格产品冒充合格产品 (Art 50).
    BasisSpec("product-fake", LAW, "中华人民共和国产品质量法", "第五十条", True, True, date(2018, 12, 29)),
    BasisSpec("safety", LAW, "中华人民共和国安全生产法", "第七十八条", True, False, date(2021, 9, 1),
              WORK_SAFETY),
    # 偷税: 不列、少列收入，经通知申报而拒不申报或者虚假申报，不缴或者少缴 (征管法 Art 63).
    BasisSpec("tax", LAW, "中华人民共和国税收征收管理法", "第六十三条", True, True, date(2015, 4, 24)),
    # 未按照规定的期限办理纳税申报 (Art 62).
    BasisSpec("tax-filing", LAW, "中华人民共和国税收征收管理法", "第六十二条", True, True, date(2015, 4, 24)),
    # 虚开发票 (发票管理办法 Art 22 para 2 forbids it; its penalty article follows it).
    BasisSpec("invoice", REGULATION, "中华人民共和国发票管理办法", "第二十二条", True, True,
              date(2011, 2, 1)),
    # 通过暗管……等逃避监管的方式违法排放污染物 (环境保护法 Art 63 item 3).
    BasisSpec("environment", LAW, "中华人民共和国环境保护法", "第六十三条", True, True, date(2015, 1, 1)),
    # 超过污染物排放标准排放污染物 (Art 60).
    BasisSpec("environment-excess", LAW, "中华人民共和国环境保护法", "第六十条", True, True,
              date(2015, 1, 1)),
    BasisSpec("procurement", LAW, "中华人民共和国政府采购法", "第二十二条", True, False, date(2003, 1, 1)),
    BasisSpec("company", LAW, "中华人民共和国公司法", "第一百七十八条", True, False, date(2024, 7, 1)),
    BasisSpec("bidding", REGULATION, "中华人民共和国招标投标法实施条例", "第六十七条", True, False,
              date(2012, 2, 1)),
    BasisSpec("wages", REGULATION, "保障农民工工资支付条例", "第四十八条", True, False, date(2020, 5, 1)),
    # The rules that create each serious list, by the department that keeps it. Each article and
    # date was checked against a copy of the rule's text (docs/traceability.md, "Citations
    # checked"): 44号 Art 2 (listed after a heavier penalty by the market regulator), 54号 Art 6
    # (the eleven kinds of conduct), 45号 Art 5 (the two cases of wage arrears) and its listing
    # period of three years (a record listed under it leaves the list after three years); of 11号 only
    # Arts 1-5 were read, so it is cited by Art 3 (what 严重失信 and its list are), not by the
    # number of the article listing the nine cases, which was not verified.
    BasisSpec("samr-list", RULE, "市场监督管理严重违法失信名单管理办法（国家市场监督管理总局令第44号）",
              "第二条", True, False, date(2021, 9, 1)),
    BasisSpec("tax-list", RULE, "重大税收违法失信主体信息公布管理办法（国家税务总局令第54号）",
              "第六条", True, False, date(2022, 2, 1)),
    BasisSpec("wages-list", RULE,
              "拖欠农民工工资失信联合惩戒对象名单管理暂行办法（人力资源社会保障部令第45号）",
              "第五条", True, False, date(2022, 1, 1), listing_years=3),
    BasisSpec("safety-list", RULE, "安全生产严重失信主体名单管理办法（应急管理部令第11号）",
              "第三条", True, False, date(2023, 10, 1), WORK_SAFETY),
    # A local regulation supports the lighter key attention list only (plan item 8). Its text
    # was not obtained, so no article is cited: the row shows LegalBasis.article_text (未核实).
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


# A measure rests on one legal basis and follows only from a case citing it (Measure.misfit):
# the market regulator's list carries the market regulator's measures, the tax list the tax
# measures; wage-arrears and work-safety measures follow only from wage-arrears and
# work-safety cases.
MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec("limit-procurement", "限制参与政府采购", "procurement", "czj"),
    MeasureSpec("limit-subsidies", "限制获得政府资金补助", "wages", "czj"),
    MeasureSpec("limit-bidding", "限制参与招标投标", "bidding", "ggzyjy"),
    MeasureSpec("limit-qualification", "限制新增建筑业企业资质", "wages", "zjj"),
    MeasureSpec("limit-legal-representative", "限制担任法定代表人", "company", "xzspj"),
    MeasureSpec("strict-licensing", "从严审核行政许可事项", "liaoning", "xzspj", BOTH_LISTS),
    MeasureSpec("key-supervision", "列为重点监管对象增加检查频次", "safety", "yjj", BOTH_LISTS),
    # 市场监督管理严重违法失信名单: what the other departments weigh or refuse.
    MeasureSpec("samr-procurement", "委托承担政府采购项目时作为重要考量因素", "samr-list", "czj"),
    MeasureSpec("samr-bidding", "工程招投标时作为重要考量因素", "samr-list", "ggzyjy"),
    MeasureSpec("samr-licensing", "审查行政许可时作为重要考量因素", "samr-list", "xzspj"),
    MeasureSpec("samr-no-commitment", "不适用告知承诺制", "samr-list", "xzspj"),
    MeasureSpec("samr-qualification", "审查建筑业企业资质时作为重要考量因素", "samr-list", "zjj"),
    # 重大税收违法失信主体: the joint departments' restrictions.
    MeasureSpec("tax-procurement", "依法限制参加政府采购活动", "tax-list", "czj"),
    MeasureSpec("tax-bidding", "依法限制参与工程招投标", "tax-list", "ggzyjy"),
    MeasureSpec("tax-qualification", "依法限制取得建筑业企业资质", "tax-list", "zjj"),
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
    # A second reviewer decides re-reviews (复核): not the reviewer who dismissed the objection.
    UserSpec("scjgj_re_reviewer", Role.REVIEWER, "scjgj"),
    *(UserSpec(f"{code}_joint", Role.JOINT, code) for code in JOINT_DEPARTMENTS),
    *(UserSpec(f"{subject.key}_subject", Role.SUBJECT, subject=subject.key) for subject in SUBJECTS),
)

# --- the seeding run -----------------------------------------------------------------------


@dataclass
class DemoCity:
    """What the run found or created, by natural key, and where it reports progress."""

    out: TextIOBase
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
                "active_from": spec.active_from, "sector": spec.sector,
                "listing_years": spec.listing_years,
            },
        )
        basis = city.bases[spec.key]
        if not created and (basis.sector, basis.listing_years) != (spec.sector, spec.listing_years):
            # A demo seeded before its bases carried these fields gets them now.
            LegalBasis.objects.filter(pk=basis.pk).update(
                sector=spec.sector, listing_years=spec.listing_years)
            basis.sector, basis.listing_years = spec.sector, spec.listing_years
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


def user_table(city: DemoCity) -> list[tuple[str, ...]]:
    """(username, role, password, department or subject) of the users this run created."""
    rows: list[tuple[str, ...]] = []
    for spec in city.new_users:
        if spec.department:
            where = city.departments[spec.department].name
        elif spec.subject:
            where = city.subjects[spec.subject].name
        else:
            where = "—"
        rows.append((spec.username, spec.role, city.password, where))
    return rows
