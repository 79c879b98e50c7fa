"""The words for what happened and what may be done: one label per (step kind, transition), used
on the workbench's buttons, in the case timeline and in the notices (notifications.texts), and
one per audit action that is no transition."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TRANSITION_LABELS: dict[tuple[str, str], Promise] = {
    ("case", "notify"): _("Notify the subject (告知)"),
    ("case", "waive_statement"): _("Waive the statement and defence"),
    ("case", "withdraw"): _("Withdraw the case"),
    ("case", "determine"): _("Determine and list"),
    ("case", "correct"): _("Correct the record"),
    ("case", "exit"): _("Exit the case"),
    ("case", "relist"): _("List again (repair revoked)"),
    ("case", "stop_publication"): _("Stop the publication (撤销公示)"),
    ("objection", "accept"): _("Accept the objection for review"),
    ("objection", "reject_inadmissible"): _("Reject as inadmissible"),
    ("objection", "suspend_review"): _("Suspend for expert review"),
    ("objection", "resume_review"): _("Resume the review"),
    ("objection", "uphold"): _("Uphold the objection"),
    ("objection", "dismiss"): _("Dismiss the objection"),
    ("objection", "uphold_in_part"): _("Uphold the objection in part"),
    ("objection", "request_re_review"): _("Request a re-review (复核)"),
    ("objection", "confirm_dismissal"): _("Confirm the dismissal on re-review"),
    ("objection", "withdraw"): _("Withdraw the objection"),
    ("objection", "withdraw_record"): _("Withdraw the record (the penalty was revoked)"),
    ("rectification", "submit"): _("Submit rectification evidence"),
    ("rectification", "accept"): _("Accept the rectification"),
    ("rectification", "return"): _("Return the submission"),
    ("rectification", "mark_overdue"): _("Mark overdue (a talk is required)"),
    ("rectification", "reorder"): _("Order rectification again"),
    ("talk", "schedule"): _("Schedule the talk"),
    ("talk", "hold"): _("Record the talk as held"),
    ("talk", "miss"): _("Record a no-show"),
    ("talk", "escalate"): _("Escalate to a warning talk"),
    ("talk", "confirm_attendance"): _("Confirm attendance (发改委)"),
    ("talk", "record_refusal"): _("Record the refusal to attend"),
    ("measuretask", "acknowledge"): _("Acknowledge the measure"),
    ("measuretask", "report"): _("Report implementation"),
    ("measuretask", "request_termination"): _("Request termination"),
    ("measuretask", "confirm"): _("Confirm termination"),
    ("measuretask", "reinstate"): _("Push the measure again (case listed again)"),
    ("measuretask", "notify_wrong_listing"): _("Tell the department the record was wrongly listed"),
    ("repairapplication", "accept"): _("Accept the repair application"),
    ("repairapplication", "reject_inadmissible"): _("Reject as inadmissible"),
    ("repairapplication", "approve"): _("Approve the repair"),
    ("repairapplication", "deny"): _("Deny the repair"),
    ("repairapplication", "revoke"): _("Revoke the repair (false material)"),
}


def transition_label(kind: str, name: str) -> Promise | str:
    return TRANSITION_LABELS.get((kind, name), name)


# Audit actions that are not a transition of a state machine (casework.audit.append's callers).
AUDIT_ACTION_LABELS: dict[str, Promise] = {
    "created": _("created"),
    "documents_issued": _("documents issued"),
    "serve": _("served"),
    "deadline_started_on_service": _("deadline started on service"),
    "deadline_extended": _("deadline extended"),
    "deadline_recomputed": _("deadline recomputed"),
    "deadline_moved": _("deadline moved"),
    "evidence_attached": _("evidence attached"),
    "escalation_note": _("supervision note (督办意见)"),
    "escalation_answer": _("answer to a supervision note"),
    "exit_held": _("exit held (condition not met)"),
    "handed_over": _("handed over to the successor department"),
    "corrected_by_import": _("corrected by a list import"),
    "facts_edited": _("facts edited"),
}


def audit_action_label(kind: str, action: str) -> Promise | str:
    """An audit event's action in words: the transition's label, else the action's, else its code."""
    label = TRANSITION_LABELS.get((kind, action))
    return label if label is not None else AUDIT_ACTION_LABELS.get(action, action)
