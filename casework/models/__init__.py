from casework.models.audit import AuditEvent, AuditHead, IdempotencyRecord
from casework.models.cases import Case, CaseNumberCounter
from casework.models.catalogues import LegalBasis, Measure, Subject
from casework.models.credit_checks import CreditCheck, CreditCheckAlert
from casework.models.credit_index import CreditIndexEntry
from casework.models.departments import Department, User
from casework.models.evidence import Evidence
from casework.models.identifier_reads import IdentifierRead
from casework.models.oversight import EscalationAnswer, EscalationNote
from casework.models.processes import (
    MeasureTask,
    Objection,
    Rectification,
    RepairApplication,
    Statement,
    Talk,
)
from casework.models.tokens import ApiToken, TokenCacheVersion

__all__ = [
    "ApiToken", "AuditEvent", "AuditHead", "Case", "CaseNumberCounter", "CreditCheck", "CreditCheckAlert",
    "CreditIndexEntry", "Department", "EscalationAnswer", "EscalationNote", "Evidence", "IdempotencyRecord",
    "IdentifierRead", "LegalBasis", "Measure", "MeasureTask", "Objection", "Rectification",
    "RepairApplication", "Statement", "Subject",
    "Talk", "TokenCacheVersion", "User",
]
