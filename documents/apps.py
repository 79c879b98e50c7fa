from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Official documents")
    # documents.issue.on_transition is the receiver of the ``documents`` extension point
    # (casework/hooks.py): after the effects, before the notifications, so a notice can link
    # to its document.
