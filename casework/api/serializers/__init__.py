"""Serializers: what each resource shows, and the validated shape of every request body.

One module per resource family; every name is re-exported here, so
``from casework.api import serializers as s`` keeps working.
"""

from casework.api.serializers.cases import (
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    DeadlineSerializer,
    StepRefSerializer,
    TimelineItemSerializer,
    deadlines_of,
    open_deadlines,
    timeline,
)
from casework.api.serializers.catalogues import (
    DepartmentSerializer,
    LegalBasisSerializer,
    MeasureSerializer,
    SubjectCreateSerializer,
    SubjectSerializer,
)
from casework.api.serializers.common import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_ORDER_PERIOD_WORKING_DAYS,
    MAX_VERSION,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    BoundedDateField,
    BoundedDateTimeField,
    ErrorSerializer,
    bounded_date,
    mask_name,
    text,
)
from casework.api.serializers.credit_checks import (
    CreditCheckLogSerializer,
    CreditCheckQuerySerializer,
)
from casework.api.serializers.evidence import EvidenceSerializer, EvidenceUploadSerializer
from casework.api.serializers.oversight import EscalationNoteCreateSerializer, EscalationNoteSerializer
from casework.api.serializers.public import (
    CreditCheckSerializer,
    CreditEntrySerializer,
    CreditMeasureSerializer,
    PublicCaseSerializer,
    PublicExitSerializer,
)
from casework.api.serializers.steps import (
    MeasureTaskSerializer,
    ObjectionCreateSerializer,
    ObjectionSerializer,
    PenaltyRevocationCreateSerializer,
    RectificationCreateSerializer,
    RectificationSerializer,
    RepairCreateSerializer,
    RepairSerializer,
    StepSerializer,
    TalkCreateSerializer,
    TalkSerializer,
)

# The views read the subject kinds through this module (``s.SubjectKind``).
from casework.choices import SubjectKind

__all__ = [
    "SubjectKind", "EARLIEST_DATE", "LATEST_DATE", "MAX_ORDER_PERIOD_WORKING_DAYS", "MAX_VERSION",
    "SHORT_TEXT_MAX", "TEXT_MAX", "BoundedDateField", "BoundedDateTimeField", "ErrorSerializer",
    "bounded_date", "mask_name", "text", "DepartmentSerializer",
    "LegalBasisSerializer", "MeasureSerializer", "SubjectCreateSerializer", "SubjectSerializer",
    "CaseCreateSerializer", "CaseDetailSerializer", "CaseSerializer", "DeadlineSerializer",
    "StepRefSerializer", "TimelineItemSerializer", "deadlines_of", "open_deadlines", "timeline",
    "MeasureTaskSerializer", "ObjectionCreateSerializer", "ObjectionSerializer",
    "PenaltyRevocationCreateSerializer",
    "RectificationCreateSerializer", "RectificationSerializer", "RepairCreateSerializer",
    "RepairSerializer", "StepSerializer", "TalkCreateSerializer", "TalkSerializer", "OUTCOMES",
    
    "EvidenceSerializer", "EvidenceUploadSerializer", "CreditCheckSerializer", "CreditEntrySerializer",
    "CreditMeasureSerializer", "PublicCaseSerializer", "PublicExitSerializer",
    "EscalationNoteCreateSerializer", "EscalationNoteSerializer",
    "CreditCheckLogSerializer", "CreditCheckQuerySerializer",
]
