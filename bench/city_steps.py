"""The steps of a listed case as rows: objection, measure tasks, rectification, talk, repair.

Each step row is written with the clocks it opened (bench/city_clocks.py); a step's plan
(``plan_objection``, ``plan_repair``) is drawn before the case's exit is known, because
an upheld objection or an approved repair is what ends the listing.
"""

from datetime import date, timedelta
from typing import Any

from bench.city_calendar import at_hour
from bench.city_clocks import Clocks
from bench.city_tables import CaseRow, Department


class Steps(Clocks):
    """The step rows of a case, on the clock writer."""

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
