"""An ASGI handler that crosses into the sync world once per request.

Django's ASGI handler runs every sync-capable middleware through its async
adapter: each of the eight middlewares costs two thread hops per request, and
the view one more — about 18 hops, most of a credit check's time. This project
has no async views or middleware, so the chain is built in sync mode and the
whole request runs in the one thread Django's sync code uses anyway
(thread_sensitive). WebSockets are unaffected: Channels serves them.
"""

from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class OneHopASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def get_asgi_application() -> Any:
    import django

    django.setup(set_prefix=False)
    return OneHopASGIHandler()
