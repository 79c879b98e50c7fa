"""The clocks of the city: one deadline row per step, with the rungs the sweep fired and the 督办意见.

A step finished by ``today`` leaves a closed clock, on time or late; a step still under
way leaves an open clock — running, breached (with its escalations) or paused by an open
objection — exactly the rows the transition service and the sweep would have left.
Departments differ in discipline (how often and how late they miss a limit), drawn from
the seed, so the assessment has a ranking to show.
"""

import random
from datetime import date, datetime, timedelta

from bench.city_calendar import Policies, PolicyRow, WorkingDays, at_hour, start_of_day
from bench.city_tables import CaseRow, Department, Reference, Tables

RUNG_LEVEL = {"warning": 1, "breach": 2, "leadership": 3}
# Warnings older than this are left out: nothing reads them, and they would double the table.
WARNING_HISTORY = timedelta(weeks=13)


class Clocks:
    """The clock writer under the case life; everything comes from one seeded random stream."""

    def __init__(self, rng: random.Random, days: WorkingDays, policies: Policies, ref: Reference,
                 tables: Tables, now: datetime) -> None:
        self.rng, self.days, self.policies, self.ref, self.t = rng, days, policies, ref, tables
        self.now, self.today = now, now.date()
        self.counters: dict[tuple[int, int], int] = {}

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
