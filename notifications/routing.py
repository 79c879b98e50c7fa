"""WebSocket routes (config/asgi.py mounts them behind the session auth middleware)."""

from django.urls import path

from notifications.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
