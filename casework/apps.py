from django.apps import AppConfig
from django.db import connection
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self) -> None:
        from casework import hooks

        # Every extension point's receivers and the model signals: declared in casework/hooks.py.
        hooks.resolve_all()
        if connection.vendor == "postgresql":
            from casework.pg import register_list_dumper

            register_list_dumper()
