"""The console's websocket: one authenticated connection per page, joined to the groups of the
user's sites (see `orin.live`). Pushes carry only what the user's role may read."""

from __future__ import annotations

import datetime as dt

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from accounts import policy
from accounts.services import mfa
from orin import live

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def _access(user, session) -> tuple[list[str], set[str], bool] | None:
    """The user's groups, readable kinds and media right; None if the session has not passed
    the second factor the user's role requires (the page would not have loaded either)."""
    if mfa.needs_second_factor(user) and not _passed_second_factor(user, session):
        return None
    return live.groups_for(user), live.readable_kinds(user), policy.can(user, "media", "read")


def _passed_second_factor(user, session) -> bool:
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.user_id == user.pk


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self):
        user = self.scope.get("user")
        self.groups_joined = []
        if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        access = await database_sync_to_async(_access)(user, self.scope.get("session"))
        if access is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        groups, self.kinds, self.media = access
        if not self.kinds:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = groups
        await self.accept()
        await self.send_json({"type": "hello", "server_time": timezone.now().isoformat(), "kinds": sorted(self.kinds)})

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        if content.get("type") == "catch_up":
            since = parse_datetime(str(content.get("since") or ""))
            if since is None:
                await self.send_json({"type": "error", "message": "catch_up needs an ISO 8601 `since`"})
                return
            if timezone.is_naive(since):
                since = timezone.make_aware(since, dt.UTC)
            answer = await database_sync_to_async(live.catch_up)(self.scope["user"], since)
            if not self.media:
                answer["alerts"] = [live.without_media(card) for card in answer.get("alerts", [])]
                answer["events"] = [live.without_media(card) for card in answer.get("events", [])]
            await self.send_json(answer)
        elif content.get("type") == "ping":
            await self.send_json({"type": "pong", "server_time": timezone.now().isoformat()})

    async def dispatch(self, message):
        # A push touches no database: skip Channels' close_old_connections() hop to the sync
        # thread before every message (at 500 clients, 1,000 serial thread hops per alert were
        # most of the fan-out time; bench/live.py).
        if message["type"] == live.PUSH_TYPE:
            await self.console_push(message)
        else:
            await super().dispatch(message)

    async def console_push(self, message):
        if message["kind"] not in self.kinds:
            return
        await self.send(text_data=message["text"] if self.media else message["text_without_media"])
