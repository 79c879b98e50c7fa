"""Token authentication: hashed keys, expiry, last use, and a short per-process cache.

The credit check is called before every approval in the city: a process keeps each
token's user and scopes for ``API_TOKEN_CACHE_SECONDS`` (default 30; 0 turns the cache
off). A revocation must not wait for that TTL in the other processes, so every lookup
first reads one revocation counter (``casework.token_versions``): a revoked token,
a deactivated user or a withdrawn scope bumps it, and every process that sees a new
value drops its whole cache. Expiry is checked on every request, cached or not.
"""

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from casework import token_versions
from casework.access import group_scopes
from casework.models.tokens import ApiToken, hash_of

# last_used_at is written at most this often per token and process (not on every call).
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass
class _Entry:
    fresh_until: float
    user: Any
    token: ApiToken


_lock = threading.Lock()
_entries: dict[str, _Entry] = {}
_seen_version: list[str | None] = [None]


def ttl() -> float:
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", 30))


def clear_token_cache(*args: Any, **kwargs: Any) -> None:
    with _lock:
        _entries.clear()


def _cached(key_hash: str, version: str | None) -> _Entry | None:
    if version is None:  # the counter cannot be read: trust nothing cached
        return None
    with _lock:
        if version != _seen_version[0]:
            _entries.clear()
            _seen_version[0] = version
        entry = _entries.get(key_hash)
    if entry is None or entry.fresh_until <= time.monotonic():
        return None
    return entry


def _load(key_hash: str) -> tuple[Any, ApiToken]:
    token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
    if token is None or not token.is_usable(timezone.now()):
        raise exceptions.AuthenticationFailed(_("Invalid token."))
    user = token.user
    if not user.is_active:
        raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
    # A token's scopes add to the ones its user holds (groups); read once, cached with it.
    user._api_scopes = group_scopes(user) | frozenset(token.scopes)  # type: ignore[attr-defined]  # per-request, not a column
    return user, token


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    token.last_used_at = now
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def authenticate_key(key: str) -> tuple[Any, ApiToken]:
    """The user and token of ``key``; AuthenticationFailed if it is unknown, revoked or expired."""
    key_hash = hash_of(key)
    version = token_versions.current()
    entry = _cached(key_hash, version)
    if entry is not None and entry.token.is_usable(timezone.now()):
        user, token = entry.user, entry.token
    else:
        user, token = _load(key_hash)
        if ttl() > 0 and version is not None:
            with _lock:
                _entries[key_hash] = _Entry(time.monotonic() + ttl(), user, token)
    _touch(token)
    return user, token


class CachedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        return authenticate_key(key)
