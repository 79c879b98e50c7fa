"""The leadership office's one write: escalation notes (督办意见) on a case.

The leadership office (鞍政办发〔2020〕18号 items 16 and 19) sees everything, read-mostly, and chases what is
overdue. A note is audited on the case's chain and the owner
department hears of it through the ``notifications`` hook, like a step.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import audit, hooks
from casework.models import Case, EscalationNote
from casework.models.oversight import ESCALATION_NOTE_MAX
from workflows.guards import Role, Rule, RuleRefused

ESCALATION_NOTE = "escalation_note"

leadership_only = Rule(
    "leadership_only",
    _("Only the leadership office writes escalation notes (督办意见)."),
    lambda case, actor: getattr(actor, "role", None) == Role.LEADERSHIP,
)


def add_escalation_note(
    case: Case, actor: Any, text: str, deadline_id: int | None = None
) -> EscalationNote:
    """Write one note, its audit event and the owner department's notice in one transaction."""
    if not leadership_only(case, actor):
        raise RuleRefused.of(leadership_only)
    text = checked_text(text)
    with transaction.atomic():
        _check_deadline(case, deadline_id)
        note = EscalationNote.objects.create(
            case=case, addressee_id=case.owner_department_id, author=actor,
            department_id=actor.department_id, text=text, deadline_id=deadline_id,
        )
        event = audit.append(obj=note, action=ESCALATION_NOTE, actor=actor, case=case,
                             payload={"text": text, "deadline_id": deadline_id})
        hooks.run("notifications", hooks.TransitionEvent(
            obj=note, case=case, name=ESCALATION_NOTE, source="", target="", actor=actor,
            data={"text": text}, at=timezone.now(), audit_event=event,
        ))
    return note


def checked_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RuleRefused("note_text_required", _("An escalation note must say what is chased."))
    if len(text) > ESCALATION_NOTE_MAX:
        raise RuleRefused(
            "note_text_too_long",
            _("An escalation note holds at most %(limit)d characters.") % {"limit": ESCALATION_NOTE_MAX},
        )
    return text


def _check_deadline(case: Case, deadline_id: int | None) -> None:
    """A chased deadline must be an open clock of this very case (running, paused or breached)."""
    if deadline_id is None:
        return
    # Imported here: workflows depends on casework, never the other way round at import time.
    from workflows.choices import DeadlineState
    from workflows.models import Deadline

    chased = Deadline.objects.filter(pk=deadline_id, case=case, state__in=DeadlineState.open_states())
    if not chased.exists():
        raise RuleRefused(
            "deadline_not_of_case", _("The deadline chased must be an open deadline of this case.")
        )
