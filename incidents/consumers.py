"""The incident page's websocket: /ws/incidents/<id>/ streams the incident's new timeline
messages to users who may read the incident (others are closed with 4404, as the page 404s)."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from incidents.live import incident_group
from incidents.models import Incident
from orin.consumers import CLOSE_UNAUTHENTICATED, _access

CLOSE_NOT_FOUND = 4404


def _may_read(user, session, incident_id) -> bool | None:
    if _access(user, session) is None:  # second factor missing
        return None
    return Incident.objects.restrict(user, "read").filter(pk=incident_id).exists()


class IncidentTimelineConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        incident_id = self.scope["url_route"]["kwargs"]["incident_id"]
        allowed = await database_sync_to_async(_may_read)(user, self.scope.get("session"), incident_id)
        if not allowed:
            await self.close(code=CLOSE_UNAUTHENTICATED if allowed is None else CLOSE_NOT_FOUND)
            return
        self.group = incident_group(incident_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "incident": str(incident_id)})

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def console_push(self, message):
        await self.send(text_data=message["text"])  # orin.live serialises each push once
