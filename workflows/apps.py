from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows and deadlines")

    def ready(self) -> None:
        from casework import hooks
        from workflows import calendar
        from workflows.hooks import on_transition
        from workflows.services import recompute_provisional

        hooks.register("deadlines", on_transition)
        if recompute_provisional not in calendar.year_entered_receivers:
            calendar.year_entered_receivers.append(recompute_provisional)
