"""The live in-app channel: ``ws/notifications/``.

Authenticated users only (the session, or an API token: notifications/socket_auth.py);
an anonymous connection or an unknown token is refused with close code 4401 before the
handshake completes. A user
joins ``user.<id>`` and, staff, ``dept.<id>``. On connect the client gets its unread
count; each new message arrives with the count after it. The client may send
``{"action": "mark_read", "ids": [...]}``.
"""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications import services
from notifications.socket_auth import SUBPROTOCOL_SCOPE_KEY
from notifications.transports.inapp import department_group, user_group

UNAUTHENTICATED = 4401


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    joined: list[str]

    async def connect(self) -> None:
        self.joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.joined = groups_of(user)
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept(subprotocol=self.scope.get(SUBPROTOCOL_SCOPE_KEY))
        unread = await database_sync_to_async(services.unread_count)(user.pk)
        await self.send_json({"type": "hello", "unread": unread})

    async def disconnect(self, code: int) -> None:
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("action") != "mark_read":
            return
        ids = [int(i) for i in content.get("ids", []) if str(i).isdigit()]
        unread = await database_sync_to_async(services.mark_read)(self.scope["user"].pk, ids)
        await self.send_json({"type": "unread", "unread": unread})

    async def notification_message(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])

    async def department_activity(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])


def groups_of(user: Any) -> list[str]:
    groups = [user_group(user.pk)]
    if user.department_id is not None:
        groups.append(department_group(user.department_id))
    return groups
