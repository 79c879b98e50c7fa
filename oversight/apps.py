from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """The leadership office: dashboard, department assessment, exports, 督办 (plan items 16, 19)."""

    name = "oversight"
    verbose_name = _("Oversight")
    # oversight.live's receivers (transitions, escalations) are declared with every other
    # extension point in casework/hooks.py.
