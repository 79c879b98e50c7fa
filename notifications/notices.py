"""Who hears about which step (the ownership rule), and with which template.

The owner department hears every step of its cases (谁认定、谁约谈). The subject
hears what it must do and by when; those notices are legal notices (告知,
决定 with the 信用修复告知书, 整改通知, 约谈通知, objection and repair results)
and cannot be muted. Joint departments hear the measures pushed to them and the
termination requests, and a record revoked after its exit as wrongly listed.
Escalations are in ESCALATION_NOTICES; the leadership office's
escalation notes reach the owner department with their own template (OWNER_NOTICES).
"""

from dataclasses import dataclass

from notifications.choices import Audience
from workflows.choices import Rung


@dataclass(frozen=True)
class Notice:
    audience: str
    template: str
    legal: bool = False


OWNER_STEP = Notice(Audience.OWNER, "owner_step")


def _subject(template: str) -> Notice:
    return Notice(Audience.SUBJECT, template, legal=True)


OBJECTION_RESULT = _subject("objection_result")
REPAIR_RESULT = _subject("repair_result")
RECTIFICATION_RESULT = _subject("rectification_result")

# (model name, transition name) → notices besides the owner department's.
NOTICES: dict[tuple[str, str], tuple[Notice, ...]] = {
    ("case", "notify"): (_subject("case_notified"),),
    ("case", "determine"): (_subject("case_determined"),),
    ("case", "withdraw"): (_subject("case_closed"),),
    ("case", "exit"): (_subject("case_closed"),),
    ("objection", "accept"): (OBJECTION_RESULT,),
    ("objection", "reject_inadmissible"): (OBJECTION_RESULT,),
    ("objection", "uphold"): (OBJECTION_RESULT,),
    ("objection", "dismiss"): (OBJECTION_RESULT,),
    ("objection", "uphold_in_part"): (OBJECTION_RESULT,),
    ("objection", "request_re_review"): (OBJECTION_RESULT,),
    ("objection", "confirm_dismissal"): (OBJECTION_RESULT,),
    ("objection", "withdraw"): (OBJECTION_RESULT,),
    ("objection", "withdraw_record"): (OBJECTION_RESULT,),
    ("rectification", "created"): (_subject("rectification_ordered"),),
    ("rectification", "reorder"): (_subject("rectification_ordered"),),
    ("rectification", "accept"): (RECTIFICATION_RESULT,),
    ("rectification", "return"): (RECTIFICATION_RESULT,),
    ("rectification", "mark_overdue"): (RECTIFICATION_RESULT,),
    ("talk", "schedule"): (_subject("talk_scheduled"), Notice(Audience.CO_ORGANISER, "owner_step")),
    # A missed warning talk ends in a recorded refusal, reported to the leadership office
    # (督办, 鞍政办发〔2020〕18号 items 16 and 19) and to the co-organiser.
    ("talk", "record_refusal"): (Notice(Audience.LEADERSHIP, "owner_step"),
                                 Notice(Audience.CO_ORGANISER, "owner_step")),
    ("measuretask", "created"): (Notice(Audience.JOINT, "measure_pushed"),),
    ("measuretask", "request_termination"): (Notice(Audience.JOINT, "measure_termination_requested"),),
    ("measuretask", "reinstate"): (Notice(Audience.JOINT, "measure_reinstated"),),
    # The record revoked as wrongly listed after its exit (an upheld objection after exit):
    # each joint department that had a measure of it removes the measure's effects.
    ("measuretask", "notify_wrong_listing"): (Notice(Audience.JOINT, "measure_wrongly_listed"),),
    ("repairapplication", "accept"): (REPAIR_RESULT,),
    ("repairapplication", "reject_inadmissible"): (REPAIR_RESULT,),
    ("repairapplication", "approve"): (REPAIR_RESULT,),
    ("repairapplication", "deny"): (REPAIR_RESULT,),
    ("repairapplication", "revoke"): (REPAIR_RESULT,),
}


# (model name, action) → the owner department's notice where it is not the generic owner_step.
# A leadership escalation note (督办意见) reaches the owner department's officers and its head.
OWNER_NOTICES: dict[tuple[str, str], Notice] = {
    ("escalationnote", "escalation_note"): Notice(Audience.OWNER, "escalation_note"),
}


def notices_for(model_name: str, transition: str) -> tuple[Notice, ...]:
    owner = OWNER_NOTICES.get((model_name, transition), OWNER_STEP)
    return (owner, *NOTICES.get((model_name, transition), ()))


# Escalation ladder (each policy's rungs): warning → responsible officers; breach → officers and the
# department head; 督办 → the leadership group office.
ESCALATION_NOTICES: dict[str, tuple[Notice, ...]] = {
    Rung.WARNING: (Notice(Audience.RESPONSIBLE, "escalation"),),
    Rung.BREACH: (Notice(Audience.RESPONSIBLE, "escalation"), Notice(Audience.HEAD, "escalation")),
    Rung.LEADERSHIP: (Notice(Audience.LEADERSHIP, "escalation"),),
}


# The credit check's enumeration alert (casework.services.credit_checks) goes to the leadership
# office, which oversees every department's use of the check (plan item 14: find leaks).
CREDIT_CHECK_ALERT = Notice(Audience.LEADERSHIP, "credit_check_alert")


# A case whose maximum publication period passed while its rule's exit condition is not met stays
# listed (casework.services.expiry): its owner department decides what follows, the leadership
# office supervises it (鞍政办发〔2020〕18号 items 16 and 19). Told once per held clock.
EXIT_HELD = (Notice(Audience.OWNER, "exit_held"), Notice(Audience.LEADERSHIP, "exit_held"))
