"""The inbox of an officer or reviewer: the department's pending moves, soonest due first."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from casework.inbox import SLA_LABELS, InboxFilter, department_inbox, inbox_counts, sla_state
from casework.models import Case, Objection, RepairApplication
from workbench.steps import step_hint
from workflows.case import CaseState
from workflows.choices import Step
from workflows.objection import ObjectionKind, ObjectionState
from workflows.repair import RepairState

PAGE_SIZE = 50
STEP_LABELS = dict(Step.choices)
# What a row shows and sla_state reads: a case has some forty columns and a clock twenty, and
# building every field of the 153 models of a page was most of the rows' time (the test of the
# page's queries fails if a row reads a field left out: it would be a query per row).
ROW_FIELDS = (
    "step", "state", "escalation_level", "due_at", "warn_at",
    "case", "case__number", "case__owner_department", "case__subject",
    "case__subject__kind", "case__subject__name", "case__subject__identifier",
)


def read_filter(params: Any) -> InboxFilter:
    sla = params.get("sla", "")
    step = params.get("step", "")
    return InboxFilter(sla=sla if sla in SLA_LABELS else "", step=step if step in Step.values else "",
                       case_number=params.get("case", "").strip()[:60])


def page_number(params: Any) -> int:
    value = params.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


def inbox_rows(request: Any) -> dict[str, Any]:
    """One page of rows; no COUNT over the department's clocks (one more row says there is a next)."""
    now = timezone.now()
    filters = read_filter(request.GET)
    number = page_number(request.GET)
    start = (number - 1) * PAGE_SIZE
    fetched = list(department_inbox(request.user.department_id, filters=filters, now=now)
                   .only(*ROW_FIELDS)[start:start + PAGE_SIZE + 1])
    # Each label translated once a page, not once a row: get_step_display() would build the dict
    # of every step's lazy label and hash (translate) them all for each row (some 1 000
    # gettext calls a page of 50, most of the page's time on the 1 000 000-case city).
    step_labels: dict[str, tuple[str, str]] = {}
    sla_texts = {state: str(label) for state, label in SLA_LABELS.items()}
    # The case's address from one reverse() a page: each {% url %} resolved the namespaces of
    # the site's applications again (some 100 µs a row). The same text as reverse() per case.
    case_url = case_url_prefix()
    rows = []
    for deadline in fetched[:PAGE_SIZE]:
        state = sla_state(deadline, now)
        if deadline.step not in step_labels:
            step_labels[deadline.step] = (str(STEP_LABELS.get(deadline.step, deadline.step)),
                                          str(step_hint(deadline.step)))
        step_label, hint = step_labels[deadline.step]
        # The due time as the |date filters wrote it (local time; ISO 8601 and "Y-m-d H:i"),
        # converted once instead of twice, without the filters' format parsing.
        due = timezone.localtime(deadline.due_at)
        case = deadline.case
        rows.append({"deadline": deadline, "sla": state, "label": sla_texts[state],
                     "step_label": step_label, "hint": hint, "due_iso": due.isoformat(),
                     "due_text": due.strftime("%Y-%m-%d %H:%M"), "case_url": f"{case_url}{case.pk}/",
                     "case_number": case.number, "subject_name": case.subject.name,
                     "identifier": case.subject_identifier_for(request.user)})
    return {"rows": rows, "filters": filters, "sla_labels": SLA_LABELS, "page_number": number,
            "previous_page": number - 1 if number > 1 else None,
            "next_page": number + 1 if len(fetched) > PAGE_SIZE else None}


def case_url_prefix() -> str:
    """``reverse("cases:detail", args=[pk])`` without its last ``pk/``: the same for every case."""
    one = reverse("cases:detail", args=[1])
    assert one.endswith("/1/"), one
    return one[:-len("1/")]


def four_eyes_queue(user: Any) -> dict[str, list[Any]]:
    """Decisions that need a reviewer who did not draft the case (determine, uphold/dismiss, repair)."""
    if user.role != "reviewer":
        return {}
    cases = Case.objects.visible_to(user)
    return {
        "determine": list(cases.filter(state=CaseState.NOTIFIED).exclude(drafter=user)
                          .select_related("subject").order_by("statement_due_on", "pk")[:20]),
        # Under review; a re-review the user did not dismiss; a record to withdraw (its penalty revoked).
        "objections": list(Objection.objects.visible_to(user).filter(
            Q(state=ObjectionState.UNDER_REVIEW)
            | (Q(state=ObjectionState.RE_REVIEW) & ~Q(decided_by=user))
            | Q(state=ObjectionState.FILED, kind=ObjectionKind.PENALTY_REVOKED))
                           .select_related("case__subject").order_by("pk")[:20]),
        "repairs": list(RepairApplication.objects.visible_to(user).filter(state=RepairState.UNDER_REVIEW)
                        .select_related("case__subject").order_by("pk")[:20]),
    }


def counts_by_state(user: Any) -> list[tuple[str, Any, int]]:
    """The department's pending moves by SLA state, in the order of the labels."""
    counts = inbox_counts(user.department_id)
    return [(state, SLA_LABELS[state], counts[state]) for state in SLA_LABELS]


class InboxView(LoginRequiredMixin, TemplateView):
    template_name = "workbench/inbox.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        return {**super().get_context_data(**kwargs), **inbox_rows(self.request),
                "counts": counts_by_state(user), "steps": Step.choices, "queue": four_eyes_queue(user)}


class InboxCountsView(LoginRequiredMixin, TemplateView):
    """The counts by SLA state alone: the page fetches them again with its rows (live)."""

    template_name = "workbench/includes/inbox_counts.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "counts": counts_by_state(self.request.user)}


class InboxRowsView(LoginRequiredMixin, TemplateView):
    """The rows alone: the page fetches them again when the department's clocks move (live)."""

    template_name = "workbench/includes/inbox_rows.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **inbox_rows(self.request)}
