from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    # Its receivers (transitions, escalations, credit-check alerts, held exits) are declared
    # with every other extension point in casework/hooks.py.
