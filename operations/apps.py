from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from operations import signin

        # metrics.count_transition is declared in casework/hooks.py (``notifications``);
        # the sign-in log listens to django.contrib.auth's own signals.
        signin.connect()
