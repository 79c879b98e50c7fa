"""Finding a case or a step for a page: through visible_to, so what the API hides is a 404 here too."""

from typing import Any

from django.db.models import Model
from django.shortcuts import get_object_or_404

from casework.models import Case, MeasureTask, Objection, Rectification, RepairApplication, Talk

STEP_MODELS: dict[str, type[Model]] = {
    "objection": Objection, "rectification": Rectification, "talk": Talk,
    "measuretask": MeasureTask, "repairapplication": RepairApplication,
}


def visible_case(user: Any, pk: int) -> Case:
    """The case if ``user`` may see it (Case.objects.visible_to), else 404: its existence stays hidden."""
    return get_object_or_404(
        Case.objects.visible_to(user).select_related("subject", "owner_department", "drafter"), pk=pk)
