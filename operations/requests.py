"""The request id: taken from the proxy's X-Request-ID when it is sane, else made here.

It is kept in a context variable so every log line of the request carries it, and
it is sent back in the response's X-Request-ID so a user's report can be matched to the logs.
"""

import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
current_request_id: ContextVar[str] = ContextVar("request_id", default="")


def request_id_from(header_value: str | None) -> str:
    if header_value and _SANE.match(header_value):
        return header_value
    return uuid.uuid4().hex
