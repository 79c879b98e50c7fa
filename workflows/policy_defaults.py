"""The default SLA policies (each row with its legal source and grade), loaded by a data migration.

Plain data, so that the migration that loads it and `manage.py sla_policies
--check` read the same rows. Each row carries the source that makes it law.
"""

from datetime import date
from typing import Any

NATIONAL_49 = date(2020, 12, 7)  # 国办发〔2020〕49号 issued
REPAIR_RULES = date(2026, 4, 1)  # 国家发展改革委令第36号 (credit repair) in force
ESCALATING = {"clock": "working_days", "warn_percent": 75, "warn_working_days_before": 1,
              "escalates": True, "leadership_after": 2, "on_due": "escalate"}
LEADERSHIP_SOURCE = " 逾期督办：鞍政办发〔2020〕18号 第16、19项（领导小组办公室督办）。"


# 《中华人民共和国行政处罚法》 as revised on 2021-01-22 (中华人民共和国主席令第七十号), in force
# 2021-07-15: Art 48(2) gives three days to withdraw a published penalty that was changed or
# revoked, and Art 85 says that its "三日" are working days.
PENALTY_LAW = date(2021, 7, 15)
PENALTY_LAW_48 = (
    "撤回失信信息：《中华人民共和国行政处罚法》（2021年1月22日第十三届全国人民代表大会常务委员会"
    "第二十五次会议修订，中华人民共和国主席令第七十号，2021年7月15日起施行）第四十八条第二款："
    "公开的行政处罚决定被依法变更、撤销、确认违法或者确认无效的，行政机关应当在三日内撤回行政处罚"
    "决定信息并公开说明理由；第八十五条：本法中“三日”的规定是指工作日，不含法定节假日。"
    "以该行政处罚为依据的失信记录一并撤回。起算：自主体提交变更、撤销等决定之日（本产品的默认起算点，"
    "法律未明定）。" + LEADERSHIP_SOURCE
)

REPAIR_PAUSE: dict[str, Any] = {"pause_on": ["objection_open"]}
REPAIR_PAUSE_SOURCE = "异议处理期间修复期限中止（默认值，与整改期限一致）。"


def _step(step: str, length: int, party: str, source: str, confidence: str, **extra: Any) -> dict[str, Any]:
    row = {"step": step, "length": length, "party": party, "effective_from": NATIONAL_49,
           "source": source, "confidence": confidence, **ESCALATING}
    row.update(extra)
    return row


STEPS: list[dict[str, Any]] = [
    _step("statement_window", 5, "subject",
          "陈述申辩期：国办发〔2020〕49号 第（七）项要求认定前告知并听取陈述申辩；"
          "期限参照《行政处罚法》第六十四条，默认5个工作日，可配置；自告知书送达之次日起算"
          "（《民法典》第二百零一条：开始的当日不计入），未送达不起算。", "C",
          on_due="milestone", escalates=False, leadership_after=None, warn_percent=None,
          starts_on_service=True),
    _step("objection_accept", 2, "department",
          "异议受理：国办发〔2020〕49号 第（八）项要求建立异议处理机制，未规定受理期限；"
          "默认2个工作日内决定是否受理，参照外省市信用条例（上海第36条、浙江第30条等），"
          "并非国家规定，可配置。" + LEADERSHIP_SOURCE, "C"),
    _step("objection_decide", 5, "department",
          "异议核查决定：国家层面未规定核查期限；默认5个工作日，参照外省市信用条例"
          "（深圳第48–51条2个工作日、山东第39条/河南第41条3个工作日），并非国家规定，可配置；"
          "经负责人批准可延长，合计不超过20个工作日（参照浙江第31条）；"
          "检测、鉴定、专家评审时间不计入（参照河南第41条）。" + LEADERSHIP_SOURCE, "C",
          max_extension=15, pause_on=["expert_review"]),
    # 复核 of a dismissed objection: the subject's window to ask, then the department's decision.
    _step("objection_re_review_request", 15, "subject",
          "异议复核申请期：国家层面未规定异议处理结果的复核申请期限；默认自异议处理决定书送达之次日起"
          "15个工作日内可申请复核一次（对主体较宽的默认值，可配置），未送达不起算；"
          "期满未申请的，异议处理决定为最终处理结果。", "C",
          on_due="milestone", escalates=False, leadership_after=None, warn_percent=None,
          starts_on_service=True),
    _step("objection_re_review", 5, "department",
          "异议复核决定：国家层面未规定复核期限；默认自收到复核申请之日起5个工作日内作出复核决定，"
          "与异议核查决定的默认期限一致（参照外省市信用条例），可配置；复核由未作出原处理决定的"
          "审核人员作出。" + LEADERSHIP_SOURCE, "C"),
    _step("record_withdrawal", 3, "department", PENALTY_LAW_48, "B", effective_from=PENALTY_LAW),
    _step("rectification_period", 15, "subject",
          "限期整改：鞍政办发〔2020〕18号 第10项；整改期限在整改通知中确定，默认15个工作日；"
          "逾期未整改的进行约谈。异议处理期间整改期限中止。自整改通知书送达之次日起算。", "C",
          on_due="rectification_overdue", escalates=False, leadership_after=None,
          pause_on=["objection_open"], starts_on_service=True),
    _step("rectification_verify", 5, "department",
          "整改核查：部门在5个工作日内核查整改材料（默认值）。" + LEADERSHIP_SOURCE, "C"),
    _step("talk_schedule", 5, "department",
          "约谈安排：鞍政办发〔2020〕18号 第10项“谁认定、谁约谈”；需约谈后5个工作日内安排（默认值）。"
          + LEADERSHIP_SOURCE, "C"),
    _step("talk_notice", 3, "department",
          "约谈通知：至少提前3个工作日通知被约谈主体（默认值，参照《山东省社会信用条例》第41条）。", "C",
          on_due="milestone", escalates=False, leadership_after=None, warn_percent=None),
    _step("talk_record", 2, "department",
          "约谈记录：约谈后2个工作日内归档约谈记录，记入信用记录并推送共享平台（默认值）。"
          + LEADERSHIP_SOURCE, "C"),
    _step("measure_acknowledge", 3, "joint",
          "惩戒措施签收：鞍政办发〔2020〕18号 第8、9项联合惩戒；联合惩戒部门3个工作日内签收（默认值）。"
          + LEADERSHIP_SOURCE, "C"),
    _step("measure_report", 10, "joint",
          "惩戒落实反馈：联合惩戒部门10个工作日内反馈落实情况（默认值）。" + LEADERSHIP_SOURCE, "C"),
    _step("measure_terminate", 3, "joint",
          "惩戒终止确认：退出、修复或撤销后3个工作日内确认终止（参照3个工作日同步规则）。"
          + LEADERSHIP_SOURCE, "C"),
    # The repair clocks pause while an objection is open (the record itself is under review;
    # a default, as for the rectification period): REPAIR_PAUSE.
    # Step rows are versioned by their own source's date: before the 2026 repair rules the
    # same periods are this product's defaults, not those rules.
    _step("repair_decide", 3, "department",
          "信用修复受理（2026-04-01前）：国家发展改革委令第36号施行前，默认3个工作日内作出受理决定"
          "（与其后规则一致的默认值，可配置）。" + LEADERSHIP_SOURCE, "C",
          effective_to=REPAIR_RULES, **REPAIR_PAUSE),
    _step("repair_answer", 10, "department",
          "信用修复答复（2026-04-01前）：默认申请至答复不超过10个工作日，说明理由可延长3个工作日"
          "（参照深圳，默认值，可配置）。" + LEADERSHIP_SOURCE, "C", max_extension=3,
          effective_to=REPAIR_RULES, **REPAIR_PAUSE),
    _step("repair_decide", 3, "department",
          "信用修复受理：国办发〔2025〕22号 第三至七项，国家发展改革委令第36号（2026-04-01起）；"
          "认定部门收到申请后3个工作日内作出受理决定。" + LEADERSHIP_SOURCE, "B",
          effective_from=REPAIR_RULES, **REPAIR_PAUSE),
    _step("repair_answer", 10, "department",
          "信用修复答复：国办发〔2025〕22号，国家发展改革委令第36号（2026-04-01起）；"
          "申请至答复不超过10个工作日，说明理由可延长3个工作日（深圳）。" + LEADERSHIP_SOURCE, "B",
          max_extension=3, effective_from=REPAIR_RULES, **REPAIR_PAUSE),
]

for _row in STEPS:
    if _row.get("pause_on") == REPAIR_PAUSE["pause_on"] and _row["step"].startswith("repair_"):
        _row["source"] += REPAIR_PAUSE_SOURCE

PUBLICATION_BASE = {"clock": "months", "party": "department", "warn_percent": None,
                    "warn_working_days_before": None, "escalates": False, "leadership_after": None,
                    "rolls_forward": False}
# Why the publication periods (and the wait before repair, which is the minimum) do not roll
# forward: 《民法典》第二百零三条 moves the end of a period to the next working day so that a
# party has the time for its own act; a publication period is a burden on the subject and ends
# on its calendar day. The rules that set the periods say nothing either way: the reading
# safer for the subject is taken (documented in docs/sla.md and docs/calendar.md).
NO_ROLL_FORWARD = ("期间届满日为法定休假日的不顺延：《民法典》第二百零三条的顺延为当事人实施行为留足"
                   "期间，公示期对主体是负担，届满之日即为该日（对主体较有利的默认解释）。")


LIGHTER_RULE = (
    " 从旧兼从轻：一个步骤适用其开始之日有效的规则；新规则对已在公示的记录更轻的，适用新规则"
    "（参照《行政处罚法》第三十七条：新的规定处罚较轻的，适用新的规定；新规则另有规定的除外）。"
    "新规则生效之日，尚在公示的记录按较轻的新规则重新计算公示期，并记入其时间线。"
)


# The exit at the end of the maximum period (Policy.exit_condition). The rules that set the
# periods end the display at the period's end; whether the subject must first have performed
# what it was ordered to do is not said there. The default holds the exit while an ordered
# rectification (the city plan's 限期整改) is not accepted, and tells the owner department and
# the leadership office, which decide; an office may set the condition to none.
EXIT_CONDITION = "rectification_done"
EXIT_CONDITION_SOURCE = (
    " 届满移出条件（默认值，可配置）：公示期届满时仍有责令限期整改（鞍政办发〔2020〕18号 第10项）"
    "未整改完毕（未经核查通过或已逾期）的，暂不移出，告知认定部门和领导小组办公室（第16、19项督办），"
    "整改经核查通过后在下一次扫描时移出；上列公示期规则未以履行义务作为届满移出的条件，"
    "本条件为本产品的默认选择，可设为“无条件”。"
)


def _publication(step: str, months: int, start: date, end: date | None, dishonesty_class: str,
                 source: str, confidence: str) -> dict[str, Any]:
    on_due = "milestone" if step == "publication_min" else "exit_expired"
    text = source + NO_ROLL_FORWARD + LIGHTER_RULE
    exit_rule = {"exit_condition": EXIT_CONDITION} if on_due == "exit_expired" else {}
    return {**PUBLICATION_BASE, "step": step, "length": months, "effective_from": start,
            "effective_to": end, "dishonesty_class": dishonesty_class, "on_due": on_due,
            "source": text + EXIT_CONDITION_SOURCE if exit_rule else text, "confidence": confidence,
            "lighter_rule_applies": True, **exit_rule}


RULES_2019 = ("发改办财金〔2019〕527号（2019-07-01起）：一般失信公示期3个月至1年，"
              "严重失信6个月至3年，自决定之日起算。")
RULES_2023 = ("国家发展改革委令第58号（2023-05-01起）：最短公示期3个月、最长3年"
              "（食品、药品、特种设备、安全生产、消防领域最短1年，见各领域的行）。")
RULES_2025 = ("国办发〔2025〕22号（2025-06-22起施行）第二项：失信信息分为轻微、一般、严重三类，"
              "公示期轻微0至3个月、一般3个月至1年、严重1年至3年；其配套的国家发展改革委令第36号"
              "自2026-04-01起施行。过渡期（2025-06-22至2026-03-31）本产品的决定：轻微、一般适用22号"
              "的较短期间（较轻）；严重类最短公示期在配套规章施行前仍按3个月（第58号令，对主体较轻），"
              "最长3年不变。该过渡期取舍为默认值，可配置。")
RULES_2026 = ("国办发〔2025〕22号 第二项、国家发展改革委令第36号（2026-04-01起）："
              "轻微0至3个月，一般3个月至1年，严重1年至3年。")
D2019, D2023, D2026 = date(2019, 7, 1), date(2023, 5, 1), date(2026, 4, 1)
D2025 = date(2025, 6, 22)  # 国办发〔2025〕22号 in force: the three classes

PUBLICATION: list[dict[str, Any]] = [
    # 2019 rules: no minor class yet; the class-less row covers minor and general.
    _publication("publication_min", 3, D2019, D2023, "", RULES_2019, "B"),
    _publication("publication_max", 12, D2019, D2023, "", RULES_2019, "B"),
    _publication("publication_min", 6, D2019, D2023, "serious", RULES_2019, "B"),
    _publication("publication_max", 36, D2019, D2023, "serious", RULES_2019, "B"),
    _publication("publication_min", 3, D2023, D2025, "", RULES_2023, "B"),
    _publication("publication_max", 36, D2023, D2025, "", RULES_2023, "B"),
    # 22号 in force, its implementing rules not yet: the three classes, the lighter periods.
    _publication("publication_min", 0, D2025, D2026, "minor", RULES_2025, "C"),
    _publication("publication_max", 3, D2025, D2026, "minor", RULES_2025, "C"),
    _publication("publication_min", 3, D2025, D2026, "general", RULES_2025, "C"),
    _publication("publication_max", 12, D2025, D2026, "general", RULES_2025, "C"),
    _publication("publication_min", 3, D2025, D2026, "serious", RULES_2025, "C"),
    _publication("publication_max", 36, D2025, D2026, "serious", RULES_2025, "C"),
    _publication("publication_min", 0, D2026, None, "minor", RULES_2026, "A"),
    _publication("publication_max", 3, D2026, None, "minor", RULES_2026, "A"),
    _publication("publication_min", 3, D2026, None, "general", RULES_2026, "A"),
    _publication("publication_max", 12, D2026, None, "general", RULES_2026, "A"),
    _publication("publication_min", 12, D2026, None, "serious", RULES_2026, "A"),
    _publication("publication_max", 36, D2026, None, "serious", RULES_2026, "A"),
]

# The sector axis: 国家发展改革委令第58号 sets a one-year minimum publication for the
# administrative penalty information of five fields. A row with a sector applies to a case
# citing a legal basis of that sector (LegalBasis.sector) and ranks above the class rows
# (Policy.specificity).
SECTOR_RULE_58 = (
    "《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展改革委令第58号，2023年1月13日公布，"
    "2023-05-01起施行）：“食品、药品、特种设备、安全生产、消防领域行政处罚信息最短公示期一年”"
    "（按北京市信用修复常见问答对第58号令的引述；深圳的办事指南只列特种设备、安全生产、消防三个领域）。"
    "所取得的文本未载明条号，条号未核实；其余行政处罚信息最短3个月、最长3年（见不分领域的行）。"
)
SECTOR_TRANSITION = (
    "过渡期（国办发〔2025〕22号施行后、国家发展改革委令第36号施行前）：第58号令仍在施行，本产品对"
    "一般、严重类适用其一年的领域最短公示期；轻微类按22号的期间（最长3个月，原则上不予公示），"
    "不适用一年的最短期（对主体较轻，22号为国务院办公厅文件）。该取舍为默认值，可配置。"
)
SECTOR_END = (
    "2026-04-01起国家发展改革委令第36号施行，按类别确定公示期；其是否保留领域最短期，未取得条文原文，"
    "本行于该日终止（对主体较轻），由分类别的行适用。"
)
SECTORS_58 = ("food", "drug", "special_equipment", "work_safety", "fire_safety")
SECTOR_NAMES = {"food": "食品", "drug": "药品", "special_equipment": "特种设备",
                "work_safety": "安全生产", "fire_safety": "消防"}


def _sector_minimum(sector: str, start: date, end: date, dishonesty_class: str,
                    extra: str) -> dict[str, Any]:
    row = _publication("publication_min", 12, start, end, dishonesty_class,
                       f"{SECTOR_NAMES[sector]}领域最短公示期1年：" + SECTOR_RULE_58 + extra, "B")
    return {**row, "sector": sector}


SECTOR_MINIMUM: list[dict[str, Any]] = [
    row
    for sector in SECTORS_58
    for row in (
        _sector_minimum(sector, D2023, D2025, "", SECTOR_END),
        _sector_minimum(sector, D2025, D2026, "general", SECTOR_TRANSITION + SECTOR_END),
        _sector_minimum(sector, D2025, D2026, "serious", SECTOR_TRANSITION + SECTOR_END),
    )
]

# The 辽宁 layer (jurisdiction = settings.CASEWORK_PROVINCE): what 《辽宁省社会信用条例》 sets.
LIAONING = "辽宁"
LIAONING_ADOPTED = date(2021, 11, 26)  # 辽宁省第十三届人大常委会第三十次会议通过
LIAONING_NOT_OBTAINED = (
    "《辽宁省社会信用条例》（2021年11月26日辽宁省第十三届人民代表大会常务委员会第三十次会议通过）"
    "关于信用信息异议处理的条款：未取得条文原文，条号、期限与施行日期均未核实；"
    "在取得原文并核对前，本行期限与默认值相同，自通过之日起适用。"
)


def _liaoning(step: str, source: str, confidence: str) -> dict[str, Any]:
    """A provincial row: the national default's numbers with the provincial source."""
    default = next(row for row in STEPS if row["step"] == step and not row.get("jurisdiction"))
    return {**default, "jurisdiction": LIAONING, "effective_from": LIAONING_ADOPTED,
            "source": source + LEADERSHIP_SOURCE, "confidence": confidence}


PROVINCE: list[dict[str, Any]] = [
    _liaoning("objection_accept", "异议受理（辽宁）：" + LIAONING_NOT_OBTAINED, "D"),
    _liaoning("objection_decide", "异议核查决定（辽宁）：" + LIAONING_NOT_OBTAINED, "D"),
    _liaoning("objection_re_review_request", "异议复核申请期（辽宁）：" + LIAONING_NOT_OBTAINED, "D"),
    _liaoning("objection_re_review", "异议复核决定（辽宁）：" + LIAONING_NOT_OBTAINED, "D"),
]

# 撤销修复: a repair approved on false material is revoked, the record is published again and
# the subject's new repair applications are refused for this period, counted in months from the
# day of the revocation. Not a clock (nobody's move): the repair service reads the row in force
# on the revocation day and records the end of the bar on the revoked application.
REPAIR_MEASURES_2023 = date(2023, 5, 1)  # 国家发展改革委令第58号 in force
REPAIR_BAR_NOT_READ = (
    "该条文原文在本产品核对时未能取得（所存副本只含第一至四条），条号与期间均未核实；"
    "本行的36个月为默认值（不超过严重失信信息最长公示期3年，国办发〔2025〕22号 第二项），可配置，"
    "取得原文后按其条文更正。适用范围取对主体较有利的解释：只限被撤销修复的该条失信记录（该案件）"
    "的再次申请，不及于该主体的其他记录。"
)
REPAIR_BAR: list[dict[str, Any]] = [
    {"step": "repair_bar", "clock": "months", "length": 36, "party": "subject",
     "effective_from": REPAIR_MEASURES_2023, "effective_to": REPAIR_RULES,
     "warn_percent": None, "warn_working_days_before": None, "escalates": False,
     "leadership_after": None, "on_due": "milestone", "rolls_forward": False,
     "source": "撤销修复后限制再次申请：《失信行为纠正后的信用信息修复管理办法（试行）》"
               "（国家发展改革委令第58号，2023年1月13日公布，2023-05-01起施行）关于申请人提供虚假材料、"
               "作出虚假承诺的，撤销修复决定并在一定期间内不予受理其修复申请的规定。"
               + REPAIR_BAR_NOT_READ + NO_ROLL_FORWARD, "confidence": "D"},
    {"step": "repair_bar", "clock": "months", "length": 36, "party": "subject",
     "effective_from": REPAIR_RULES, "effective_to": None,
     "warn_percent": None, "warn_working_days_before": None, "escalates": False,
     "leadership_after": None, "on_due": "milestone", "rolls_forward": False,
     "source": "撤销修复后限制再次申请：《信用修复管理办法》（国家发展改革委令第36号，2025年11月20日公布，"
               "2026-04-01起施行，同时废止第58号令）关于以虚假材料、虚假承诺等取得信用修复的，撤销修复、"
               "恢复公示并在一定期间内不予受理其修复申请的规定。"
               + REPAIR_BAR_NOT_READ + NO_ROLL_FORWARD, "confidence": "D"},
]

# An objection after exit for harm from a wrong listing (plan item 14). Not a clock (nobody's
# move): filing reads the row in force on the exit day and counts from that day. No text
# found sets the window; the default is graded C and says so.
AFTER_EXIT: list[dict[str, Any]] = [
    {"step": "objection_after_exit", "clock": "months", "length": 24, "party": "subject",
     "effective_from": NATIONAL_49, "effective_to": None,
     "warn_percent": None, "warn_working_days_before": None, "escalates": False,
     "leadership_after": None, "on_due": "milestone", "rolls_forward": True,
     "source": "移出后对错误列入名单提出异议：鞍政办发〔2020〕18号 第14项要求经核实有误的信息及时更正或撤销，"
               "因错误认定失信联合惩戒对象名单、错误采取失信联合惩戒措施损害市场主体合法权益的，有关部门和单位"
               "要积极采取措施消除不良影响；该项与国办发〔2020〕49号均未规定移出后提出异议的期限。"
               "本行为默认值（未取得规定期限的条文），可配置：自案件移出之日起24个月内可提出，"
               "参照《中华人民共和国国家赔偿法》第三十九条请求国家赔偿的时效为两年（类比参照，非直接适用，"
               "取对主体较宽的期间）；届满日为法定休假日的顺延至其后第一个工作日（《民法典》第二百零三条，"
               "为主体实施行为留足期间）。受理与核查决定的期限适用异议受理、异议核查决定的行。",
     "confidence": "C"},
]

# The 辽宁 layer for the window after exit: whether 《辽宁省社会信用条例》 sets one was not verified
# (the copies found carry its articles 1 to 6 only); the row keeps the national default's window
# and grade and says so.
LIAONING_AFTER_EXIT_NOT_VERIFIED = (
    "移出后对错误列入名单提出异议的期间（辽宁）：《辽宁省社会信用条例》（2021年11月26日辽宁省第十三届"
    "人民代表大会常务委员会第三十次会议通过）是否规定该期间未核实：所取得的文本只含第一条至第六条，"
    "信用主体权益保护各条（异议、更正、消除不良影响）的条号与期限均未取得原文；"
    "在取得原文并核对前，本行期间与默认值相同，自通过之日起适用。默认值的依据："
)
PROVINCE_AFTER_EXIT: list[dict[str, Any]] = [
    {**row, "jurisdiction": LIAONING, "effective_from": LIAONING_ADOPTED,
     "source": LIAONING_AFTER_EXIT_NOT_VERIFIED + row["source"], "confidence": "C"}
    for row in AFTER_EXIT
]

DEFAULT_POLICIES: list[dict[str, Any]] = (STEPS + PUBLICATION + SECTOR_MINIMUM + PROVINCE + REPAIR_BAR
                                          + AFTER_EXIT + PROVINCE_AFTER_EXIT)
