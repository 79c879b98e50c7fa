"""The credit check's throttle: a number of checks per account and period (settings).

Counted per account, all of its tokens together (a second token buys no second budget).
People's accounts get ``CREDIT_CHECK_RATE``, system clients (approval systems that check in
batches) ``CREDIT_CHECK_SYSTEM_RATE``. The counts live in the default cache; if that cache
fails, the check is answered (and still logged, where the enumeration alert catches a sweep)
rather than taking the approval systems down with the cache.
"""

import logging
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from casework.choices import Role

logger = logging.getLogger(__name__)


class CreditCheckThrottle(SimpleRateThrottle):
    scope = "credit_check"

    def __init__(self) -> None:
        self.rate = None  # chosen per caller in allow_request
        self.num_requests: int | None = None
        self.duration: int | None = None

    def rate_for(self, user: Any) -> str | None:
        if getattr(user, "role", None) == Role.SYSTEM:
            return settings.CREDIT_CHECK_SYSTEM_RATE
        return settings.CREDIT_CHECK_RATE

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # refused before the check anyway (401)
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}

    def allow_request(self, request: Request, view: Any) -> bool:
        self.rate = self.rate_for(request.user)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache is down: answer, log, and let the alert rules watch
            logger.warning("Credit-check throttle cache unavailable; request allowed", exc_info=True)
            return True
