from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self) -> None:
        from casework import hooks, indexing
        from casework.api import token_versions

        hooks.register("indexes", indexing.on_transition)
        token_versions.connect_signals()
