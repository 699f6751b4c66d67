"""The live feed over a real websocket stack (orin.asgi, Channels, the Redis channel layer):
pushes only after commit, only to users of that site, only what their role may read."""

import asyncio
import datetime as dt
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from orin import live
from surveillance.services.events import record_events
from tests.console.conftest import login
from tests.factories import AlertRuleFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> bytes:
    """A signed-in browser session of its own for `user`."""
    client = login(Client(), user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(cookie: bytes | None) -> WebsocketCommunicator:
    from orin.asgi import application

    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/console/", headers=headers)


async def receive_until(communicator, predicate, timeout: float = 5.0) -> list[dict]:
    messages = []
    while not any(predicate(m) for m in messages):
        messages.append(await communicator.receive_json_from(timeout=timeout))
    return messages


def test_site_a_push_reaches_site_a_only_after_commit(sites, operator_a, operator_b):
    AlertRuleFactory(event_type="person_recognized", severity="critical")
    cookie_a, cookie_b = session_cookie(operator_a), session_cookie(operator_b)
    event = EventFactory.build(camera=sites["cam_a"], event_type="person_recognized")

    async def scenario():
        a, b = socket(cookie_a), socket(cookie_b)
        assert (await a.connect())[0] and (await b.connect())[0]
        assert (await a.receive_json_from())["type"] == "hello"
        assert (await b.receive_json_from())["type"] == "hello"

        stored, release = threading.Event(), threading.Event()

        def store_and_hold():
            # A thread of its own (own database connection), like a worker storing events.
            try:
                with transaction.atomic():
                    record_events([event])
                    stored.set()
                    release.wait(10)
            finally:
                connection.close()

        writer = asyncio.get_running_loop().run_in_executor(None, store_and_hold)
        await asyncio.get_running_loop().run_in_executor(None, stored.wait, 10)
        assert await a.receive_nothing(timeout=0.5), "pushed before the transaction committed"
        release.set()
        await writer
        got = await receive_until(a, lambda m: m.get("kind") == "alert")
        got += await receive_until(a, lambda m: m.get("kind") == "event")
        alert = next(m for m in got if m.get("kind") == "alert")
        batch = next(m for m in got if m.get("kind") == "event")
        assert alert["severity"] == "critical" and alert["site"]["name"] == "Site A" and alert["change"] == "created"
        assert batch["total"] == 1 and batch["events"][0]["id"] == str(event.id)
        assert await b.receive_nothing(timeout=1.0)
        await a.disconnect()
        await b.disconnect()

    async_to_sync(scenario)()


def test_unauthenticated_and_unverified_sockets_are_refused(client, sites):
    admin = UserFactory(role_name="admin", sites=[sites["a"]])
    client.force_login(admin)  # password only: the admin role requires a second factor
    unverified = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario():
        for cookie in (None, unverified):
            connected, code = await socket(cookie).connect()
            assert not connected and code == 4401

    async_to_sync(scenario)()


def test_catch_up_returns_what_a_reconnecting_page_missed(sites, operator_a):
    cookie = session_cookie(operator_a)
    AlertRuleFactory(event_type="human_detected", severity="high")
    since = timezone.now()
    record_events([EventFactory.build(camera=sites["cam_a"]), EventFactory.build(camera=sites["cam_b"])])

    async def scenario():
        ws = socket(cookie)
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_json_to({"type": "catch_up", "since": since.isoformat()})
        answer = await receive_until(ws, lambda m: m.get("type") == "catch_up")
        missed = answer[-1]
        assert [a["site"]["name"] for a in missed["alerts"]] == ["Site A"]
        assert [e["site"]["name"] for e in missed["events"]] == ["Site A"]
        await ws.send_json_to({"type": "catch_up", "since": "yesterday"})
        assert (await receive_until(ws, lambda m: m.get("type") == "error"))[-1]["type"] == "error"
        await ws.disconnect()

    async_to_sync(scenario)()
    assert live.catch_up(operator_a, timezone.now() - dt.timedelta(hours=2))["reload"] is True


def test_groups_follow_site_assignments(sites, operator_a):
    root = UserFactory(role_name="super_admin", is_superuser=True)
    assert live.groups_for(operator_a) == [live.site_group(sites["a"].pk)]
    assert live.groups_for(root) == [live.GROUP_ALL]
    assert live.readable_kinds(UserFactory(role_name="viewer")) == {"alert", "event"}


def test_a_burst_pushes_the_most_severe_cards_and_counts_the_rest(sites, operator_a):
    AlertRuleFactory(event_type="human_detected", severity="medium", cooldown_seconds=0)
    AlertRuleFactory(event_type="person_recognized", severity="critical", cooldown_seconds=0)
    cookie = session_cookie(operator_a)
    start = timezone.now() - dt.timedelta(minutes=5)
    burst = [
        EventFactory.build(camera=sites["cam_a"], timestamp=start + dt.timedelta(seconds=i))
        for i in range(live.MAX_ALERTS_PER_PUSH + 30)
    ]
    burst += [EventFactory.build(camera=sites["cam_a"], event_type="person_recognized", timestamp=start)]

    async def scenario():
        ws = socket(cookie)
        await ws.connect()
        await ws.receive_json_from()
        await asyncio.get_running_loop().run_in_executor(None, lambda: record_events(burst) and connection.close())
        got = await receive_until(ws, lambda m: m.get("kind") == "alert" and "more" in m, timeout=10)
        cards = [m for m in got if m.get("kind") == "alert" and "more" not in m]
        assert len(cards) == live.MAX_ALERTS_PER_PUSH and got[-1]["more"] == 31
        assert cards[0]["severity"] == "critical"  # the one critical alert is among those shown, first
        await ws.disconnect()

    async_to_sync(scenario)()
