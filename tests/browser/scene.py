"""Data for the browser suite: two sites with cameras, operators, rules, and a day of events whose
snapshots are real frames (a group photo from insightface's package, never committed)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import cv2
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import User
from alerts.models import Alert
from surveillance.models import Camera, Event, MediaFile, Site
from surveillance.services.events import record_events
from tests.faces.conftest import jpeg, read_photo
from tests.factories import AlertRuleFactory, CameraFactory, SiteFactory, UserFactory


@dataclass
class Scene:
    site_a: Site
    site_b: Site
    cameras_a: list[Camera]
    cameras_b: list[Camera]
    operator_a: User
    operator_b: User


def build_sites() -> Scene:
    site_a, site_b = SiteFactory(name="Harbour Logistics"), SiteFactory(name="Northgate Office")
    names_a = [("Main Entrance", "online"), ("Loading Dock", "online"), ("Car Park", "offline")]
    names_b = [("Reception", "online"), ("Lobby", "degraded"), ("Side Gate", "online")]
    cameras_a = [CameraFactory(dvr__site=site_a, name=n, status=s, location=f"Harbour: {n}") for n, s in names_a]
    dvr_b = CameraFactory(dvr__site=site_b, name=names_b[0][0], status=names_b[0][1]).dvr
    cameras_b = [Camera.objects.get(dvr=dvr_b)] + [
        CameraFactory(dvr=dvr_b, name=n, status=s, location=f"Northgate: {n}") for n, s in names_b[1:]
    ]
    now = timezone.now()
    Camera.objects.filter(status="online").update(last_frame_time=now - dt.timedelta(seconds=20))
    Camera.objects.filter(status="degraded").update(last_frame_time=now - dt.timedelta(minutes=9))
    return Scene(
        site_a=site_a,
        site_b=site_b,
        cameras_a=cameras_a,
        cameras_b=cameras_b,
        operator_a=UserFactory(username="operator-a", role_name="operator", sites=[site_a], first_name="Ana"),
        operator_b=UserFactory(username="operator-b", role_name="operator", sites=[site_b], first_name="Ben"),
    )


def store_frame(camera: Camera, image, when: dt.datetime) -> MediaFile:
    data = jpeg(image, 80)
    name = default_storage.save(f"frames/{camera.id}/{when:%Y%m%d%H%M%S%f}.jpg", ContentFile(data))
    return MediaFile.objects.create(
        file_type="image",
        storage_path=name,
        file_size=len(data),
        checksum="0" * 64,
        camera=camera,
        timestamp=when,
        retention_until=when + dt.timedelta(days=30),
    )


def face_boxes(image) -> list[tuple[int, int, int, int]]:
    """Where the faces really are (the production detector), so drawn boxes sit on faces."""
    from faces.services.engine import get_engine

    boxes = []
    for face in get_engine().detect(image):
        x1, y1, x2, y2 = (int(v) for v in face.bbox[:4])
        boxes.append((x1, y1, x2 - x1, y2 - y1))
    return boxes or [(270, 175, 80, 105)]


def fill_day(scene: Scene, per_camera: int = 40, seed: int = 7) -> None:
    """A day of mixed events with real snapshots (and boxes on the faces), plus some alerts."""
    rng = random.Random(seed)
    photo = cv2.resize(read_photo("t1.jpg"), (960, 640))
    height, width = photo.shape[:2]
    boxes = face_boxes(photo)
    now = timezone.now()
    types = ["human_detected"] * 5 + ["motion_detected"] * 2 + ["object_detected", "face_detected"]
    events = []
    for camera in scene.cameras_a + scene.cameras_b:
        frame = store_frame(camera, photo, now - dt.timedelta(minutes=5))
        for _ in range(per_camera):
            x, y, w, h = rng.choice(boxes)
            events.append(
                Event(
                    camera=camera,
                    event_type=rng.choice(types),
                    confidence=f"{rng.uniform(0.6, 0.99):.3f}",
                    bounding_box={
                        "x": x,
                        "y": y,
                        "width": w,
                        "height": h,
                        "frame_width": width,
                        "frame_height": height,
                    },
                    image_path=frame.storage_path,
                    timestamp=now - dt.timedelta(minutes=rng.randint(6, 23 * 60)),
                )
            )
    record_events(events, evaluate_rules=False)
    severities = ["critical", "high", "high", "medium", "low", "low"]
    for index, event in enumerate(sorted(events, key=lambda e: e.timestamp)[-12:]):
        Alert.objects.create(
            camera=event.camera,
            event_id=event.id,
            alert_type=event.event_type,
            severity=severities[index % len(severities)],
            message=f"{event.get_event_type_display()} on {event.camera.name}",
            created_at=event.timestamp,
        )


def alert_rule_for_people(severity: str = "critical"):
    """Rules raise alerts for people seen on any camera (the live tests' trigger)."""
    return AlertRuleFactory(name="People on site", event_type="human_detected", severity=severity)


def snapshot_event(camera: Camera, **extra) -> Event:
    frame = MediaFile.objects.filter(camera=camera).order_by("-timestamp").first()
    return Event(
        camera=camera,
        event_type=extra.pop("event_type", "human_detected"),
        confidence="0.930",
        bounding_box={"x": 270, "y": 175, "width": 80, "height": 105, "frame_width": 960, "frame_height": 640},
        image_path=frame.storage_path if frame else None,
        timestamp=timezone.now(),
        **extra,
    )
