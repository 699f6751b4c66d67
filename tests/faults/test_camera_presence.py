"""Cameras fed by edge devices: posted detections and frames count as the camera being seen; a
silent one goes offline with one alert, and coming back resolves that alert by itself (with a
transition row saying so); the DVR's status follows its cameras."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.services.api_keys import issue_api_key
from alerts.models import Alert, AlertStatus, AlertTransition
from faces.services.ingest import submit_frame
from surveillance.models import DeviceConnectivityLog
from surveillance.services import presence
from surveillance.services.health import check_camera_timeouts
from surveillance.services.presence import BACK_ONLINE_NOTE
from tests.api.conftest import key_client
from tests.faces.conftest import jpeg, read_photo
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_touches():
    presence.forget_touches()
    yield
    presence.forget_touches()


def post_detection(client, camera):
    at = (timezone.now() - dt.timedelta(seconds=1)).isoformat()
    item = {
        "camera": str(camera.pk),
        "event_type": "human_detected",
        "confidence": 0.9,
        "bounding_box": {"x": 1, "y": 2, "width": 30, "height": 60},
        "timestamp": at,
    }
    response = client.post("/api/v1/ingest/events", [item], format="json")
    assert response.status_code == 201, response.content


def test_an_edge_fed_camera_goes_offline_when_silent_and_its_alert_resolves_when_it_sends_again(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(("anon", "user", "api_key", "ingest", "auth", "media"), "1000/min"),
    }
    camera = CameraFactory(status="unknown", rtsp_url="")
    sibling = CameraFactory(dvr=camera.dvr, status="online", last_frame_time=timezone.now())
    device = UserFactory(username="edge-box", role_name="api_client", sites=[camera.dvr.site], is_staff=False)
    client = key_client(issue_api_key(device, "edge", sites=[camera.dvr.site])[1])

    post_detection(client, camera)
    camera.refresh_from_db()
    assert camera.status == "online" and camera.last_frame_time is not None

    # Silent beyond its timeout (60 s by default): offline, one alert; the DVR is half offline.
    camera.__class__.objects.filter(pk=camera.pk).update(last_frame_time=timezone.now() - dt.timedelta(minutes=5))
    assert len(check_camera_timeouts()) == 1
    camera.refresh_from_db()
    camera.dvr.refresh_from_db()
    assert camera.status == "offline" and camera.dvr.status == "degraded"
    alert = Alert.objects.get(camera=camera, alert_type="camera_offline")
    assert alert.status != AlertStatus.RESOLVED

    presence.forget_touches()
    post_detection(client, camera)
    camera.refresh_from_db()
    alert.refresh_from_db()
    camera.dvr.refresh_from_db()
    assert camera.status == "online" and alert.status == AlertStatus.RESOLVED and alert.resolved_by is None
    transition = AlertTransition.objects.get(alert=alert, to_status=AlertStatus.RESOLVED)
    assert transition.user is None and transition.note == BACK_ONLINE_NOTE
    assert DeviceConnectivityLog.objects.filter(device_id=camera.id, event="connected").count() == 1
    assert camera.dvr.status == "online"
    sibling.refresh_from_db()
    assert sibling.status == "online"


def test_frames_posted_by_an_edge_device_count_as_seen(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    camera = CameraFactory(status="unknown", rtsp_url="")
    submit_frame(
        camera=camera,
        image_bytes=jpeg(read_photo("t1.jpg")),
        timestamp=timezone.now() - dt.timedelta(seconds=1),
        frame_key=f"edge-frame:{camera.id}",
        source="api",
    )
    camera.refresh_from_db()
    assert camera.status == "online" and camera.last_frame_time is not None
