"""The recorder against a live TS-over-TCP camera: real ffmpeg, real segments, a real drop."""

import datetime as dt
import time

import pytest

from surveillance.models import SystemHealthLog
from tests.factories import CameraFactory
from tests.ops.conftest import wait_for
from video.models import Recording, RecordingKind
from video.services.ffmpeg import SourceError, probe_source
from video.services.recorder import CameraRecorder, recording_cameras

pytestmark = pytest.mark.django_db(transaction=True)


def segments(camera):
    return list(Recording.objects.filter(camera=camera, kind=RecordingKind.SEGMENT).order_by("start_time"))


@pytest.mark.timeout(60)
def test_records_segments_and_a_gap_when_the_camera_drops(recordings_root, ts_camera, client):
    camera = CameraFactory(rtsp_url=ts_camera.url, config={"recording": True})
    assert [c.id for c in recording_cameras()] == [camera.id]
    recorder = CameraRecorder(camera.id)
    started = time.time()
    recorder.start()
    try:
        wait_for(lambda: len(segments(camera)) >= 2, timeout=20, what="two segments")
        check_live_view(client, camera)
        ts_camera.stop()  # the camera goes away mid-stream
        dropped_at = time.time()
        wait_for(lambda: recorder.last_error, timeout=15, what="the recorder to notice the drop")
        time.sleep(2)
        ts_camera.start()
        wait_for(
            lambda: (
                Recording.objects.filter(camera=camera, kind=RecordingKind.GAP).exists()
                and any(s.start_time.timestamp() > dropped_at for s in segments(camera))
            ),
            timeout=25,
            what="a gap and footage after it",
        )
    finally:
        recorder.stop.set()
        recorder.join(20)

    rows = segments(camera)
    assert all(r.codec == "h264" for r in rows)  # H.264 source: stream copy
    assert all((recordings_root / r.storage_path).stat().st_size == r.file_size_bytes for r in rows)
    assert rows[0].start_time.timestamp() == pytest.approx(started, abs=4)
    before = [r for r in rows if r.start_time.timestamp() < dropped_at]
    assert before[0].duration_seconds == pytest.approx(2, abs=0.2)  # 2 s segments (test setting)
    for a, b in zip(before, before[1:], strict=False):
        assert a.end_time == b.start_time  # one session's segments are contiguous
    gap = Recording.objects.get(camera=camera, kind=RecordingKind.GAP)
    assert gap.start_time == before[-1].end_time
    assert gap.end_time > gap.start_time + dt.timedelta(seconds=1)
    assert gap.reason
    assert gap.end_time.timestamp() > dropped_at
    assert SystemHealthLog.objects.filter(component="recorder", status="degraded").exists()


def check_live_view(client, camera):
    """The newest picture, through the policy-checked route: fresh for the site's operator, 404
    for another site's."""
    from django.urls import reverse

    from tests.conftest import sign_in
    from tests.factories import SiteFactory, UserFactory

    url = reverse("admin:console_video_live_picture", args=[camera.pk])
    sign_in(client, UserFactory(role_name="operator", sites=[SiteFactory()]))
    assert client.get(url).status_code == 404
    sign_in(client, UserFactory(role_name="operator", sites=[camera.dvr.site]))
    answer = client.get(url)
    assert answer.status_code == 200 and answer.content[:2] == b"\xff\xd8"  # a JPEG
    assert float(answer["X-Picture-Age"]) < 2.0


def test_a_source_that_is_not_video_is_refused_with_a_reason(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a video\n" * 100)
    with pytest.raises(SourceError, match="not video|cannot open"):
        probe_source(str(text))
    with pytest.raises(SourceError, match="cannot open the source"):
        probe_source("tcp://127.0.0.1:9")


@pytest.mark.timeout(30)
def test_an_unreachable_camera_writes_health_rows_and_never_crashes(recordings_root):
    camera = CameraFactory(rtsp_url="tcp://127.0.0.1:9", config={"recording": True})
    recorder = CameraRecorder(camera.id)
    recorder.start()
    try:
        wait_for(
            lambda: SystemHealthLog.objects.filter(component="recorder", metrics__camera=str(camera.id)).exists(),
            timeout=15,
            what="a recorder health row",
        )
        assert recorder.thread.is_alive()
        assert "cannot open the source" in recorder.last_error
    finally:
        recorder.stop.set()
        recorder.join(15)
    assert not segments(camera)


def test_random_bytes_are_not_video(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(SourceError, match="not video|cannot open"):
        probe_source(str(junk))
