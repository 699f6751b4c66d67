"""daphne restarted while console pages are connected over websockets and an edge device keeps
posting: the pages reconnect, ask for what they missed (`catch_up`), and together with the live
pushes they have seen every stored event, with no gap; the device's keys are stored once each."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from accounts.services.api_keys import issue_api_key
from surveillance.models import Event
from surveillance.services.events import record_events
from tests.conftest import sign_in, stop_process
from tests.factories import CameraFactory, EventFactory, UserFactory
from tests.faults.conftest import EdgeDevice, start_web
from tests.ops.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


class ConsolePage(threading.Thread):
    """What static/orin/live.js does: keep a socket open, ping, reconnect when it closes, and
    then ask for what was missed since the last server time it heard (hello, pong, catch_up)."""

    def __init__(self, base: str, cookie: str, ping_every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.url = f"ws://{urlsplit(base).netloc}/ws/console/"
        self.headers = {"Origin": base, "Cookie": cookie}
        self.ping_every = ping_every
        self.seen: set[str] = set()
        self.connections = 0
        self.catch_ups = 0
        self.last_server_time: str | None = None
        self.stop = threading.Event()
        self.log: list[str] = []  # what happened, for a failure's message

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with connect(self.url, additional_headers=self.headers, open_timeout=2) as ws:
                    self._session(ws)
            except (OSError, WebSocketException, TimeoutError) as exc:
                self.log.append(f"closed {dt.datetime.now(dt.UTC).isoformat()} {type(exc).__name__}")
                self.stop.wait(0.2)  # the page's retry (a refused handshake included)

    def _session(self, ws) -> None:
        resume_from = self.last_server_time
        next_ping = time.monotonic() + self.ping_every
        while not self.stop.is_set():
            if time.monotonic() >= next_ping:
                ws.send(json.dumps({"type": "ping"}))
                next_ping = time.monotonic() + self.ping_every
            try:
                message = json.loads(ws.recv(timeout=0.2))
            except TimeoutError:
                continue
            if message.get("server_time"):
                self.last_server_time = message["server_time"]
            if message.get("type") in ("hello", "catch_up"):
                self.log.append(f"{message['type']} {message.get('server_time')} resume={resume_from}")
            if message.get("type") == "hello":
                self.connections += 1
                if resume_from:
                    ws.send(json.dumps({"type": "catch_up", "since": resume_from}))
            elif message.get("type") == "catch_up":
                assert not message.get("reload"), message
                self.catch_ups += 1
                self.seen |= {card["id"] for card in message["events"]}
            elif message.get("kind") == "event":
                self.seen |= {card["id"] for card in message["events"]}


def edge_setup():
    camera = CameraFactory()
    site = camera.dvr.site
    operator = UserFactory(username="ops-live", role_name="operator", sites=[site])
    cookies = [f"sessionid={sign_in(Client(), operator).cookies['sessionid'].value}" for _ in range(2)]
    device_user = UserFactory(username="edge-live", role_name="api_client", sites=[site], is_staff=False)
    _, raw = issue_api_key(device_user, "edge", sites=[site])
    return camera, cookies, raw


def assert_pages_saw_everything(pages, camera, device) -> set[str]:
    stored = {str(i) for i in Event.objects.filter(camera=camera).values_list("id", flat=True)}
    for page in pages:
        try:
            wait_for(lambda page=page: stored <= page.seen, timeout=30, what="every stored event on the page")
        except AssertionError:
            missing = Event.objects.filter(id__in=stored - page.seen).order_by("created_at")
            raise AssertionError(
                f"{len(stored - page.seen)} of {len(stored)} missing, created "
                f"{[e.created_at.isoformat() for e in missing][:5]}...; page log {page.log[-12:]}"
            ) from None
        assert page.seen == stored  # nothing from elsewhere, nothing missing
    return stored


def test_pages_reconnect_and_catch_up_without_gaps_across_a_web_restart():
    camera, cookies, raw = edge_setup()
    web, base = start_web("faults-web-live-1")
    pages = [ConsolePage(base, cookie) for cookie in cookies]
    device = EdgeDevice(base, raw, str(camera.id), batch_size=5, pause=0.3)
    try:
        for page in pages:
            page.start()
        wait_for(lambda: all(p.connections == 1 for p in pages), timeout=20, what="both pages connected")
        device.start()
        wait_for(lambda: all(len(p.seen) >= 10 for p in pages), timeout=20, what="live pushes before the restart")

        stop_process(web)
        down_at = time.monotonic()
        # While no page is connected, a worker stores events (recognition): only catch-up brings them.
        record_events([EventFactory.build(camera=camera, timestamp=timezone.now()) for _ in range(5)])
        web, _ = start_web("faults-web-live-2", port=urlsplit(base).port)
        wait_for(lambda: all(p.connections == 2 and p.catch_ups == 1 for p in pages), timeout=30, what="catch-up")
        reconnected_in = time.monotonic() - down_at
        stored_before = device.delivered()
        wait_for(lambda: device.delivered() >= stored_before + 10, timeout=20, what="ingest after the restart")
        device.stop()

        stored = assert_pages_saw_everything(pages, camera, device)
        assert len(stored) == device.delivered() + 5 and len(set(device.stored_keys)) == device.delivered()
        assert web.poll() is None
        assert set(device.statuses) <= {200, 201}, device.statuses  # a dropped connection is retried, not answered
        print(f"\nweb restarted: pages back and caught up {reconnected_in:.1f} s after the stop; {len(stored)} events")
    finally:
        device._stop.set()
        for page in pages:
            page.stop.set()
        stop_process(web)


def test_pages_rejoin_their_groups_and_catch_up_after_a_redis_restart(services):
    camera, cookies, raw = edge_setup()
    web, base = start_web("faults-web-live-redis")
    pages = [ConsolePage(base, cookie) for cookie in cookies]
    device = EdgeDevice(base, raw, str(camera.id), batch_size=5, pause=0.3)
    try:
        for page in pages:
            page.start()
        wait_for(lambda: all(p.connections == 1 for p in pages), timeout=20, what="both pages connected")
        device.start()
        wait_for(lambda: all(len(p.seen) >= 10 for p in pages), timeout=20, what="live pushes before the restart")
        services.stop_redis()
        stopped_at = time.monotonic()
        stored_during = device.delivered()
        wait_for(lambda: device.delivered() >= stored_during + 10, timeout=20, what="ingest while Redis is away")
        services.start_redis()  # empty: every group membership is gone
        wait_for(lambda: all(p.connections >= 2 and p.catch_ups >= 1 for p in pages), timeout=30, what="rejoin")
        rejoined_in = time.monotonic() - stopped_at
        stored_after = device.delivered()
        wait_for(lambda: device.delivered() >= stored_after + 10, timeout=20, what="ingest after the restart")
        device.stop()

        stored = assert_pages_saw_everything(pages, camera, device)
        assert len(stored) == device.delivered() == len(set(device.stored_keys))
        assert set(device.statuses) <= {200, 201}, device.statuses
        assert web.poll() is None
        print(f"\nredis restarted: pages rejoined and caught up {rejoined_in:.1f} s after the stop")
    finally:
        device._stop.set()
        for page in pages:
            page.stop.set()
        stop_process(web)
