"""The case register and the case page (``/cases/<id>/``, the address notifications link to)."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.views.generic import ListView, TemplateView

from casework.choices import ListType
from casework.models import Case, Evidence
from casework.services import available_transitions
from workbench.forms import EvidenceForm
from workbench.lookup import STEP_MODELS, visible_case
from workbench.timeline import case_clocks, case_timeline
from workbench.views.opening import create_actions, evidence_allowed
from workflows.case import CaseState


class CaseListView(LoginRequiredMixin, ListView):
    template_name = "workbench/case_list.html"
    paginate_by = 50
    context_object_name = "cases"

    def get_queryset(self) -> QuerySet[Case]:
        cases = Case.objects.visible_to(self.request.user).select_related("subject", "owner_department")
        state = self.request.GET.get("state", "")
        if state in CaseState.values:
            cases = cases.filter(state=state)
        list_type = self.request.GET.get("list_type", "")
        if list_type in ListType.values:
            cases = cases.filter(list_type=list_type)
        number = self.request.GET.get("q", "").strip()[:60]
        if number:
            cases = cases.filter(number__icontains=number)
        return cases.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        params = self.request.GET
        return {**super().get_context_data(**kwargs), "states": CaseState.choices,
                "list_types": ListType.choices, "state": params.get("state", ""),
                "list_type": params.get("list_type", ""), "q": params.get("q", "")}


def steps_of(case: Case, user: Any) -> list[dict[str, Any]]:
    """Every step of the case this user may see, each with the transitions it may take now."""
    steps = []
    for kind, model in STEP_MODELS.items():
        rows = model._default_manager.visible_to(user).filter(case=case).order_by("pk")  # type: ignore[attr-defined]
        for step in rows:
            steps.append({"kind": kind, "object": step, "label": model._meta.verbose_name,
                          "actions": available_transitions(step, user)})
    return steps


class CaseDetailView(LoginRequiredMixin, TemplateView):
    template_name = "workbench/case_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        case = visible_case(user, kwargs["pk"])
        return {
            **super().get_context_data(**kwargs), "case": case,
            "identifier": case.subject_identifier_for(user),
            "legal_bases": case.legal_bases.order_by("pk"), "measures": case.measures.order_by("pk"),
            "case_actions": available_transitions(case, user), "steps": steps_of(case, user),
            "clocks": case_clocks(case), "timeline": case_timeline(case),
            "create_actions": create_actions(case, user),
            "evidence_form": EvidenceForm() if evidence_allowed(user) else None,
            "evidence": Evidence.objects.visible_to(user).filter(case=case).order_by("pk"),
        }
