"""The one WebSocket endpoint. Thin: authenticate, join groups, re-check access per event."""

from __future__ import annotations

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from carecircle.circles.access import is_member
from carecircle.circles.models import Membership
from carecircle.realtime.events import circle_group, user_group

logger = logging.getLogger(__name__)

# Close codes: 4401 = not signed in (the client stops retrying until the page reloads).
CLOSE_UNAUTHENTICATED = 4401


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id: int = user.pk
        self.circle_ids: set[int] = set(await self._circle_ids())
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)
        for circle_id in self.circle_ids:
            await self.channel_layer.group_add(circle_group(circle_id), self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "circles": sorted(self.circle_ids)})

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user_id"):
            return
        await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)
        for circle_id in self.circle_ids:
            await self.channel_layer.group_discard(circle_group(circle_id), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Clients only listen; anything they send is answered with a ping for liveness checks.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def circle_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        kind = event.get("type", "")
        circle_id = event.get("circle")
        if kind == "access.granted" and isinstance(circle_id, int):
            if await database_sync_to_async(is_member)(user_id=self.user_id, circle_id=circle_id):
                self.circle_ids.add(circle_id)
                await self.channel_layer.group_add(circle_group(circle_id), self.channel_name)
            await self.send_json(event)
            return
        if kind == "access.revoked" and isinstance(circle_id, int):
            await self._leave(circle_id)
            await self.send_json(event)
            return
        if isinstance(circle_id, int):
            # Membership is re-checked for every event: a removed member never sees another one.
            if not await database_sync_to_async(is_member)(user_id=self.user_id, circle_id=circle_id):
                await self._leave(circle_id)
                return
        await self.send_json(event)

    async def _leave(self, circle_id: int) -> None:
        self.circle_ids.discard(circle_id)
        await self.channel_layer.group_discard(circle_group(circle_id), self.channel_name)

    @database_sync_to_async
    def _circle_ids(self) -> list[int]:
        return list(Membership.objects.filter(user_id=self.user_id).values_list("circle_id", flat=True))
