"""The one door for state. Import from here: ``from casework.services import advance``."""

from casework.services.cases import (
    PenaltyRevocation,
    RecordedDetermination,
    apply_repair,
    attach_evidence,
    file_objection,
    open_case,
    order_rectification,
    record_penalty_revocation,
    require_talk,
    store_evidence,
)
from casework.services.engine import (
    TransitionResult,
    advance,
    available_transitions,
    create_step,
    record_change,
    transition_names,
)
from casework.services.handover import hand_over_department
from casework.services.oversight import add_escalation_note
from casework.services.statements import submit_statement

__all__ = [
    "PenaltyRevocation",
    "RecordedDetermination", "TransitionResult", "add_escalation_note", "advance", "apply_repair",
    "attach_evidence",
    "available_transitions", "create_step", "file_objection", "hand_over_department", "open_case",
    "order_rectification", "record_change",
    "record_penalty_revocation", "require_talk", "store_evidence", "submit_statement",
    "transition_names",
]
