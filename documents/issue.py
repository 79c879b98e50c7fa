"""Which transitions issue which documents, in one service act each (两书同达).

``on_transition`` is registered as a casework ``indexes`` hook: it runs inside the
transition's transaction after the audit event and the effects, and before the
notifications, so a notice to the subject can link to the document it announces.
"""

from dataclasses import dataclass

from django.urls import reverse

from casework.hooks import TransitionEvent
from documents.choices import DocumentKind as K


@dataclass(frozen=True)
class Issue:
    """The documents one transition issues; they are served together in one act."""

    kinds: tuple[str, ...]


ISSUES: dict[tuple[str, str], Issue] = {
    ("case", "notify"): Issue((K.CREDIT_NOTICE,)),
    # 两书同达 (国办发〔2025〕22号): the decision and the repair notice in one service act.
    ("case", "determine"): Issue((K.DETERMINATION, K.REPAIR_NOTICE)),
    ("rectification", "created"): Issue((K.RECTIFICATION_NOTICE,)),
    ("rectification", "return"): Issue((K.RECTIFICATION_NOTICE,)),
    ("rectification", "reorder"): Issue((K.RECTIFICATION_NOTICE,)),
    ("talk", "schedule"): Issue((K.TALK_NOTICE,)),
    ("talk", "hold"): Issue((K.TALK_RECORD,)),
    ("objection", "reject_inadmissible"): Issue((K.OBJECTION_DECISION,)),
    ("objection", "uphold"): Issue((K.OBJECTION_DECISION,)),
    ("objection", "dismiss"): Issue((K.OBJECTION_DECISION,)),
    ("objection", "uphold_in_part"): Issue((K.OBJECTION_DECISION,)),
    ("objection", "confirm_dismissal"): Issue((K.OBJECTION_DECISION,)),
    ("objection", "withdraw_record"): Issue((K.OBJECTION_DECISION,)),
    ("repairapplication", "approve"): Issue((K.REPAIR_DECISION,)),
    ("repairapplication", "reject_inadmissible"): Issue((K.REPAIR_REFUSAL,)),
    ("repairapplication", "deny"): Issue((K.REPAIR_REFUSAL,)),
    # 撤销修复: the subject is told formally that its repair is revoked and the record relisted.
    ("repairapplication", "revoke"): Issue((K.REPAIR_REVOCATION,)),
}


def on_transition(event: TransitionEvent) -> None:
    issue = ISSUES.get((event.obj._meta.model_name, event.name))
    if issue is None:
        return
    from documents.services import issue_documents

    documents = issue_documents(event, issue.kinds)
    # The notifications hook runs next and links each notice to its documents.
    event.extra["documents"] = [
        {"id": document.pk, "title": document.title, "number": document.number,
         "path": reverse("documents:open", args=[document.pk])}
        for document in documents
    ]
