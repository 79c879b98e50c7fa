from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from casework import hooks
        from casework.services import credit_checks, expiry
        from notifications.services import (
            on_credit_check_alert,
            on_escalations,
            on_exit_held,
            on_transition,
        )
        from workflows import sweep

        hooks.register("notifications", on_transition)
        if on_credit_check_alert not in credit_checks.alert_receivers:
            credit_checks.alert_receivers.append(on_credit_check_alert)
        if on_escalations not in sweep.escalation_receivers:
            sweep.escalation_receivers.append(on_escalations)
        if on_exit_held not in expiry.hold_receivers:
            expiry.hold_receivers.append(on_exit_held)
