"""A face inside a person's box joins the person's track, and a recognised face names the track."""

import datetime as dt

import pytest
from django.utils import timezone

from surveillance.models import Event
from surveillance.services.events import record_events
from tests.factories import CameraFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]
FRAME = {"frame_width": 1280, "frame_height": 720}


def event(camera, kind, box, at, **fields):
    x, y, w, h = box
    return Event(
        camera_id=camera.id,
        event_type=kind,
        confidence="0.9",
        bounding_box={"x": x, "y": y, "width": w, "height": h, **FRAME},
        timestamp=at,
        **fields,
    )


def test_a_recognised_face_names_the_body_track():
    camera, other = CameraFactory(), CameraFactory()
    person = PersonFactory()
    start = timezone.now() - dt.timedelta(minutes=5)
    bodies = [
        event(camera, "human_detected", (400, 100, 200, 600), start, metadata={"label": "person", "track_id": "t-1"}),
        event(camera, "human_detected", (900, 100, 200, 600), start, metadata={"label": "person", "track_id": "t-2"}),
        event(other, "human_detected", (400, 100, 200, 600), start, metadata={"label": "person", "track_id": "t-3"}),
    ]
    record_events(bodies)
    face = event(camera, "person_recognized", (470, 130, 60, 70), start + dt.timedelta(seconds=3), person=person)
    stray = event(camera, "face_detected", (100, 100, 60, 70), start + dt.timedelta(seconds=3))
    record_events([face, stray])

    face.refresh_from_db()
    assert face.metadata["track_id"] == "t-1"
    assert "track_id" not in Event.objects.get(id=stray.id).metadata  # no body around it
    named = {e.metadata["track_id"]: e.person_id for e in Event.objects.filter(event_type="human_detected")}
    assert named == {"t-1": person.id, "t-2": None, "t-3": None}


def test_a_batch_spanning_hours_joins_each_face_to_the_track_of_its_own_moment():
    camera = CameraFactory()
    start = timezone.now() - dt.timedelta(hours=3)
    later = start + dt.timedelta(hours=2)
    record_events(
        [
            event(camera, "human_detected", (400, 100, 200, 600), start, metadata={"track_id": "morning"}),
            event(camera, "human_detected", (400, 100, 200, 600), later, metadata={"track_id": "noon"}),
        ]
    )
    faces = [
        event(camera, "face_detected", (470, 130, 60, 70), start + dt.timedelta(seconds=2)),
        event(camera, "face_detected", (470, 130, 60, 70), later + dt.timedelta(seconds=2)),
        event(camera, "face_detected", (470, 130, 60, 70), start + dt.timedelta(hours=1)),  # nobody then
    ]
    record_events(faces)
    assert [Event.objects.get(id=f.id).metadata.get("track_id") for f in faces] == ["morning", "noon", None]
