"""The credit-check index (CreditIndexEntry): kept in step with the cases, and read.

``on_transition`` is the receiver of the ``indexes`` extension point (casework/hooks.py): it
runs inside the transition's transaction after the effects (so measure tasks pushed on
listing are already there), and rebuilds the one row of the transition's case.
``credit_check`` answers the credit check (信用前置筛查) from the index alone.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from casework.choices import ListType
from casework.hooks import TransitionEvent
from casework.identifiers import mask_identifier
from casework.models import Case, CreditIndexEntry, MeasureTask, Objection, RepairApplication
from casework.public import OBJECTION_LABEL
from workflows.case import CaseState, ExitReason
from workflows.measure_task import LIVE_STATES, MeasureTaskState
from workflows.objection import ObjectionState
from workflows.repair import RepairState
from workflows.talk import TalkKind, TalkState

# The talks entered into the credit record (约谈记录记入信用记录): held, or refused by the subject.
TALK_RECORDED = (TalkState.HELD, TalkState.REFUSED)
# The repairs of the subject's history: granted, and granted then revoked (撤销修复).
REPAIR_RECORDED = (RepairState.APPROVED, RepairState.REVOKED)


def on_transition(event: TransitionEvent) -> None:
    """Write only what the transition can change of the row.

    A case's own transitions (its state, dates, owner) and its measure tasks' (the measures
    shown) rebuild the row. An objection changes only ``objection_open``, and only when it
    opens or closes: one UPDATE then, nothing for a move between two open states (受理). The
    other steps show nothing in the index; what their effects do to the case (an exit) is
    that case transition's own event.
    """
    model_name = event.obj._meta.model_name
    if model_name in ("case", "measuretask"):
        refresh(event.case)
    elif model_name == "talk" and event.target in TALK_RECORDED:
        refresh(event.case)
    elif model_name == "repairapplication" and event.target in REPAIR_RECORDED:
        # The subject's repair history is on each of its rows.
        for case in Case.objects.filter(subject_id=event.case.subject_id,
                                        credit_index__isnull=False).exclude(pk=event.case.pk):
            refresh(case)
        refresh(event.case)
    elif model_name == "objection":
        open_states = ObjectionState.open_states()
        if (event.source in open_states) != (event.target in open_states):
            CreditIndexEntry.objects.filter(case_id=event.case.pk).update(objection_open=Exists(
                Objection.objects.filter(case_id=OuterRef("case_id"), state__in=open_states)))


def refresh(case: Case) -> None:
    """Write the case's row if it is listed now, else remove it."""
    if case.state != CaseState.LISTED or case.listed_from is None:
        CreditIndexEntry.objects.filter(case_id=case.pk).delete()
        return
    CreditIndexEntry.objects.update_or_create(case_id=case.pk, defaults=entry_fields(case))


def entry_fields(case: Case, tasks: Iterable[MeasureTask] | None = None,
                 objection_open: bool | None = None,
                 repairs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The row's values; ``tasks`` (the case's measure tasks by pk) and ``objection_open``
    when the caller holds them already (the batch import, whose cases are new: they have no
    talks yet), else they are read; so is the subject's repair history (``repairs``, which
    the batch reads for a whole chunk with ``repair_histories``)."""
    talks = [] if tasks is not None else talk_record(case)
    if tasks is None:
        tasks = case.measuretasks.filter(state__in=LIVE_STATES).select_related(
            "measure", "department"
        ).order_by("pk")
    else:
        tasks = [task for task in tasks if task.state in LIVE_STATES]
    if objection_open is None:
        objection_open = case.has_open_objection()
    return {
        "identifier": case.subject.identifier,
        "list_type": case.list_type,
        "case_number": case.number,
        "owner_department": case.owner_department.name,
        "listed_from": case.listed_from,
        "listed_until": case.listed_until,
        "objection_open": objection_open,
        "measures": [
            {"code": task.measure.code, "title": task.measure.title,
             "department": task.department.code, "department_id": task.department_id,
             "state": task.state}
            for task in tasks
        ],
        "talks": talks,
        "repairs": repair_history(case.subject_id) if repairs is None else repairs,
    }


def talk_record(case: Case) -> list[dict[str, Any]]:
    """The case's talks held or refused, oldest first."""
    rows = case.talks.filter(state__in=TALK_RECORDED).order_by("pk").values_list(
        "pk", "kind", "state", "outcome", "held_at", "refused_at")
    return [{"id": pk, "kind": kind, "result": state, "outcome": outcome,
             "on": _day(held_at if state == TalkState.HELD else refused_at)}
            for pk, kind, state, outcome, held_at, refused_at in rows]


def repair_history(subject_id: int) -> list[dict[str, Any]]:
    """Every repair granted to the subject (revoked ones too), oldest first."""
    return repair_histories([subject_id]).get(subject_id, [])


def repair_histories(subject_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The repair history of each subject, in one query."""
    rows = RepairApplication.objects.filter(
        case__subject_id__in=list(subject_ids), state__in=REPAIR_RECORDED,
    ).order_by("decided_at", "pk").values_list(
        "case__subject_id", "case__number", "decided_at", "revoked_at", "barred_until")
    histories: dict[int, list[dict[str, Any]]] = {}
    for subject_id, number, decided_at, revoked_at, barred_until in rows:
        histories.setdefault(subject_id, []).append({
            "case_number": number, "approved_on": _day(decided_at), "revoked_on": _day(revoked_at),
            "barred_until": barred_until.isoformat() if barred_until else None})
    return histories


def _day(moment: Any) -> str | None:
    from django.utils import timezone

    return timezone.localdate(moment).isoformat() if moment else None


# --- read: the credit check (信用前置筛查), answered from the index alone ---

LIST_TYPE_LABELS = dict(ListType.choices)
TASK_STATE_LABELS = dict(MeasureTaskState.choices)
TALK_KIND_LABELS = dict(TalkKind.choices)
TALK_STATE_LABELS = dict(TalkState.choices)
ENTRY_FIELDS = ("case_number", "list_type", "owner_department", "listed_from", "listed_until",
                "objection_open", "measures", "talks", "repairs")


def credit_check(identifier: str, user: Any) -> dict[str, Any]:
    """Is this subject listed now, and which of its measures fall to ``user``'s department?

    One indexed lookup of CreditIndexEntry, whatever the number of cases."""
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
        # 消除不良影响: a record revoked as wrongly listed is named as such, not left unexplained.
        "corrections": wrong_listings(identifier),
        "checked_at": timezone.now(),
    }


WRONGLY_LISTED_LABEL = dict(ExitReason.choices)[ExitReason.WRONGLY_LISTED]


def wrong_listings(identifier: str) -> list[dict[str, Any]]:
    """The subject's records revoked as wrongly listed (not in the index: they are exited)."""
    rows = Case.objects.filter(subject__identifier=identifier, exit_reason=ExitReason.WRONGLY_LISTED,
                               wrongly_listed_at__isnull=False).order_by("wrongly_listed_at", "pk")
    return [{"case_number": number, "revoked_on": _day(at), "label": str(WRONGLY_LISTED_LABEL)}
            for number, at in rows.values_list("number", "wrongly_listed_at")]
