"""What the batch door takes (``Determination``), refuses (``ItemRefused``) and holds between
checking a chunk and writing it (its measure tasks, its audit events)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from casework.models import Case, Department, LegalBasis, Measure, Subject
from casework.services.cases import RecordedDetermination
from workflows.guards import RuleRefused

if TYPE_CHECKING:
    from casework.services.batch.notices import Shape

RECORD = "record_determination"
CREATED = "created"
# The events one recorded determination makes, by (model, event): what the batch writes.
EVENTS = (("case", CREATED), ("case", RECORD), ("measuretask", CREATED))


@dataclass(frozen=True)
class Determination:
    """One case to record: what ``open_case`` takes, with its recorded determination."""

    subject: Subject
    list_type: str
    dishonesty_class: str
    legal_bases: tuple[LegalBasis, ...]
    facts: str
    recorded: RecordedDetermination


class ItemRefused(Exception):
    """Item ``index`` of the batch is refused by ``error``; nothing of the batch was written."""

    def __init__(self, index: int, error: RuleRefused) -> None:
        super().__init__(str(error.message))
        self.index = index
        self.error = error


@dataclass(frozen=True)
class Task:
    """A measure task as the batch writes it: its row is the measure's template, its ids aside.
    What the credit index reads of a task (indexing.entry_fields)."""

    pk: int
    case_id: int
    measure: Measure
    department: Department
    department_id: int
    state: str


@dataclass
class Event:
    """One audit event and its notices, before the ids of its messages are known."""

    # The AuditEvent columns (chain.AUDIT_FILLED), its id first; the case state (index 14)
    # a dict until Batch.write numbers the case, then its canonical text.
    row: list[Any]
    case: Case
    object_id: int
    department: Department | None  # the object's own department (a task's joint department)
    model_name: str
    name: str
    shape: "Shape"
    at_text: str
    measure: str | None = None  # a measure task's measure title (an import's digest counts them)
