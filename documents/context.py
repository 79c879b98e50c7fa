"""What a document template sees: the case, its subject, bases, measures, the step and the rules."""

from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Case
from casework.services.effects import measures_for
from documents.choices import RefusalReason
from workflows.choices import Clock, Step
from workflows.guards import RuleRefused
from workflows.services import Context

# The policy rows a document quotes (length, unit and legal source: law is data).
QUOTED_STEPS = (
    Step.STATEMENT_WINDOW, Step.PUBLICATION_MIN, Step.PUBLICATION_MAX, Step.RECTIFICATION_PERIOD,
    Step.TALK_NOTICE, Step.REPAIR_DECIDE, Step.REPAIR_ANSWER,
)


def build(case: Case, obj: Model, data: Any) -> dict[str, Any]:
    return {
        "department": case.owner_department.name,
        "subject": subject_facts(case),
        "case": case_facts(case),
        "bases": [{"title": basis.title, "article": basis.article_text, "kind": basis.get_kind_display()}
                  for basis in case.legal_bases.all()],
        "measures": [{"title": measure.title, "department": measure.department.name}
                     for measure in measures_for(case)],
        "statements": [{"text": statement.text, "state": statement.get_state_display(),
                        "answer_reason": statement.answer_reason}
                       for statement in case.statements.order_by("pk")],
        "policy": quoted_policies(case),
        "step": step_facts(obj),
        "refusal": refusal_facts(obj, data),
    }


def subject_facts(case: Case) -> dict[str, Any]:
    subject = case.subject
    # A document is addressed to the subject itself: its identifier is shown whole.
    return {"name": subject.name, "identifier": subject.identifier,
            "identifier_label": _("Citizen identity number") if subject.is_natural_person
            else _("Unified social credit code"),
            "kind": subject.get_kind_display()}


def case_facts(case: Case) -> dict[str, Any]:
    return {
        "number": case.number, "facts": case.facts, "list_type": case.get_list_type_display(),
        "dishonesty_class": case.get_dishonesty_class_display(),
        "notified_on": timezone.localdate(case.notified_at) if case.notified_at else None,
        "notice_served_on": notice_served_on(case),
        "statement_waived": case.statement_waived, "listed_from": case.listed_from,
        "listed_until": case.listed_until, "publication_min_until": case.publication_min_until,
    }


def notice_served_on(case: Case) -> Any:
    """The day the 信用信息告知书 was served (None while it is not)."""
    from documents.choices import DocumentKind
    from documents.models import ServiceAct

    act = ServiceAct.objects.filter(case=case, documents__kind=DocumentKind.CREDIT_NOTICE,
                                    served_on__isnull=False).order_by("-pk").first()
    return act.served_on if act else None


def quoted_policies(case: Case) -> dict[str, dict[str, Any]]:
    context, today, quoted = Context(case), timezone.localdate(), {}
    for step in QUOTED_STEPS:
        try:
            policy = context.policy(step, today)
        except RuleRefused:
            continue
        quoted[str(step)] = {"length": policy.length, "source": policy.source,
                             "period": period_text(policy.length, policy.clock)}
    return quoted


def period_text(length: int, clock: str) -> str:
    """A period in running text: 5个工作日 / 5 working days."""
    formats: dict[str, Any] = {Clock.WORKING_DAYS: _("%(length)s working days"),
               Clock.CALENDAR_DAYS: _("%(length)s days"),
               Clock.MONTHS: _("%(length)s months")}
    return formats.get(clock, "%(length)s") % {"length": length}


def step_facts(obj: Model) -> dict[str, Any]:
    """The facts of the step the document is about (empty for the case itself)."""
    if isinstance(obj, Case):
        return {}
    facts: dict[str, Any] = {"state_code": getattr(obj, "state", "")}
    for name in ("requirements", "return_reason", "reason", "place", "record", "scheduled_for",
                 "held_at", "grounds", "decision_reason", "false_material", "revocation_reason",
                 "barred_until", "decided_at"):
        if hasattr(obj, name):
            facts[name] = getattr(obj, name)
    for name in ("kind", "outcome", "state"):
        if hasattr(obj, f"get_{name}_display"):
            facts[name] = getattr(obj, f"get_{name}_display")()
    if hasattr(obj, "co_organiser"):
        facts["co_organiser"] = obj.co_organiser.name if obj.co_organiser else ""
    bar_policy = getattr(obj, "bar_policy", None)
    if bar_policy is not None:
        # The rule of the bar as its row cites it (the row's first sentence; law is data).
        facts["bar_rule"] = bar_policy.source.split("。")[0]
    if hasattr(obj, "period_working_days"):
        facts["period"] = obj.period_working_days or _policy_length(obj, Step.RECTIFICATION_PERIOD)
    state = getattr(obj, "state", "")
    if state in ("rejected", "denied"):
        facts["decision"] = _("not to accept the application") if state == "rejected" \
            else _("not to grant credit repair")
    return facts


def _policy_length(obj: Any, step: str) -> int:
    return Context(obj.case).policy(step, timezone.localdate()).length


def refusal_facts(obj: Model, data: Any) -> dict[str, Any]:
    """A refusal's structured reason (from the list) and its stated detail."""
    code = reason_code(obj, data)
    if not code:
        return {}
    return {"code": code, "label": str(RefusalReason(code).label),
            "detail": getattr(obj, "decision_reason", "")}


def reason_code(obj: Model, data: Any) -> str:
    if getattr(obj, "state", "") not in ("rejected", "denied") or obj._meta.model_name != "repairapplication":
        return ""
    # The repair payloads do not declare reason_code yet: a mapping (or a later payload
    # field) may carry it; without it the reason is "other", with the stated text.
    given = data.get("reason_code") if isinstance(data, dict) else getattr(data, "reason_code", None)
    code = str(given or RefusalReason.OTHER)
    if code not in RefusalReason.values:
        raise RuleRefused("refusal_reason_unknown",
                          _("The reason of a refusal must come from the list (reason_code)."))
    return code
