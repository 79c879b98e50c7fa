"""DRF throttles whose rate is read from the settings when a request comes, not at import."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousRateThrottle(AnonRateThrottle):
    """Anonymous callers (the public lists), per client address: PUBLIC_API_RATE."""

    def get_rate(self) -> str | None:
        return settings.PUBLIC_API_RATE
