"""`manage.py run_streams` as a real process with both analysers registered: the demo video's
people become human_detected events with snapshots and track ids (one decode feeds faces and the
detector), and a broken detector model leaves face analysis running with the detector reported
off in the health log."""

import sys

import pytest

from console.services.demo_video import generate_demo_video
from faces.models import IngestFrame
from surveillance.models import Event, SystemHealthLog
from tests.conftest import start_process, stop_process
from tests.factories import CameraFactory
from tests.ops.conftest import wait_for

pytestmark = [pytest.mark.timeout(240), pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def demo_video(tmp_path_factory):
    return generate_demo_video(tmp_path_factory.mktemp("video") / "people.avi", fps=10, seconds_per_photo=1.0)


def run_streams(camera, tmp_path, **env):
    return start_process(
        [sys.executable, "manage.py", "run_streams", "--camera", str(camera.id), "--duration", "150"],
        env_extra={"ORIN_MEDIA_ROOT": str(tmp_path / "media"), "ORIN_DETECTOR_HEALTH_SECONDS": "3", **env},
        log_name="run-streams-detection",
    )


def detector_health(camera_count: int = 1):
    return list(SystemHealthLog.objects.filter(component="object_detector").order_by("timestamp"))


def test_people_in_the_demo_video_become_tracked_events_with_snapshots(demo_video, tmp_path):
    camera = CameraFactory(
        status="unknown", rtsp_url=str(demo_video), config={"analysis_fps": 2, "loop": False, "realtime": True}
    )
    proc = run_streams(camera, tmp_path)
    try:
        people = wait_for(
            lambda: list(Event.objects.filter(camera=camera, event_type="human_detected")) or None,
            timeout=120,
            what="human_detected events from the stream",
        )
        wait_for(lambda: detector_health(), timeout=60, what="an object_detector health row")
        frames = IngestFrame.objects.filter(camera=camera).count()
    finally:
        stop_process(proc)

    assert len(people) >= 6  # t1.jpg, the first picture, holds six people
    assert all(e.metadata["source"] == "orin-detector" and e.metadata["track_id"] for e in people)
    assert len({e.metadata["track_id"] for e in people}) == len(people)  # one event per new track
    assert all(e.image_path and (tmp_path / "media" / e.image_path).is_file() for e in people)
    assert Event.objects.filter(camera=camera, event_type="motion_detected").exists()
    assert frames >= 1  # the face pipeline got the same frames
    health = detector_health()[-1]
    assert health.metrics["model"] == "nanodet.onnx" and health.metrics["detector_runs"] >= 0


def test_a_broken_model_turns_the_detector_off_but_not_the_faces(demo_video, tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_text("not a model")
    camera = CameraFactory(
        status="unknown", rtsp_url=str(demo_video), config={"analysis_fps": 2, "loop": False, "realtime": True}
    )
    proc = run_streams(camera, tmp_path, ORIN_DETECTOR_MODEL=str(broken))
    try:
        wait_for(lambda: IngestFrame.objects.filter(camera=camera).count() >= 2, timeout=90, what="face frames")
        health = wait_for(lambda: detector_health() or None, timeout=60, what="an object_detector health row")[-1]
    finally:
        stop_process(proc)
    assert health.status == "degraded"
    assert "detector off" in health.message and "not a loadable ONNX model" in health.message
    assert not Event.objects.filter(camera=camera, event_type__in=["human_detected", "object_detected"]).exists()
    assert Event.objects.filter(camera=camera, event_type="motion_detected").exists()  # motion still works
