"""A joint department's measure tasks and 发改委's talks: their own lists, with their buttons."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from django.views.generic import ListView

from casework.inbox import SLA_LABELS, sla_state
from casework.models import MeasureTask, Talk
from casework.services import available_transitions
from workflows.measure_task import MeasureTaskState
from workflows.models import Deadline
from workflows.talk import TalkState


class StepListView(LoginRequiredMixin, ListView):
    """Steps visible to the user (``visible_to``), open ones first, with the moves it may take."""

    paginate_by = 50
    kind = ""
    open_states: tuple[str, ...] = ()

    def show_closed(self) -> bool:
        return self.request.GET.get("show") == "all"

    def filtered(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        return rows if self.show_closed() else rows.filter(state__in=self.open_states)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        steps = list(context["object_list"])
        clocks = open_clocks(steps)
        now = timezone.now()
        rows = []
        for step in steps:
            clock = clocks.get(step.pk)
            sla = sla_state(clock, now) if clock is not None else ""
            rows.append({"object": step, "actions": available_transitions(step, user),
                         "identifier": step.case.subject_identifier_for(user),
                         "deadline": clock, "sla": sla, "sla_label": SLA_LABELS.get(sla, "")})
        context["rows"] = rows
        return {**context, "kind": self.kind, "show_closed": self.show_closed()}


def open_clocks(steps: list[Any]) -> dict[int, Deadline]:
    """Each step's open clock (the soonest due), in one query: what is due by when on this list."""
    if not steps:
        return {}
    target_type = ContentType.objects.get_for_model(type(steps[0]))
    clocks: dict[int, Deadline] = {}
    ids = [step.pk for step in steps]
    for deadline in Deadline.objects.filter(target_type=target_type, target_id__in=ids,
                                            closed_at__isnull=True).order_by("due_at", "pk"):
        clocks.setdefault(deadline.target_id, deadline)
    return clocks


class MeasureTaskListView(StepListView):
    template_name = "workbench/task_list.html"
    kind = "measuretask"
    open_states = MeasureTaskState.open_states()

    def get_queryset(self) -> QuerySet[MeasureTask]:
        rows = MeasureTask.objects.visible_to(self.request.user).select_related("case__subject", "measure")
        return self.filtered(rows).order_by("pk")


class TalkListView(StepListView):
    template_name = "workbench/talk_list.html"
    kind = "talk"
    open_states = TalkState.open_states()

    def get_queryset(self) -> QuerySet[Talk]:
        rows = Talk.objects.visible_to(self.request.user).select_related(
            "case__subject", "organiser", "co_organiser")
        return self.filtered(rows).order_by("scheduled_for", "pk")
