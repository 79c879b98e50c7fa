"""The revocation counter every process reads before it trusts its token cache.

With Redis (``REDIS_URL``) the counter is one Redis key: reading it costs no SQL query.
Without Redis it is the one row of ``TokenCacheVersion``. Anything that takes a right
away — a revoked or deleted token, a deactivated or changed user, a withdrawn scope —
bumps it after commit; each process that reads a new value empties its cache. When the
counter cannot be read (Redis down), nothing cached is trusted: the token is read again.
"""

import logging
from functools import cache
from typing import Any

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F

from casework.models.tokens import TokenCacheVersion

logger = logging.getLogger(__name__)
REDIS_KEY = "casework:api-token-cache-version"


@cache
def _redis(url: str) -> redis.Redis:
    # Short timeouts: a dead Redis must cost a request milliseconds, not seconds.
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def current() -> str | None:
    """The counter's value now; None when it cannot be read."""
    if settings.REDIS_URL:
        try:
            value = _redis(settings.REDIS_URL).get(REDIS_KEY)
        except redis.RedisError:
            return None
        if value is None:
            return "0"
        return value.decode() if isinstance(value, bytes) else value
    row = TokenCacheVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return str(row or 0)


def bump(*args: Any, **kwargs: Any) -> None:
    """Drop this process's cached tokens now, and every process's once the transaction commits."""
    from casework.api.authentication import clear_token_cache

    clear_token_cache()
    if settings.REDIS_URL:
        transaction.on_commit(_bump_redis)
        return
    updated = TokenCacheVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        TokenCacheVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def _bump_redis() -> None:
    try:
        _redis(settings.REDIS_URL).incr(REDIS_KEY)
    except redis.RedisError:
        # The revoked token is refused by any process that reads it again; a process
        # holding it cached keeps it at most API_TOKEN_CACHE_SECONDS.
        logger.exception("could not bump the API token cache version; caches expire by TTL")


def on_user_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # A sign-in writes only last_login: that takes nothing away.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump()


def on_token_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    # last_used_at is written through update(): only a change of a stored token gets here.
    if not created:
        bump()

