"""The stream reader (`manage.py run_streams`) as a real process: a generated video file
producing events through a real recognition worker, an HTTP source that ends and comes back, and
a dead RTSP URL producing connectivity logs and one offline alert."""

import functools
import http.server
import sys
import threading

import cv2
import pytest

from alerts.models import Alert
from console.services.demo_video import generate_demo_video
from faces.models import FrameStatus, IngestFrame
from surveillance.models import Camera, DeviceConnectivityLog, Event, SystemHealthLog
from surveillance.services import live_state
from surveillance.services.streams import FrameSampler, redact, with_credentials
from tests.conftest import start_process, stop_process
from tests.factories import CameraFactory, DVRFactory
from tests.ops.conftest import free_port, wait_for


@pytest.fixture(scope="module")
def demo_video(tmp_path_factory):
    """Five packaged face photos, one second each at 10 fps: 50 frames, 5 cuts."""
    return generate_demo_video(tmp_path_factory.mktemp("video") / "faces.avi", fps=10, seconds_per_photo=1.0)


def run_streams(camera: Camera, *extra: str, env: dict | None = None, name: str = "run-streams"):
    return start_process(
        [sys.executable, "manage.py", "run_streams", "--camera", str(camera.id), "--duration", "120", *extra],
        env_extra=env,
        log_name=name,
    )


def connectivity(camera: Camera) -> list[DeviceConnectivityLog]:
    return list(DeviceConnectivityLog.objects.filter(device_id=camera.id).order_by("timestamp"))


# --- pieces ----------------------------------------------------------------------------------------


def test_sampler_sends_the_cuts_and_skips_near_identical_frames(demo_video):
    capture = cv2.VideoCapture(str(demo_video))
    sampler = FrameSampler(analysis_fps=5, motion_threshold=0.02)
    sent, considered, frames = [], 0, 0
    while capture.grab():
        frames += 1
        at = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
        if sampler.due(at):
            considered += 1
            ok, image = capture.retrieve()
            send, _score = sampler.consider(image, at)
            if send:
                sent.append(round(at, 1))
    capture.release()
    assert frames == 50
    assert considered == 25  # 5 a second of video, not every frame
    # Every new photo goes to recognition with the first sampled frame after its cut.
    for cut in (0.0, 1.0, 2.0, 3.0, 4.0):
        assert any(cut <= at < cut + 0.25 for at in sent), (cut, sent)
    assert len(sent) < considered  # the still frames in between do not


def test_credentials_are_injected_for_the_reader_and_never_shown():
    url = with_credentials("rtsp://10.0.0.5:554/Streaming/Channels/101", "admin", "p@ss:word")
    assert url == "rtsp://admin:p%40ss%3Aword@10.0.0.5:554/Streaming/Channels/101"
    assert redact(url) == "rtsp://***@10.0.0.5:554/Streaming/Channels/101"
    assert with_credentials("rtsp://u:p@host/x", "admin", "other") == "rtsp://u:p@host/x"
    assert with_credentials("/videos/demo.avi", "admin", "x") == "/videos/demo.avi"
    assert redact("http://cam.local/video.mjpg?token=abc") == "http://cam.local/video.mjpg"


# --- end to end ------------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_video_file_frames_become_events(celery_worker_process, demo_video):
    camera = CameraFactory(
        status="unknown",
        rtsp_url=str(demo_video),
        # faces only: tests/detection/test_stream_detection.py covers the object detector here
        config={"analysis_fps": 5, "loop": False, "realtime": False, "min_face_size": 20, "object_detection": False},
    )
    proc = run_streams(camera, name="run-streams-video")
    try:
        wait_for(
            lambda: any(log.details.get("reason") == "end of file" for log in connectivity(camera)),
            timeout=90,
            what="the reader to reach the end of the file",
        )
        state = wait_for(
            lambda: (
                live_state.camera_states([camera.id]).get(str(camera.id), {}).get("frames_read") == 50
                and live_state.camera_states([camera.id])[str(camera.id)]
            ),
            timeout=30,
            what="the live state to count 50 frames",
        )
        sent = state["frames_processed"]
        frames = wait_for(
            lambda: (
                IngestFrame.objects.filter(camera=camera).count() == sent
                and not IngestFrame.objects.filter(camera=camera).exclude(status=FrameStatus.DONE).exists()
                and list(IngestFrame.objects.filter(camera=camera))
            ),
            timeout=180,
            what="every submitted frame to be recognised",
        )
    finally:
        stop_process(proc)

    assert 5 <= sent < 25 and state["frames_skipped"] == 50 - sent
    assert {f.source for f in frames} == {"stream"}
    event_ids = [event_id for frame in frames for event_id in frame.event_ids]
    events = Event.objects.filter(camera=camera)
    assert events.count() == len(event_ids) == len(set(event_ids)) >= 6  # t1.jpg alone holds six faces
    assert set(events.values_list("id", flat=True)) == set(event_ids)
    assert {e.event_type for e in events} <= {"face_detected", "person_recognized"}
    connected, ended = connectivity(camera)
    assert connected.event == "connected" and connected.details["resolution"] == "960x540"
    assert connected.details["source_fps"] == 10.0
    assert ended.event == "disconnected" and ended.details["frames_read"] == 50
    camera.refresh_from_db()
    assert camera.status == "online" and camera.last_frame_time is not None


class VideoHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_http_source_that_ends_is_reconnected_then_logged_unreachable(celery_worker_process, demo_video):
    port = free_port()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(VideoHandler, directory=str(demo_video.parent))
    )
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    camera = CameraFactory(
        status="unknown", rtsp_url=f"http://127.0.0.1:{port}/{demo_video.name}", config={"analysis_fps": 1}
    )
    proc = run_streams(camera, env={"ORIN_STREAM_RECONNECT_MAX_SECONDS": "1"}, name="run-streams-http")
    try:
        # The file ends (for a network source that is a lost stream): disconnected, then connected again.
        wait_for(
            lambda: [log.event for log in connectivity(camera)][:3] == ["connected", "disconnected", "connected"],
            timeout=90,
            what="connect, disconnect, reconnect",
        )
        server.shutdown()
        server.server_close()
        wait_for(
            lambda: any(log.event == "reconnect_failed" for log in connectivity(camera)),
            timeout=60,
            what="a failed reconnect once the server is gone",
        )
    finally:
        stop_process(proc)
        server.server_close()

    logs = connectivity(camera)
    first, dropped, again = logs[:3]
    assert dropped.details["error_code"] == "read_failed" and dropped.details["frames_read"] > 0
    assert again.details["previous_event"] == "disconnected" and again.details["duration_seconds"] >= 0
    failed = next(log for log in logs if log.event == "reconnect_failed")
    # The server closing the connection surfaces as a reset or a failed read/open, by timing.
    assert failed.details["error_code"] in {"ECONNREFUSED", "ECONNRESET", "read_failed", "open_failed"}


@pytest.mark.django_db(transaction=True)
def test_dead_url_logs_failures_and_raises_one_offline_alert():
    port = free_port()
    dvr = DVRFactory(username="admin", password="s3cret-pass")
    camera = CameraFactory(
        dvr=dvr, status="online", rtsp_url=f"rtsp://127.0.0.1:{port}/live", config={"offline_after_seconds": 5}
    )
    proc = run_streams(
        camera, "--health-interval", "2", env={"ORIN_STREAM_RECONNECT_MAX_SECONDS": "1"}, name="run-streams-dead"
    )
    try:
        wait_for(lambda: Alert.objects.filter(camera=camera).exists(), timeout=60, what="the offline alert")
        failures_then = DeviceConnectivityLog.objects.filter(device_id=camera.id).count()
        # Keep failing for a few more attempts: still one alert for the one outage.
        wait_for(
            lambda: DeviceConnectivityLog.objects.filter(device_id=camera.id).count() >= failures_then + 2,
            timeout=30,
            what="more reconnect attempts",
        )
        wait_for(
            lambda: SystemHealthLog.objects.filter(component="stream_manager").exists(),
            timeout=30,
            what="the stream reader's health row",
        )
    finally:
        stop_process(proc)

    logs = connectivity(camera)
    assert {log.event for log in logs} == {"reconnect_failed"}
    assert [log.details["retry_count"] for log in logs[:3]] == [1, 2, 3]
    assert all(log.details["error_code"] == "ECONNREFUSED" for log in logs)
    assert all("s3cret" not in str(log.details) for log in logs)
    assert logs[0].details["url"] == f"rtsp://127.0.0.1:{port}/live"  # as configured: no credentials
    [alert] = Alert.objects.filter(camera=camera)
    assert alert.alert_type == "camera_offline" and "ECONNREFUSED" in alert.message
    camera.refresh_from_db()
    assert camera.status == "offline"
    state = live_state.camera_states([camera.id])[str(camera.id)]
    assert state["status"] == "offline" and "127.0.0.1" in state["last_error"]
    health = SystemHealthLog.objects.filter(component="stream_manager").first()
    assert health.status == "degraded" and health.metrics["active_streams"] == 1
    assert health.metrics["connected_streams"] == 0
