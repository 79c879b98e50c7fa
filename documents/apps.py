from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Official documents")

    def ready(self) -> None:
        from casework import hooks
        from documents.issue import on_transition

        # After the effects, before the notifications: a notice can then link to its document.
        hooks.register("indexes", on_transition)
