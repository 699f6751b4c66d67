"""The detections screen: guards with their statistics, detections with boxes drawn on the
snapshot, filters by class and guard, and a reviewer marking a false detection."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from detection.models import DetectionReview, Guard, GuardCamera
from surveillance.models import Event
from surveillance.services.events import record_events
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]
PAGE = "/admin/console/detections/"


def detection(camera, label, confidence=0.8, **metadata):
    return Event(
        camera_id=camera.id,
        event_type="human_detected" if label == "person" else "object_detected",
        confidence=confidence,
        bounding_box={"x": 320, "y": 90, "width": 160, "height": 270, "frame_width": 640, "frame_height": 360},
        timestamp=timezone.now() - dt.timedelta(minutes=1),
        metadata={"label": label, "track_id": f"t-{label}", **metadata},
        image_path=f"detections/{label}.jpg",
    )


def test_boxes_filters_and_false_detection(world, users, client):
    guard = Guard.objects.create(site=world.site_a, name="Front door people", guard_type="people", notify=False)
    GuardCamera.objects.create(guard=guard, camera=world.cam_a)
    record_events([detection(world.cam_a, "person"), detection(world.cam_a, "car"), detection(world.cam_b, "dog")])
    operator = sign_in(client, users["operator"])

    page = operator.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    labels = re.findall(r'data-label="([^"]+)"', html)
    assert sorted(labels) == ["car", "person"]  # the dog is at site B
    # the box in percent of the frame, with its label
    assert "left:50%;top:25%;width:25%;height:75%" in html and "person 80%" in html
    assert "Front door people" in html and "Detections" in html

    assert re.findall(r'data-label="([^"]+)"', operator.get(PAGE, {"label": "car"}).content.decode()) == ["car"]
    by_guard = operator.get(PAGE, {"guard": str(guard.id)}).content.decode()
    assert re.findall(r'data-label="([^"]+)"', by_guard) == ["person"]
    assert operator.get(PAGE, {"guard": "not-a-uuid"}).status_code == 200  # a bad filter is shown, not a 500

    person = Event.objects.get(camera=world.cam_a, metadata__label="person")
    reply = operator.post(
        f"{PAGE}review/", {"event": str(person.id), "verdict": "false_positive", "query": "label=person"}
    )
    assert reply.status_code == 302 and reply["Location"].endswith("?label=person")
    review = DetectionReview.objects.get(event_id=person.id)
    assert review.verdict == "false_positive" and review.guard_id == guard.id and review.reviewer == users["operator"]
    stats = operator.get(PAGE).content.decode()
    assert re.search(r"Front door people</a>.*?<td>1</td>\s*<td>1</td>\s*<td>0%</td>", stats, re.S)

    viewer = sign_in(client, users["viewer"])
    assert viewer.post(f"{PAGE}review/", {"event": str(person.id), "verdict": "confirmed"}).status_code == 403
