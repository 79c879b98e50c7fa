"""ASGI entry point: HTTP through Django, WebSockets through Channels (a session or an API token)."""

import os

from config.handlers import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before the consumers (and their models) are imported.
django_application = get_asgi_application()

from config.secrets import refuse_development_key  # noqa: E402

refuse_development_key()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from notifications.routing import websocket_urlpatterns  # noqa: E402
from notifications.socket_auth import TokenOrSessionAuth  # noqa: E402

application = ProtocolTypeRouter({
    "http": django_application,
    "websocket": TokenOrSessionAuth(URLRouter(websocket_urlpatterns)),
})
