"""The console's websocket: one authenticated connection per page, joined to the groups of the
user's sites (see `orin.live`). Pushes carry only what the user's role may read.

Redis restarts lose every group membership (the channel layer keeps them nowhere else), so a
socket would stay open and silently receive nothing. The page pings every 20 s; each ping
checks that the Redis behind the channel layer is the one the socket joined its groups on (its
run_id). If not, or if Redis is away, the socket closes with 1012 (service restart) instead of
answering. The page then reconnects, rejoins its groups and asks for what it missed since the
last server time it heard.
"""

from __future__ import annotations

import datetime as dt

import redis
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from accounts import policy
from accounts.services import mfa
from orin import degraded, live

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SERVICE_RESTART = 1012


def _redis_run_id() -> str | None:
    """The run_id of the Redis behind the channel layer (it changes on restart); None if away."""
    from surveillance.services.live_state import client

    try:
        return str(client().info("server").get("run_id") or "")
    except (redis.RedisError, OSError):
        return None


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
        self.redis_run_id = await sync_to_async(_redis_run_id, thread_sensitive=False)()
        try:
            for group in groups:
                await self.channel_layer.group_add(group, self.channel_name)
        except (redis.RedisError, OSError) as exc:  # the page retries with backoff
            degraded.note("channel_layer", exc)
            await self.close(code=CLOSE_SERVICE_RESTART)
            return
        self.groups_joined = groups
        await self.accept()
        await self.send_json({"type": "hello", "server_time": timezone.now().isoformat(), "kinds": sorted(self.kinds)})

    async def disconnect(self, code):
        try:
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)
        except (redis.RedisError, OSError) as exc:  # Redis away: its groups expire or died with it
            degraded.note("channel_layer", exc)

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
            answered_at = timezone.now()
            run_id = await sync_to_async(_redis_run_id, thread_sensitive=False)()
            if run_id is None or run_id != self.redis_run_id:
                # Groups lost: no pong (its server_time would hide the gap from the page's catch-up).
                await self.close(code=CLOSE_SERVICE_RESTART)
                return
            await self.send_json({"type": "pong", "server_time": answered_at.isoformat()})

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
