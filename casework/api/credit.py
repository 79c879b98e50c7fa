"""The credit check (信用前置筛查): is this subject listed now, and what applies to me?

Answered from CreditIndexEntry alone: one indexed lookup, whatever the number of cases.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from casework.choices import ListType
from casework.identifiers import (
    BODY_LENGTH,
    CITIZEN_ID_CHECK_CHARS,
    mask_identifier,
    validate_citizen_id,
    validate_uscc,
)
from casework.models import CreditIndexEntry
from casework.public import OBJECTION_LABEL
from workflows.measure_task import MeasureTaskState

LIST_TYPE_LABELS = dict(ListType.choices)
TASK_STATE_LABELS = dict(MeasureTaskState.choices)
ENTRY_FIELDS = ("case_number", "list_type", "owner_department", "listed_from", "listed_until",
                "objection_open", "measures")


def parse_identifier(value: str) -> str:
    """A valid 统一社会信用代码 or 公民身份号码, normalised; else 400 naming the failed check."""
    try:
        return validate_uscc(value)
    except DjangoValidationError as uscc_error:
        try:
            return validate_citizen_id(value)
        except DjangoValidationError as citizen_error:
            # Seventeen digits and a digit or X: the caller meant a citizen number.
            candidate = value.strip().upper()
            looks_like_citizen = (candidate[:BODY_LENGTH].isdigit()
                                  and candidate[BODY_LENGTH:] in CITIZEN_ID_CHECK_CHARS)
            chosen = citizen_error if looks_like_citizen else uscc_error
            raise serializers.ValidationError(
                {"identifier": chosen.messages}, code=chosen.code
            ) from None


def credit_check(identifier: str, user: Any) -> dict[str, Any]:
    rows = list(
        CreditIndexEntry.objects.filter(identifier=identifier).order_by("listed_from", "case_number")
        .values_list(*ENTRY_FIELDS)
    )
    entries, measures = [], []
    for number, list_type, department, since, until, objection_open, case_measures in rows:
        entries.append({
            "case_number": number, "list_type": list_type,
            "list_type_label": str(LIST_TYPE_LABELS.get(list_type, list_type)),
            "owner_department": department,
            "since": since, "until": until, "objection_pending": objection_open,
            "label": str(OBJECTION_LABEL) if objection_open else "",
        })
        measures += [
            {"case_number": number, "code": m["code"], "title": m["title"], "state": m["state"],
             "state_label": str(TASK_STATE_LABELS.get(m["state"], m["state"]))}
            for m in case_measures
            if user.department_id is not None and m.get("department_id") == user.department_id
        ]
    return {
        "identifier": mask_identifier(identifier),
        "listed": bool(entries),
        "list_types": sorted({entry["list_type"] for entry in entries}),
        "objection_pending": any(entry["objection_pending"] for entry in entries),
        "entries": entries,
        "measures": measures,
        "checked_at": timezone.now(),
    }
