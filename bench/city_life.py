"""The life of one case of the city, from draft to exit, written as COPY rows.

Each case is simulated forward in time from its creation: notice, the statement
window, determination, measure tasks pushed to joint departments, perhaps an
objection, a rectification order (and a talk when it runs out), a repair
application, and an exit (repaired, expired or revoked).

The rows are split by aggregate: the case here, its steps in bench/city_steps.py, their
clocks and escalations in bench/city_clocks.py, the COPY files in bench/city_tables.py.
"""

from datetime import date, timedelta
from typing import Any

from bench.city_calendar import at_hour
from bench.city_steps import Steps
from bench.city_tables import CaseRow


class Life(Steps):
    """Writes the rows of one case after another, all from one seeded random stream."""

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
