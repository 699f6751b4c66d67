"""Motion gate -> detector -> tracker on a generated video (packaged photos of people moving
across a background): one track id per person across frames, one event per track per interval,
motion events rate-limited, and the rows written through record_events."""

import datetime as dt

import cv2
import numpy as np
import pytest
from django.utils import timezone

from detection.services.pipeline import CameraPipeline, write_result
from surveillance.models import Event, EventType
from surveillance.services.tracks import register_track_consumer
from tests.detection.conftest import photo
from tests.factories import CameraFactory

pytestmark = pytest.mark.timeout(180)

SIZE = (640, 480)


def cut(image, box, height):
    x, y, w, h = box
    crop = image[y : y + h, x : x + w]
    return cv2.resize(crop, (round(w * height / h), height), interpolation=cv2.INTER_AREA)


def people_sprites():
    t1 = photo("t1.jpg")
    astronaut = photo("astronaut.png")
    return [cut(t1, (0, 220, 310, 660), 300), cut(astronaut, (10, 10, 360, 500), 300)]


def background():
    rng = np.random.default_rng(4)
    base = np.full((SIZE[1], SIZE[0], 3), (96, 110, 104), np.uint8)
    noise = rng.integers(0, 18, size=base.shape, dtype=np.uint8)
    return cv2.add(base, noise)


def video(frames: int):
    """Person A walks right from the left edge, person B walks left from the right edge."""
    a, b = people_sprites()
    back = background()
    for i in range(frames):
        frame = back.copy()
        ax = 10 + i * 14
        bx = SIZE[0] - b.shape[1] - 10 - i * 14
        frame[170 : 170 + a.shape[0], ax : ax + a.shape[1]] = a
        frame[170 : 170 + b.shape[0], bx : bx + b.shape[1]] = b
        yield frame


def test_one_track_per_person_and_one_event_per_track_per_interval(detector, camera):
    pipeline = CameraPipeline(camera.id, detector, threshold=0.35, track_interval=5.0, motion_interval=60.0)
    start = timezone.now() - dt.timedelta(minutes=1)
    quiet = background()
    results = [pipeline.process(quiet, start, clock=0.0)]  # first frame: all motion, nobody there
    for i, frame in enumerate(video(8)):
        results.append(pipeline.process(frame, start + dt.timedelta(seconds=i + 1), clock=float(i + 1)))
    results.append(pipeline.process(frame, start + dt.timedelta(seconds=10), clock=10.0))  # standing still

    assert results[0].detections == []
    tracks_per_frame = [{(e.metadata["track_id"]) for e in r.events if e.event_type == EventType.HUMAN_DETECTED}
                        | {p.track_id for p in r.points if p.label == "person"} for r in results[1:-1]]  # fmt: skip
    assert all(len(ids) == 2 for ids in tracks_per_frame), tracks_per_frame
    assert len(set().union(*tracks_per_frame)) == 2  # the same two ids in all eight frames

    human = [e for r in results for e in r.events if e.event_type == EventType.HUMAN_DETECTED]
    # interval 5 s over frames at t = 1..8: each track writes at t=1 (start) and t=6
    per_track = {}
    for event in human:
        per_track.setdefault(event.metadata["track_id"], []).append(event.timestamp)
    assert sorted(len(times) for times in per_track.values()) == [2, 2]
    assert all(times[1] - times[0] == dt.timedelta(seconds=5) for times in per_track.values())
    assert all(e.metadata["track_start"] for e in human[:2])
    points = [p for r in results[1:-1] for p in r.points if p.label == "person"]
    assert len(points) == 2 * 8 - 4  # every other observation is a track point

    motion = [e for r in results for e in r.events if e.event_type == EventType.MOTION_DETECTED]
    assert len(motion) == 1  # rate-limited to one a minute
    # the still frame after the walk: the background model has not learnt the people yet, and
    # whatever it says, no new track starts
    assert not any(e.metadata.get("track_start") for e in results[-1].events)


def test_a_quiet_scene_never_runs_the_detector(detector, camera):
    pipeline = CameraPipeline(camera.id, detector, motion_interval=0.0)
    quiet = background()
    at = timezone.now()
    results = [pipeline.process(quiet, at, clock=float(i)) for i in range(6)]
    assert [r.detector_ran for r in results] == [True, False, False, False, False, False]


@pytest.mark.django_db(transaction=True)
def test_events_and_track_points_are_written(detector, media_root):
    camera = CameraFactory()
    received = []
    register_track_consumer("test-detection", lambda points: received.extend(points) or [])
    try:
        pipeline = CameraPipeline(camera.id, detector, track_interval=60.0)
        start = timezone.now() - dt.timedelta(seconds=30)
        for i, frame in enumerate(video(3)):
            at = start + dt.timedelta(seconds=i)
            write_result(camera.id, frame, pipeline.process(frame, at, clock=float(i)))
    finally:
        register_track_consumer("test-detection", lambda points: [])
    events = list(Event.objects.filter(camera=camera).order_by("timestamp"))
    kinds = sorted(e.event_type for e in events if e.metadata.get("label") != "backpack")
    assert kinds == ["human_detected", "human_detected", "motion_detected"]  # (the astronaut carries a "backpack")
    assert all(e.image_path and e.image_path.startswith("detections/") for e in events)
    assert (media_root / events[0].image_path).is_file()
    assert {p.track_id for p in received} == {e.metadata["track_id"] for e in events if e.metadata.get("track_id")}
    assert len([p for p in received if p.label == "person"]) == 4
