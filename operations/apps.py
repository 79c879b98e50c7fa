from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from casework import hooks
        from operations import metrics, signin

        hooks.register("notifications", metrics.count_transition)
        signin.connect()
