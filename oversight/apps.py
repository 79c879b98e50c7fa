from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """The leadership office: dashboard, department assessment, exports, 督办 (plan items 16, 19)."""

    name = "oversight"
    verbose_name = _("Oversight")

    def ready(self) -> None:
        from casework import hooks
        from oversight.live import on_escalations, on_transition
        from workflows import sweep

        hooks.register("notifications", on_transition)
        if on_escalations not in sweep.escalation_receivers:
            sweep.escalation_receivers.append(on_escalations)
