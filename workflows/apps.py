from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows and deadlines")
    # Its receivers (the deadlines hook, the provisional-deadline recompute, the calendar
    # cache) are declared with every other extension point in casework/hooks.py.
