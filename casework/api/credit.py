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
from workflows.talk import TalkKind, TalkState

LIST_TYPE_LABELS = dict(ListType.choices)
TASK_STATE_LABELS = dict(MeasureTaskState.choices)
TALK_KIND_LABELS = dict(TalkKind.choices)
TALK_STATE_LABELS = dict(TalkState.choices)
ENTRY_FIELDS = ("case_number", "list_type", "owner_department", "listed_from", "listed_until",
                "objection_open", "measures", "talks", "repairs")


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
    entries: list[dict[str, Any]] = []
    measures: list[dict[str, Any]] = []
    repairs: list[dict[str, Any]] = []
    for (number, list_type, department, since, until, objection_open, case_measures, talks,
         history) in rows:
        entries.append({
            "case_number": number, "list_type": list_type,
            "list_type_label": str(LIST_TYPE_LABELS.get(list_type, list_type)),
            "owner_department": department,
            "since": since, "until": until, "objection_pending": objection_open,
            "label": str(OBJECTION_LABEL) if objection_open else "",
            # 约谈记录记入信用记录: the record's talks held or refused by the subject.
            "talks": [{"kind": talk["kind"], "kind_label": str(TALK_KIND_LABELS.get(talk["kind"], "")),
                       "result": talk["result"],
                       "result_label": str(TALK_STATE_LABELS.get(talk["result"], "")),
                       "on": talk["on"]} for talk in talks],
        })
        repairs = repairs or history  # the subject's history, the same on each of its rows
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
        # Repeated repairs: every repair granted to the subject, revoked ones (撤销修复) too.
        "repairs": repairs,
        "repair_count": len(repairs),
        "checked_at": timezone.now(),
    }
