"""Token authentication with a short in-process cache.

The credit check is called before every approval in the city: answering it
from the index takes one query, and looking up the token, its user and the
client's scopes took two more on every call. A process keeps each token's
user and scopes for ``API_TOKEN_CACHE_SECONDS`` (default 30; 0 turns the cache
off). Deleting a token or changing a user clears that process's entry at once;
other processes see the change within the TTL.
"""

import threading
import time
from typing import Any

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from casework.api.permissions import scopes_of
from casework.models import User

_lock = threading.Lock()
_entries: dict[str, tuple[float, Any]] = {}


def ttl() -> float:
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", 30))


def clear_token_cache(*args: Any, **kwargs: Any) -> None:
    with _lock:
        _entries.clear()


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        now = time.monotonic()
        with _lock:
            cached = _entries.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        user, token = super().authenticate_credentials(key)
        scopes_of(user)  # read the scopes now, so they are cached with the user
        if ttl() > 0:
            with _lock:
                _entries[key] = (now + ttl(), (user, token))
        return user, token


# Any change to who a token speaks for drops the cached entries of this process.
post_delete.connect(clear_token_cache, sender=Token, dispatch_uid="token-cache-token-deleted")
post_save.connect(clear_token_cache, sender=User, dispatch_uid="token-cache-user-saved")
m2m_changed.connect(clear_token_cache, sender=User.groups.through, dispatch_uid="token-cache-groups")
