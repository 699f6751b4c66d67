"""Edge ingest through a real daphne while Redis is stopped and while PostgreSQL restarts: only
2xx and JSON 503 (with Retry-After) answers, every key stored exactly once with one alert each,
and the web process still running and serving afterwards."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from accounts.services.api_keys import issue_api_key
from alerts.models import Alert
from surveillance.models import Event
from surveillance.services.detections import detection_event_id
from tests.factories import AlertRuleFactory, CameraFactory, UserFactory
from tests.faults.conftest import INGEST, EdgeDevice, post_json
from tests.ops.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]


@pytest.fixture
def edge(web):
    camera = CameraFactory()
    AlertRuleFactory(camera=camera, confidence_threshold="0.5", severity="low", cooldown_seconds=0)
    device = UserFactory(username="edge-device", role_name="api_client", sites=[camera.dvr.site], is_staff=False)
    _, raw = issue_api_key(device, "edge box", sites=[camera.dvr.site])
    _, base = web
    return EdgeDevice(base, raw, str(camera.id)), camera, device


def assert_each_key_once(device: EdgeDevice, camera, user) -> None:
    ids = [detection_event_id(str(user.pk), key) for key in device.stored_keys]
    assert len(set(device.stored_keys)) == len(device.stored_keys)
    assert Event.objects.filter(camera=camera).count() == len(ids)
    assert set(Event.objects.filter(camera=camera).values_list("id", flat=True)) == set(ids)
    assert Alert.objects.filter(camera=camera).count() == len(ids)  # one alert per event, none twice


def test_ingest_goes_on_while_redis_is_stopped(services, web, edge):
    device, camera, user = edge
    device.start()
    wait_for(lambda: device.delivered() >= 30, timeout=20, what="ingest before the outage")
    services.stop_redis()
    during = device.delivered()
    wait_for(lambda: device.delivered() >= during + 30, timeout=20, what="ingest while Redis is stopped")
    services.start_redis()
    after = device.delivered()
    wait_for(lambda: device.delivered() >= after + 30, timeout=20, what="ingest after Redis is back")
    device.stop()

    assert device.unexpected == [], device.unexpected[:3]
    assert set(device.statuses) <= {200, 201, 503}
    assert device.statuses[503] == 0  # Redis is a cache and a broker here: ingest never needed it
    assert_each_key_once(device, camera, user)
    proc, _ = web
    assert proc.poll() is None
    assert "throttle degraded" in proc.log_path.read_text(errors="replace")  # counted locally, and said so


def test_ingest_answers_503_then_recovers_across_a_postgres_restart(services, web, edge):
    device, camera, user = edge
    device.start()
    wait_for(lambda: device.delivered() >= 30, timeout=20, what="ingest before the restart")
    away = services.restart_postgres(down_seconds=2)
    restarted_at = time.monotonic()
    after = device.delivered()
    wait_for(lambda: device.delivered() >= after + 30, timeout=30, what="ingest after the restart")
    recovered_in = time.monotonic() - restarted_at
    device.stop()

    assert device.unexpected == [], [(a.status, a.content_type, a.body[:200]) for a in device.unexpected[:3]]
    assert set(device.statuses) <= {200, 201, 503}
    assert device.statuses[503] >= 1  # the outage was seen, and answered as one
    assert device.connection_errors == 0  # the web server itself never went away
    assert_each_key_once(device, camera, user)
    proc, _ = web
    assert proc.poll() is None
    print(
        f"\npostgres away {away:.1f} s; answers {dict(device.statuses)}; "
        f"ingest flowing again {recovered_in:.1f} s after the restart"
    )


def test_a_database_outage_answers_503_json_outside_drf_too(services, web):
    """Unauthenticated and non-DRF paths meet the database first in middleware (session user)."""
    proc, base = web
    services.stop_postgres()
    try:
        well_formed_key = "orin_0123abcd_" + "x" * 43  # looked up in the database, which is away
        answer = post_json(base + "/api/v1/ingest/frames", {}, {"Authorization": f"Api-Key {well_formed_key}"})
        assert answer.status == 503 and answer.content_type.startswith("application/json"), answer
        assert answer.retry_after and b"service_unavailable" in answer.body
    finally:
        services.start_postgres()
    assert proc.poll() is None


@pytest.mark.django_db(transaction=False)
def test_throttles_count_locally_while_redis_is_stopped(services, settings):
    from orin import degraded
    from tests.api.conftest import key_client

    rates = dict.fromkeys(("anon", "user", "api_key", "auth", "media"), "1000/min")
    # Fixed windows: a day-long one, so the four requests never straddle a window's end.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "ingest": "3/day"}}
    camera = CameraFactory()
    device = UserFactory(username="edge-throttled", role_name="api_client", sites=[camera.dvr.site], is_staff=False)
    client = key_client(issue_api_key(device, "edge", sites=[camera.dvr.site])[1])
    item = {
        "camera": str(camera.id),
        "event_type": "human_detected",
        "confidence": 0.9,
        "bounding_box": {"x": 1, "y": 2, "width": 30, "height": 60},
        "timestamp": timezone.now().isoformat(),
    }
    before = degraded.counts().get("throttle", 0)
    services.stop_redis()
    answers = [client.post(INGEST, [{**item, "key": f"t{n}"}], format="json") for n in range(4)]
    services.start_redis()
    assert [a.status_code for a in answers] == [201, 201, 201, 429], [a.content for a in answers]
    assert answers[3].json()["code"] == "throttled" and answers[3]["Retry-After"]
    assert degraded.counts()["throttle"] - before == 4  # every decision made without Redis was counted
