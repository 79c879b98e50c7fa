"""Who a ``ws/notifications/`` connection speaks for: a session cookie, or an API token.

Browsers of this application send the session cookie; their connection must come from an
allowed ``Origin`` (a cookie is sent by any page, a token is not). Other systems' clients
send their API token, either as a header or — browsers cannot set headers on a WebSocket —
as the subprotocol pair ``casework.token, <key>``; the server then answers with the
subprotocol ``casework.token`` (it never echoes the key). A token is checked like an API
request's (hashed, unexpired, unrevoked); an unknown one is refused with close code 4401.
"""

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import AuthenticationFailed

TOKEN_SUBPROTOCOL = "casework.token"
SUBPROTOCOL_SCOPE_KEY = "casework_subprotocol"


def token_of(scope: dict[str, Any]) -> tuple[str | None, str | None]:
    """(key, subprotocol to answer) from the handshake; (None, None) when no token was sent."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            keyword, _space, key = value.decode("latin-1").partition(" ")
            if keyword == "Token" and key.strip():
                return key.strip(), None
    offered = list(scope.get("subprotocols") or [])
    if TOKEN_SUBPROTOCOL in offered:
        keys = [value for value in offered if value != TOKEN_SUBPROTOCOL]
        return (keys[0] if keys else ""), TOKEN_SUBPROTOCOL
    return None, None


@database_sync_to_async
def user_of_key(key: str) -> Any:
    from casework.api.authentication import authenticate_key

    try:
        user, _token = authenticate_key(key)
    except AuthenticationFailed:
        return AnonymousUser()
    return user


class TokenOrSessionAuth:
    """ASGI middleware: the token when one is sent, else the session behind the Origin check."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.with_session = AllowedHostsOriginValidator(AuthMiddlewareStack(inner))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key, subprotocol = token_of(scope)
        if key is None:
            return await self.with_session(scope, receive, send)
        user = await user_of_key(key) if key else AnonymousUser()
        scope = {**scope, "user": user, SUBPROTOCOL_SCOPE_KEY: subprotocol}
        return await self.inner(scope, receive, send)
