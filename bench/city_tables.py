"""The city's rows as COPY files: the columns written per table, the ids, and the shapes passed around.

``Tables`` keeps one temporary file per table in COPY text format and hands out the ids
of the tables whose rows others point at (``WITH_IDS``), so that a step can name its case
before anything is loaded. ``COLUMNS`` is the contract with the loader (bench/city.py):
the columns written, in order; the NOT NULL columns left out take their model default.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from bench.city_calendar import text_value

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

