"""Analytics fixtures: two sites with a camera each (1000x1000 pixels, so pixel boxes map to
round fractions), users at site A, and helpers that post tracks through the real REST ingest
endpoint or publish TrackPoints."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.services.api_keys import issue_api_key
from surveillance.models import Camera, Site
from surveillance.services.tracks import TrackPoint
from tests.api.conftest import HIGH_RATES, jwt_client, key_client
from tests.factories import CameraFactory, SiteFactory, UserFactory, ZoneFactory


@pytest.fixture(autouse=True)
def generous_throttles(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": HIGH_RATES}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    site_a: Site
    site_b: Site
    cam_a: Camera
    cam_b: Camera


@pytest.fixture
def world(db) -> World:
    site_a, site_b = SiteFactory(name="Site A"), SiteFactory(name="Site B")
    return World(
        site_a,
        site_b,
        CameraFactory(dvr__site=site_a, resolution="1000x1000"),
        CameraFactory(dvr__site=site_b, resolution="1000x1000"),
    )


@pytest.fixture
def operator_a(world):
    return UserFactory(username="operator_a", role_name="operator", sites=[world.site_a])


@pytest.fixture
def operator_b(world):
    return UserFactory(username="operator_b", role_name="operator", sites=[world.site_b])


@pytest.fixture
def device(world):
    """An edge detector's API key for site A."""
    user = UserFactory(username="edge_a", role_name="api_client", sites=[world.site_a], is_staff=False)
    _, raw = issue_api_key(user, "edge detector", sites=[world.site_a])
    return key_client(raw)


def zone(camera, zone_type="restricted", **kwargs):
    """The bottom-left quarter of the frame unless told otherwise."""
    return ZoneFactory(camera=camera, zone_type=zone_type, **kwargs)


T0 = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def detection(camera, track, t: float, foot: tuple[float, float], *, label="person", size=(0.1, 0.2), **extra):
    """A detection whose box's bottom centre is `foot` (fractions), sent in pixels of 1000x1000."""
    w, h = size
    box = {"x": (foot[0] - w / 2) * 1000, "y": (foot[1] - h) * 1000, "width": w * 1000, "height": h * 1000}
    metadata = {"track_id": track}
    if label != "person":
        metadata["label"] = label
    return {
        "camera": str(camera.id),
        "event_type": "human_detected" if label == "person" else "object_detected",
        "confidence": 0.9,
        "bounding_box": box,
        "timestamp": at(t).isoformat(),
        "metadata": metadata,
        **extra,
    }


def post(client, detections: list[dict]):
    response = client.post("/api/v1/ingest/events", detections, format="json")
    assert response.status_code in (200, 201), response.content
    return response.json()


def point(camera, track, t: float, foot, *, label="person", size=(0.1, 0.2), **extra) -> TrackPoint:
    w, h = size
    return TrackPoint(
        camera_id=camera.id,
        track_id=track,
        label=label,
        box=(foot[0] - w / 2, foot[1] - h, w, h),
        confidence=0.8,
        timestamp=at(t),
        **extra,
    )


def walk(start, end, steps: int):
    """Feet positions from start to end in `steps` equal steps (both ends included)."""
    return [
        (start[0] + (end[0] - start[0]) * i / (steps - 1), start[1] + (end[1] - start[1]) * i / (steps - 1))
        for i in range(steps)
    ]


__all__ = ["at", "detection", "jwt_client", "point", "post", "walk", "zone", "uuid"]
