"""The life of one case of the city, from draft to exit, written as COPY rows.

Each case is simulated forward in time from its creation: notice, the statement
window, determination, measure tasks pushed to joint departments, perhaps an
objection, a rectification order (and a talk when it runs out), a repair
application, and an exit (repaired, expired or revoked). A step finished by
``today`` leaves a closed clock, on time or late; a step still under way leaves an
open clock — running, breached (with its escalations) or paused by an open
objection — exactly the rows the transition service and the sweep would have left.
Departments differ in discipline (how often and how late they miss a limit), drawn
from the seed, so the assessment has a ranking to show.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import IO, Any

from bench.city_calendar import Policies, PolicyRow, WorkingDays, at_hour, start_of_day, text_value

COLUMNS: dict[str, tuple[str, ...]] = {
    "casework_subject": ("id", "kind", "name", "identifier"),
    "casework_user": ("id", "password", "is_superuser", "username", "first_name", "last_name", "email",
                      "is_staff", "is_active", "date_joined", "role", "is_department_head",
                      "department_id", "subject_id"),
    "casework_case": ("id", "state", "number", "list_type", "dishonesty_class", "facts", "notified_at",
                      "statement_due_on", "statement_waived", "listed_from", "listed_until",
                      "publication_min_until", "published", "exit_reason", "closed_at", "version",
                      "created_at", "determined_by_id", "drafter_id", "owner_department_id", "subject_id",
                      "origin", "determining_authority", "document_number"),
    "casework_case_legal_bases": ("case_id", "legalbasis_id"),
    "casework_case_measures": ("case_id", "measure_id"),
    "casework_objection": ("id", "state", "version", "created_at", "grounds", "outcome",
                           "decision_reason", "accepted_at", "decided_at", "case_id", "decided_by_id",
                           "filed_by_id", "review_suspended"),
    "casework_rectification": ("id", "state", "version", "created_at", "requirements", "due_on",
                               "period_working_days", "submission_note", "submitted_at",
                               "return_reason", "decided_at", "overdue_since", "case_id"),
    "casework_talk": ("id", "state", "version", "created_at", "kind", "reason", "scheduled_for", "place",
                      "record", "held_at", "missed_at", "case_id", "co_organiser_id", "organiser_id"),
    "casework_measuretask": ("id", "state", "version", "created_at", "acknowledged_at", "report_text",
                             "reported_at", "termination_reason", "terminated_at", "case_id",
                             "department_id", "measure_id"),
    "casework_repairapplication": ("id", "state", "version", "created_at", "commitment_letter",
                                   "rectification_proof", "training_certificate", "statement",
                                   "accepted_at", "decided_at", "decision_reason", "applicant_id",
                                   "case_id", "decided_by_id"),
    "workflows_deadline": ("id", "target_id", "step", "party", "state", "started_on", "length",
                           "length_from_order", "extension", "paused_days", "paused_since",
                           "pause_reason", "due_on", "due_at", "warn_at", "provisional", "mirror_field",
                           "next_fire_at", "next_rung", "escalation_level", "failures", "opened_at",
                           "closed_at", "case_id", "department_id", "target_type_id", "policy_id"),
    "workflows_escalation": ("rung", "due_on", "fired_at", "deadline_id", "department_id"),
    "casework_escalationnote": ("id", "text", "deadline_id", "created_at", "author_id", "case_id",
                                "department_id", "addressee_id", "overdue_count"),
    "casework_escalationanswer": ("note_id", "author_id", "department_id", "text", "created_at"),
}
# Tables whose ids the builder assigns (so that steps can point at their case before COPY).
WITH_IDS = ("casework_subject", "casework_user", "casework_case", "casework_objection",
            "casework_rectification", "casework_talk", "casework_measuretask",
            "casework_repairapplication", "workflows_deadline", "casework_escalationnote")
RUNG_LEVEL = {"warning": 1, "breach": 2, "leadership": 3}
# Warnings older than this are left out: nothing reads them, and they would double the table.
WARNING_HISTORY = timedelta(weeks=13)


@dataclass
class Department:
    pk: int
    code: str
    officer: int
    reviewer: int
    late_share: float  # how often a step of this department misses its limit
    late_mean: float  # by how many working days, on average, when it does


@dataclass
class Reference:
    owners: list[Department]
    owner_weights: list[float]
    joint: dict[int, Department]  # every department that carries out measures, by id
    ndrc_id: int
    content_types: dict[str, int]
    bases: list[tuple[int, bool, bool]]  # (id, allows serious list, allows focus list)
    measures: list[tuple[int, int, tuple[str, ...]]]  # (id, joint department id, list types)
    first_subject: int
    first_subject_user: int
    leader: int  # the leadership office's user, author of the 督办意见
    leadership_id: int


@dataclass
class CaseRow:
    pk: int
    department: Department
    list_type: str
    dishonesty_class: str
    subject_user: int
    exit_on: date | None = None
    objection_open_since: date | None = None
    clocks_open: int = 0
    version: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


class Tables:
    """One temporary file per table, rows in COPY text format; ids assigned here."""

    def __init__(self, files: dict[str, IO[str]], next_ids: dict[str, int]) -> None:
        self.files, self.next_ids = files, next_ids
        self.counts = dict.fromkeys(files, 0)

    def new_id(self, table: str) -> int:
        pk = self.next_ids[table]
        self.next_ids[table] = pk + 1
        return pk

    def row(self, table: str, *values: Any) -> None:
        self.files[table].write("\t".join(map(text_value, values)) + "\n")
        self.counts[table] += 1


class Life:
    """Writes the rows of one case after another, all from one seeded random stream."""

    def __init__(self, rng: random.Random, days: WorkingDays, policies: Policies, ref: Reference,
                 tables: Tables, now: datetime) -> None:
        self.rng, self.days, self.policies, self.ref, self.t = rng, days, policies, ref, tables
        self.now, self.today = now, now.date()
        self.counters: dict[tuple[int, int], int] = {}

    # --- the case ---------------------------------------------------------------------------

    def case(self, subject_index: int, history_days: int) -> None:
        rng = self.rng
        department = rng.choices(self.ref.owners, self.ref.owner_weights)[0]
        list_type = "serious" if rng.random() < 0.6 else "focus"
        klass = rng.choices(("minor", "general", "serious"), (2, 5, 3))[0]
        # Only the allowed pairs (workflows.case.LIST_CLASSES, a check constraint of the case).
        if list_type == "serious":
            klass = "serious"
        elif klass == "serious":
            klass = "general"
        case = CaseRow(self.t.new_id("casework_case"), department, list_type, klass,
                       self.ref.first_subject_user + subject_index)
        created_on = self.today - timedelta(days=rng.randint(0, history_days))
        notified_on = self.days.add(created_on, rng.randint(1, 8))
        fields = {"state": "draft", "notified_at": None, "statement_due_on": None, "waived": False,
                  "listed_from": None, "listed_until": None, "min_until": None, "published": False,
                  "exit_reason": "", "closed_at": None, "determined_by": None}
        if notified_on <= self.today:
            self.after_notice(case, notified_on, fields)
        self.write_case(case, created_on, subject_index, fields)

    def after_notice(self, case: CaseRow, notified_on: date, fields: dict[str, Any]) -> None:
        rng = self.rng
        fields.update(state="notified", notified_at=at_hour(notified_on, rng.randint(0, 480)))
        case.version += 1
        window = self.policy("statement_window", notified_on, case)
        fields["statement_due_on"] = self.days.add(notified_on, window.length)
        if rng.random() < 0.02:  # withdrawn before the decision
            withdrawn_on = self.days.add(notified_on, rng.randint(1, 4))
            if withdrawn_on <= self.today:
                self.clock(case, "case", case.pk, "statement_window", notified_on, None,
                           cancel_on=withdrawn_on)
                fields.update(state="withdrawn", closed_at=at_hour(withdrawn_on, 60))
                case.version += 1
                return
        waived = rng.random() < 0.1
        fields["waived"] = waived
        decided_on = self.days.add(notified_on, rng.randint(1, 4) if waived else rng.randint(6, 15))
        if decided_on > self.today:
            self.clock(case, "case", case.pk, "statement_window", notified_on, None)
            return
        self.clock(case, "case", case.pk, "statement_window", notified_on,
                   self.days.between(notified_on, decided_on) if waived else None)
        self.listed(case, decided_on, fields)

    def listed(self, case: CaseRow, listed_from: date, fields: dict[str, Any]) -> None:
        days, rng = self.days, self.rng
        minimum = self.policy("publication_min", listed_from, case)
        maximum = self.policy("publication_max", listed_from, case)
        min_until = days.add_months(listed_from, minimum.length)
        listed_until = days.add_months(listed_from, maximum.length)
        fields.update(state="listed", listed_from=listed_from, listed_until=listed_until,
                      min_until=min_until, published=True, determined_by=case.department.reviewer)
        case.version += 1
        ends = {"expired": listed_until + timedelta(days=1)}
        objection = self.plan_objection(case, listed_from)
        if objection and objection["upheld_on"]:
            ends["revoked"] = objection["upheld_on"]
        repair = self.plan_repair(case, min_until)
        if repair and repair["approved_on"]:
            ends["repaired"] = repair["approved_on"]
        reason, exit_on = min(ends.items(), key=lambda item: item[1])
        case.exit_on = exit_on if exit_on <= self.today else None
        if case.exit_on:
            fields.update(state="exited", exit_reason=reason, published=False,
                          closed_at=at_hour(case.exit_on, 30))
            case.version += 1
        self.write_legal_basis(case)
        self.clock(case, "case", case.pk, "publication_min", listed_from, None)
        self.clock(case, "case", case.pk, "publication_max", listed_from, None, cancel_on=case.exit_on)
        if objection and (objection["closed_on"] is None or case.exit_on is None
                          or objection["closed_on"] <= case.exit_on):
            self.objection(case, objection)
        self.measure_tasks(case, listed_from)
        if rng.random() < 0.2:
            self.rectification(case, listed_from + timedelta(days=rng.randint(3, 30)))
        if rng.random() < 0.03:
            self.talk(case, listed_from + timedelta(days=rng.randint(5, 40)), "warning")
        if repair and (case.exit_on is None or repair["applied_on"] < case.exit_on):
            self.repair(case, repair)

    def write_case(self, case: CaseRow, created_on: date, subject_index: int, f: dict[str, Any]) -> None:
        year = created_on.year
        key = (case.department.pk, year)
        self.counters[key] = number = self.counters.get(key, 0) + 1
        self.t.row("casework_case", case.pk, f["state"], f"{case.department.code}-{year}-{number:06d}",
                   case.list_type, case.dishonesty_class, "城市基准数据：违法失信事实", f["notified_at"],
                   f["statement_due_on"], f["waived"], f["listed_from"], f["listed_until"],
                   f["min_until"], f["published"], f["exit_reason"], f["closed_at"], case.version,
                   at_hour(created_on, 0), f["determined_by"], case.department.officer,
                   case.department.pk, self.ref_subject_id(subject_index), "opened_here", "", "")

    def ref_subject_id(self, subject_index: int) -> int:
        return self.ref.first_subject + subject_index

    def write_legal_basis(self, case: CaseRow) -> None:
        allowed = [pk for pk, serious, focus in self.ref.bases
                   if (serious if case.list_type == "serious" else focus)]
        self.t.row("casework_case_legal_bases", case.pk, self.rng.choice(allowed))

    # --- steps --------------------------------------------------------------------------------

    def plan_objection(self, case: CaseRow, listed_from: date) -> dict[str, Any] | None:
        rng = self.rng
        if rng.random() >= 0.1:
            return None
        filed_on = listed_from + timedelta(days=rng.randint(1, 60))
        accept_k = self.handling(2, case.department)
        accepted_on = self.days.add(filed_on, accept_k)
        rejected = rng.random() < 0.1
        decide_k = None if rejected else self.handling(5, case.department)
        decided_on = None if decide_k is None else self.days.add(accepted_on, decide_k)
        upheld = not rejected and rng.random() < 0.25
        closed_on = accepted_on if rejected else decided_on
        return {"filed_on": filed_on, "accept_k": accept_k, "accepted_on": accepted_on,
                "decide_k": decide_k, "decided_on": decided_on, "rejected": rejected,
                "upheld": upheld, "closed_on": closed_on if closed_on and closed_on <= self.today else None,
                "upheld_on": decided_on if upheld and decided_on and decided_on <= self.today else None}

    def objection(self, case: CaseRow, plan: dict[str, Any]) -> None:
        if plan["filed_on"] > self.today:
            return
        pk = self.t.new_id("casework_objection")
        closed = plan["closed_on"]
        if closed is None:
            case.objection_open_since = plan["filed_on"]
        self.clock(case, "objection", pk, "objection_accept", plan["filed_on"], plan["accept_k"])
        accepted = plan["accepted_on"] <= self.today
        if accepted and not plan["rejected"]:
            self.clock(case, "objection", pk, "objection_decide", plan["accepted_on"], plan["decide_k"])
        if closed is None:
            state, outcome = ("under_review" if accepted else "filed"), ""
        elif plan["rejected"]:
            state, outcome = "rejected", ""
        else:
            state, outcome = ("upheld", "revoke") if plan["upheld"] else ("dismissed", "")
        self.t.row("casework_objection", pk, state, 2 + (closed is not None), at_hour(plan["filed_on"], 0),
                   "异议理由", outcome, "核查结论" if closed else "",
                   at_hour(plan["accepted_on"], 60) if accepted else None,
                   at_hour(closed, 120) if closed else None, case.pk,
                   case.department.reviewer if closed else None, case.subject_user, False)

    def measure_tasks(self, case: CaseRow, listed_from: date) -> None:
        rng = self.rng
        allowed = [m for m in self.ref.measures if case.list_type in m[2]]
        count = rng.randint(1, 3) if case.list_type == "serious" else rng.randint(0, 1)
        for measure_id, department_id, _types in rng.sample(allowed, min(count, len(allowed))):
            self.t.row("casework_case_measures", case.pk, measure_id)
            self.measure_task(case, measure_id, self.ref.joint[department_id], listed_from)

    def measure_task(self, case: CaseRow, measure_id: int, joint: Department, pushed_on: date) -> None:
        pk = self.t.new_id("casework_measuretask")
        stop = case.exit_on
        ack_on = self.clock(case, "measuretask", pk, "measure_acknowledge", pushed_on,
                            self.handling(3, joint), department=joint, cancel_on=stop)
        reported_on = None
        if ack_on is not None:
            reported_on = self.clock(case, "measuretask", pk, "measure_report", ack_on,
                                     self.handling(10, joint), department=joint, cancel_on=stop)
        state = "pushed" if ack_on is None else ("acknowledged" if reported_on is None else "implemented")
        terminated_on = None
        if stop is not None:
            terminated_on = self.clock(case, "measuretask", pk, "measure_terminate", stop,
                                       self.handling(3, joint), department=joint)
            state = "terminating" if terminated_on is None else "terminated"
        self.t.row("casework_measuretask", pk, state, 2, at_hour(pushed_on, 30),
                   at_hour(ack_on, 60) if ack_on else None, "已落实" if reported_on else "",
                   at_hour(reported_on, 90) if reported_on else None, "退出" if stop else "",
                   at_hour(terminated_on, 90) if terminated_on else None, case.pk, joint.pk, measure_id)

    def rectification(self, case: CaseRow, ordered_on: date) -> None:
        if ordered_on > self.today or (case.exit_on and ordered_on >= case.exit_on):
            return
        rng, pk = self.rng, self.t.new_id("casework_rectification")
        submits = rng.random() < 0.8
        period = self.policy("rectification_period", ordered_on, case)
        due_on = self.days.add(ordered_on, period.length)
        submit_k = rng.randint(3, period.length) if submits else None
        submitted_on = self.clock(case, "rectification", pk, "rectification_period", ordered_on, submit_k,
                                  cancel_on=case.exit_on, mirror="due_on")
        state, decided_on, overdue_since = "ordered", None, None
        if submitted_on is not None and submits:
            state = "submitted"
            decided_on = self.clock(case, "rectification", pk, "rectification_verify", submitted_on,
                                    self.handling(5, case.department), cancel_on=case.exit_on)
            state = "accepted" if decided_on else state
        elif submitted_on is not None:  # the period ran out: the sweep marked it overdue
            state, overdue_since = "overdue", at_hour(submitted_on, 0)
            self.talk(case, submitted_on, "prompt")
        self.t.row("casework_rectification", pk, state, 1 + (state != "ordered") + (decided_on is not None),
                   at_hour(ordered_on, 0), "限期整改要求", due_on, None,
                   "整改材料" if state in ("submitted", "accepted") else "",
                   at_hour(submitted_on, 60) if submits and submitted_on else None, "",
                   at_hour(decided_on, 60) if decided_on else None, overdue_since, case.pk)

    def talk(self, case: CaseRow, required_on: date, kind: str) -> None:
        if required_on > self.today or (case.exit_on and required_on >= case.exit_on):
            return
        rng, pk = self.rng, self.t.new_id("casework_talk")
        scheduled = self.clock(case, "talk", pk, "talk_schedule", required_on,
                               self.handling(5, case.department), cancel_on=case.exit_on)
        state, talk_on, filed = "required", None, None
        if scheduled is not None:
            state, talk_on = "scheduled", self.days.add(scheduled, rng.randint(3, 6))
            if talk_on <= self.today and not (case.exit_on and talk_on >= case.exit_on):
                filed = self.clock(case, "talk", pk, "talk_record", talk_on,
                                   self.handling(2, case.department), cancel_on=case.exit_on)
                missed = rng.random() < 0.15
                state = ("missed" if missed else "held") if filed else state
        self.t.row("casework_talk", pk, state, 1 + (scheduled is not None) + (filed is not None),
                   at_hour(required_on, 0), kind, "约谈事由",
                   at_hour(talk_on, 60) if talk_on else None, "约谈室" if talk_on else "",
                   "约谈记录" if state == "held" else "", at_hour(filed, 60) if state == "held" else None,
                   at_hour(filed, 60) if state == "missed" else None, case.pk,
                   self.ref.ndrc_id if scheduled else None, case.department.pk)

    def plan_repair(self, case: CaseRow, min_until: date) -> dict[str, Any] | None:
        rng = self.rng
        if rng.random() >= 0.4:
            return None
        applied_on = min_until + timedelta(days=rng.randint(0, 90))
        decide_k = self.handling(3, case.department)
        rejected = rng.random() < 0.1
        answer_k = max(decide_k, self.handling(10, case.department))
        answered_on = self.days.add(applied_on, answer_k)
        approved = not rejected and rng.random() < 0.75
        return {"applied_on": applied_on, "decide_k": decide_k, "answer_k": answer_k,
                "rejected": rejected, "approved": approved, "answered_on": answered_on,
                "approved_on": answered_on if approved and answered_on <= self.today else None}

    def repair(self, case: CaseRow, plan: dict[str, Any]) -> None:
        applied = plan["applied_on"]
        if applied > self.today:
            return
        pk = self.t.new_id("casework_repairapplication")
        stop = None if plan["approved"] else case.exit_on
        decided = self.clock(case, "repairapplication", pk, "repair_decide", applied, plan["decide_k"],
                             cancel_on=stop)
        if plan["rejected"]:
            answered = decided
            if decided is not None:
                self.clock(case, "repairapplication", pk, "repair_answer", applied,
                           self.days.between(applied, decided), cancel_on=stop)
            else:
                self.clock(case, "repairapplication", pk, "repair_answer", applied, None, cancel_on=stop)
        else:
            answered = self.clock(case, "repairapplication", pk, "repair_answer", applied,
                                  plan["answer_k"], cancel_on=stop)
        if answered is None:
            state = "under_review" if decided else "applied"
        else:
            state = "rejected" if plan["rejected"] else ("approved" if plan["approved"] else "denied")
        self.t.row("casework_repairapplication", pk, state, 1 + (decided is not None) + (answered is not None),
                   at_hour(applied, 0), True, "整改证明", True, "修复申请",
                   at_hour(decided, 60) if decided and not plan["rejected"] else None,
                   at_hour(answered, 120) if answered else None, "修复决定" if answered else "",
                   case.subject_user, case.pk, case.department.reviewer if answered else None)

    # --- clocks -------------------------------------------------------------------------------

    def policy(self, step: str, on: date, case: CaseRow) -> PolicyRow:
        return self.policies.in_force(step, on, case.list_type, case.dishonesty_class)

    def handling(self, length: int, department: Department) -> int:
        """Working days a department takes for a step of ``length``: usually within, sometimes late."""
        rng = self.rng
        if rng.random() < department.late_share:
            late = rng.expovariate(1 / department.late_mean)
            if rng.random() < 0.1:
                late *= 4  # the stuck ones
            return length + 1 + int(late)
        return rng.randint(max(1, length // 3), length)

    def clock(self, case: CaseRow, target: str, target_id: int, step: str, started_on: date,
              handling: int | None, *, department: Department | None = None,
              cancel_on: date | None = None, mirror: str = "") -> date | None:
        """Write one clock; return the day its step moved on (None while it is still open).

        ``handling`` None: the step waits for the clock itself (milestone, exit, overdue).
        """
        policy = self.policy(step, started_on, case)
        days = self.days
        if policy.clock == "working_days":
            due_on = days.add(started_on, policy.length)
        else:
            due_on = days.add_months(started_on, policy.length)
        due_at = start_of_day(due_on + timedelta(days=1))
        done_on = due_on + timedelta(days=1) if handling is None else days.add(started_on, handling)
        state, closed_at = self.close_of(policy, handling, done_on, cancel_on, due_at)
        department = department or case.department
        paused = (state is None and case.objection_open_since is not None
                  and "objection_open" in policy.pause_on)
        warn_at = self.warn_at(policy, started_on, due_on)
        rungs = self.rungs(policy, warn_at, due_at, due_on)
        level, next_rung, next_fire = 0, "", None
        if state is None:
            state = "paused" if paused else (
                "breached" if due_at <= self.now and policy.on_due == "escalate" else "running")
            fired = [rung for rung, at in rungs if at <= self.now]
            level = max((RUNG_LEVEL[rung] for rung in fired), default=0)
            upcoming = [(rung, at) for rung, at in rungs if at > self.now]
            if upcoming and not paused:
                next_rung, next_fire = upcoming[0]
        pk = self.t.new_id("workflows_deadline")
        self.t.row("workflows_deadline", pk, target_id, step, policy.party, state, started_on,
                   policy.length, False, 0, 0, case.objection_open_since if paused else None,
                   "objection_open" if paused else "", due_on, due_at, warn_at, False, mirror,
                   next_fire, next_rung, level, 0, at_hour(started_on, 0), closed_at, case.pk,
                   department.pk, self.ref.content_types[target], policy.pk)
        self.escalations(case, policy, pk, rungs, due_on, closed_at, department)
        if closed_at is None:
            return None
        return closed_at.date() if state != "cancelled" else None

    def close_of(self, policy: PolicyRow, handling: int | None, done_on: date, cancel_on: date | None,
                 due_at: datetime) -> tuple[str | None, datetime | None]:
        """(state, closed_at) of a clock; (None, None) while it is open."""
        if cancel_on is not None and cancel_on <= done_on:
            return ("cancelled", at_hour(cancel_on, 30)) if cancel_on <= self.today else (None, None)
        if done_on > self.today:
            return None, None
        if handling is None:  # the sweep acted at the due time
            state = "breached" if policy.on_due == "rectification_overdue" else "met"
            return state, due_at
        return "met", at_hour(done_on, self.rng.randint(0, 480))

    def warn_at(self, policy: PolicyRow, started_on: date, due_on: date) -> datetime | None:
        """workflows.services.warning_time, on the in-memory calendar."""
        if policy.warn_percent is None:
            return None
        span = (due_on - started_on).days
        candidates = [started_on + timedelta(days=span * policy.warn_percent // 100)]
        if policy.warn_working_days_before:
            candidates.append(self.days.before(due_on, policy.warn_working_days_before))
        warn_day = min(candidates)
        return None if warn_day <= started_on else start_of_day(warn_day)

    def rungs(self, policy: PolicyRow, warn_at: datetime | None, due_at: datetime,
              due_on: date) -> list[tuple[str, datetime]]:
        rungs = [("warning", warn_at)] if warn_at else []
        rungs.append(("breach", due_at))
        if policy.on_due == "escalate" and policy.leadership_after:
            day = self.days.add(due_on, policy.leadership_after)
            rungs.append(("leadership", start_of_day(day + timedelta(days=1))))
        return rungs

    def escalations(self, case: CaseRow, policy: PolicyRow, deadline_id: int,
                    rungs: list[tuple[str, datetime]], due_on: date, closed_at: datetime | None,
                    department: Department) -> None:
        """The rungs the sweep fired while the clock was open (a breach only where it escalates)."""
        department_id = department.pk
        for rung, at in rungs:
            if at > self.now or (closed_at is not None and closed_at <= at):
                continue
            if rung == "warning" and at < self.now - WARNING_HISTORY:
                continue
            if rung == "breach" and policy.on_due in ("milestone", "exit_expired"):
                continue  # the sweep's due action, not an escalation
            self.t.row("workflows_escalation", rung, due_on, at, deadline_id, department_id)
            if rung == "leadership" and department is case.department and self.rng.random() < 0.3:
                self.note(case, deadline_id, at)

    def note(self, case: CaseRow, deadline_id: int, escalated_at: datetime) -> None:
        """A 督办意见 on a case escalated to the office, and (mostly) the owner department's answer."""
        rng = self.rng
        written = escalated_at + timedelta(hours=rng.randint(9, 56))
        if written > self.now:
            return
        pk = self.t.new_id("casework_escalationnote")
        self.t.row("casework_escalationnote", pk, "逾期事项请限期办结并报告", deadline_id, written,
                   self.ref.leader, case.pk, self.ref.leadership_id, case.department.pk, None)
        if rng.random() < 0.8:
            answered = at_hour(self.days.add(written.date(), self.handling(3, case.department)),
                               rng.randint(0, 480))
            if answered <= self.now:
                self.t.row("casework_escalationanswer", pk, case.department.officer, case.department.pk,
                           "已办结", answered)
