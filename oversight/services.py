"""The leadership office's 督办 on a department's overdue set, and the chased department's answer.

A note on one case is ``casework.services.add_escalation_note``; here the office chases
a department as a whole (all its overdue clocks), and the department answers either
kind of note once. Both are audited — on the case's chain for a case note, on the
department's chain otherwise — and the other side is told live. The answer and its
time are part of the department assessment (oversight/assessment.py).
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.choices import Role
from casework.models import Department, EscalationAnswer, EscalationNote
from casework.services.oversight import checked_text, leadership_only
from oversight import live
from oversight.clocks import OVERDUE, Horizon, selection
from workflows.guards import Rule, RuleRefused

DEPARTMENT_NOTE = "escalation_note_department"
ANSWER = "escalation_answer"
ANSWERING_ROLES = (Role.OFFICER, Role.REVIEWER, Role.JOINT)


def _is_chased_staff(note: EscalationNote, actor: Any) -> bool:
    return (getattr(actor, "role", None) in ANSWERING_ROLES
            and getattr(actor, "department_id", None) == note.addressee_id)


chased_department_staff = Rule(
    "chased_department_staff",
    _("Only the staff of the department chased answer a 督办意见."),
    _is_chased_staff,
)


def chase_department(department: Department, actor: Any, text: str) -> EscalationNote:
    """督办 on everything of ``department`` that is overdue now; refused when nothing is."""
    if not leadership_only(department, actor):
        raise RuleRefused.of(leadership_only)
    text = checked_text(text)
    with transaction.atomic():
        overdue = selection(OVERDUE, Horizon.at(), department_id=department.pk).count()
        if not overdue:
            raise RuleRefused("nothing_overdue", _("This department has no overdue deadline to chase."))
        note = EscalationNote.objects.create(addressee=department, author=actor,
                                             department_id=actor.department_id, text=text,
                                             overdue_count=overdue)
        audit.append(obj=note, action=DEPARTMENT_NOTE, actor=actor, case=None, department=department,
                     payload={"text": text, "overdue_count": overdue})
        transaction.on_commit(lambda: live.tell_department(department.pk, "escalation_note", note.pk))
    return note


def answer(note: EscalationNote, actor: Any, text: str) -> EscalationAnswer:
    """The chased department answers a note once; a second answer is refused."""
    if not chased_department_staff(note, actor):
        raise RuleRefused.of(chased_department_staff)
    text = checked_text(text)
    with transaction.atomic():
        locked = EscalationNote.objects.select_for_update().get(pk=note.pk)
        if EscalationAnswer.objects.filter(note=locked).exists():
            raise RuleRefused("note_already_answered", _("This 督办意见 has been answered already."))
        reply = EscalationAnswer.objects.create(note=locked, author=actor,
                                                department_id=actor.department_id, text=text)
        audit.append(obj=reply, action=ANSWER, actor=actor, case=locked.case,
                     department=None if locked.case_id else locked.addressee,
                     payload={"note": locked.pk, "text": text})
        transaction.on_commit(lambda: live.push("answer"))
    return reply
