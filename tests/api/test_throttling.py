"""Rate limits counted in the real Redis: 429 with Retry-After per user / device key / scope, and
the ingest scope sized for edge devices (seed 001: 100 writes/s per site)."""

import secrets
import time

import pytest
from rest_framework.test import APIClient

from accounts.rest.throttling import _count_locally, parse_rate
from orin import settings as project_settings
from tests.api.conftest import HIGH_RATES, jwt_client, key_client
from tests.api.test_events import INGEST, detection

pytestmark = pytest.mark.django_db


def rates(settings, **overrides):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**HIGH_RATES, **overrides}}


def assert_throttled(response):
    assert response.status_code == 429, response.content
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert response.json()["code"] == "throttled" and response.json()["retry_after"] >= 1


def test_users_are_limited_each_on_their_own(world, users, settings):
    rates(settings, user="3/min")
    operator, viewer = jwt_client(users["operator"]), jwt_client(users["viewer"])
    for _ in range(3):
        assert operator.get("/api/v1/cameras/").status_code == 200
    assert_throttled(operator.get("/api/v1/cameras/"))
    assert viewer.get("/api/v1/cameras/").status_code == 200


def test_device_keys_are_limited_per_key(world, users, device_key, settings):
    rates(settings, api_key="2/min")
    _, raw = device_key
    device = key_client(raw)
    assert device.get("/api/v1/cameras/").status_code == 200
    assert device.get("/api/v1/cameras/").status_code == 200
    assert_throttled(device.get("/api/v1/cameras/"))
    # The same device user signed in with a JWT is another principal.
    assert jwt_client(users["device"]).get("/api/v1/cameras/").status_code == 200


def test_sign_in_is_limited_per_client_address(users, settings):
    rates(settings, auth="2/min")
    address = f"127.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    client = APIClient(REMOTE_ADDR=address)
    for name in ("operator_a", "viewer_a"):
        assert (
            client.post("/api/v1/auth/token/", {"username": name, "password": "wrong"}, format="json").status_code
            == 401
        )
    assert_throttled(client.post("/api/v1/auth/token/", {"username": "admin_a", "password": "x"}, format="json"))


def test_default_ingest_rate_carries_100_writes_per_second_per_site(world, device_key, settings):
    defaults = project_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": defaults}
    limit, period = parse_rate(defaults["ingest"])
    assert limit / period >= 100
    _, raw = device_key
    device = key_client(raw)
    requests = 120  # more than one second's worth at 100/s, in one burst
    started = time.perf_counter()
    statuses = [
        device.post(INGEST, [detection(world.cam_a, key=f"burst:{i}")], format="json").status_code
        for i in range(requests)
    ]
    elapsed = time.perf_counter() - started
    assert statuses == [201] * requests
    rate = requests / elapsed
    print(f"\ningest: {requests} single-detection requests in {elapsed:.2f} s = {rate:.0f} req/s, none throttled")
    started = time.perf_counter()
    for n in range(5):
        batch = [detection(world.cam_a, key=f"batch:{n}:{i}") for i in range(200)]
        assert device.post(INGEST, batch, format="json").json()["created"] == 200
    elapsed = time.perf_counter() - started
    print(f"ingest: 5 batches of 200 detections in {elapsed:.2f} s = {1000 / elapsed:.0f} events/s")


def test_the_local_fallback_keeps_each_window_until_its_own_end():
    now = 1_000_000.0
    hour_end, minute_end = now + 1800, now + 30
    assert [_count_locally("throttle:auth:ip:x:h", hour_end, now) for _ in range(3)] == [1, 2, 3]
    # Per-minute windows come and go; the hourly count is not reset by them.
    assert _count_locally("throttle:ingest:key:y:m1", minute_end, now) == 1
    assert _count_locally("throttle:ingest:key:y:m2", minute_end + 60, now + 60) == 1
    assert _count_locally("throttle:auth:ip:x:h", hour_end, now + 60) == 4
    assert _count_locally("throttle:auth:ip:x:h2", hour_end + 3600, hour_end) == 1
