"""Read-replica routing: read-mostly public views read from the replica, everything else the primary.

With DATABASE_REPLICA_URL set, the views named in REPLICA_VIEWS (the public
lists, the credit check, the dashboard) read through the "replica" alias. Every
write goes to the primary, and so does every read in any other view, in a
transaction, or of the tables a request must read its own writes from (sessions,
users, tokens, sign-in lock-outs): a replica lags, and a user who has just
signed in must find their session. Reads that lag are acceptable only where the
page says what it shows "as of" a moment: a public list, a check answered from
the index (which itself trails the transaction by nothing on the primary).
"""

import time
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections

REPLICA = "replica"
read_from_replica: ContextVar[bool] = ContextVar("read_from_replica", default=False)
# Tables a request must see its own writes in: never read from a lagging copy.
PRIMARY_ONLY_APPS = {"sessions", "authtoken", "axes", "auth", "contenttypes", "operations"}


PIN_KEY = "casework.read_primary_until"


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def pin_to_primary(request: Any) -> None:
    """The session's account just wrote: its next REPLICA_PIN_SECONDS of requests read the primary.

    Kept in the session (read from the primary), so it holds on every server process. Requests
    without a session (API tokens, anonymous) are not pinned: the public and the credit check
    read what the replica has, and an API client's writes answer with the written state."""
    session = _cookie_session(request)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated or settings.REPLICA_PIN_SECONDS <= 0:
        return
    session[PIN_KEY] = time.time() + settings.REPLICA_PIN_SECONDS


def _cookie_session(request: Any) -> Any:
    """The session of a browser sign-in, else None. Without a session cookie there is nothing to
    read (the public pages stay cacheable), and a token client, authenticated too (DRF sets the
    request's user), must not be handed a session it never asked for."""
    session = getattr(request, "session", None)
    return session if settings.SESSION_COOKIE_NAME in request.COOKIES else None


def pinned_to_primary(request: Any) -> bool:
    session = _cookie_session(request)
    if session is None:
        return False
    until = session.get(PIN_KEY)
    return isinstance(until, (int, float)) and until > time.time()


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if not read_from_replica.get() or not replica_configured():
            return None
        if model._meta.app_label in PRIMARY_ONLY_APPS or model is _user_model():
            return None
        if connections["default"].in_atomic_block:
            return None  # a transaction reads what it writes
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


def _user_model() -> type[Any]:
    from django.contrib.auth import get_user_model

    return get_user_model()
