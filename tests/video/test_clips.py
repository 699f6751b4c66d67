"""Clips cut from real segments: duration, checksum, rows; alerts get a clip or a reason."""

import datetime as dt
import hashlib

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from alerts.services.lifecycle import raise_alert
from surveillance.models import Event
from tests.conftest import sign_in
from tests.factories import CameraFactory, EventFactory, UserFactory
from tests.video.conftest import record_offline
from video.models import ClipRequest, ClipStatus, EvidenceLock, Recording, RecordingKind
from video.services import clips
from video.services.ffmpeg import media_duration

pytestmark = pytest.mark.django_db


def test_clip_is_cut_without_reencoding_and_stored_with_its_checksum(recordings_root, h264_source, recording_camera):
    start = timezone.now() - dt.timedelta(minutes=5)
    record_offline(recording_camera, recordings_root, h264_source, start, seconds=14)
    clip = clips.cut_clip(recording_camera, start + dt.timedelta(seconds=3), start + dt.timedelta(seconds=11))

    assert float(clip.duration) == pytest.approx(8, abs=1)
    media = clip.media_file
    assert media.file_type == "video" and clip.format == "mp4"
    with default_storage.open(media.storage_path, "rb") as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == media.checksum
    assert len(data) == media.file_size == clip.size_bytes
    assert data[4:8] == b"ftyp"  # an MP4
    assert media_duration(default_storage.path(media.storage_path)) == pytest.approx(8, abs=1)


def test_an_alert_gets_a_locked_window_and_its_clip(
    recordings_root, h264_source, recording_camera, django_capture_on_commit_callbacks
):
    start = timezone.now() - dt.timedelta(minutes=5)
    record_offline(recording_camera, recordings_root, h264_source, start, seconds=14)
    event = EventFactory(camera=recording_camera, timestamp=start + dt.timedelta(seconds=6))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alert = raise_alert(camera=recording_camera, alert_type="intrusion", severity="high", message="m", event=event)
    announced = [c for c in callbacks if c.__qualname__.startswith("announce.")]
    with django_capture_on_commit_callbacks(execute=False) as scheduled:
        announced[0]()  # alerts_changed → video's receiver; the Celery task it schedules is run below
    assert [c for c in scheduled if c.__qualname__.startswith("plan_alert_clips.")]
    request = ClipRequest.objects.get(alert=alert)
    assert (request.start_time, request.end_time) == (
        event.timestamp - dt.timedelta(seconds=3),
        event.timestamp + dt.timedelta(seconds=3),
    )
    lock = EvidenceLock.objects.get(alert=alert)
    assert (lock.start_time, lock.end_time) == (request.start_time, request.end_time)

    outcome = clips.process_clip_request(request.pk)
    request.refresh_from_db()
    assert outcome.retry_in is None
    assert request.status == ClipStatus.READY, request.message
    assert float(request.video_clip.duration) == pytest.approx(6, abs=1)
    assert request.video_clip.event_id == event.id
    assert Event.objects.get(pk=event.id).video_clip_path == request.video_clip.media_file.storage_path


def test_a_clip_waits_for_its_post_roll(recordings_root, h264_source, recording_camera):
    now = timezone.now()
    record_offline(recording_camera, recordings_root, h264_source, now - dt.timedelta(seconds=8), seconds=8)
    request = ClipRequest.objects.create(
        camera=recording_camera, start_time=now - dt.timedelta(seconds=3), end_time=now + dt.timedelta(seconds=3)
    )
    outcome = clips.process_clip_request(request.pk, now=now)
    assert outcome.retry_in and outcome.retry_in > 0
    request.refresh_from_db()
    assert request.status == ClipStatus.WAITING and request.video_clip is None


def test_missing_footage_is_said_on_the_alert(recordings_root, h264_source, recording_camera):
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Recording.objects.create(
        camera=recording_camera, kind=RecordingKind.GAP, start_time=long_ago - dt.timedelta(minutes=1),
        end_time=long_ago + dt.timedelta(minutes=1), duration_seconds=120, reason="Connection refused",
    )  # fmt: skip
    request = ClipRequest.objects.create(
        camera=recording_camera, start_time=long_ago, end_time=long_ago + dt.timedelta(seconds=6)
    )
    clips.process_clip_request(request.pk)
    request.refresh_from_db()
    assert request.status == ClipStatus.MISSING
    assert "no footage" in request.message and "Connection refused" in request.message


def test_a_partial_clip_says_which_seconds_are_missing(recordings_root, h264_source, recording_camera):
    start = timezone.now() - dt.timedelta(minutes=5)
    record_offline(recording_camera, recordings_root, h264_source, start, seconds=6)
    request = ClipRequest.objects.create(
        camera=recording_camera, start_time=start + dt.timedelta(seconds=2), end_time=start + dt.timedelta(seconds=12)
    )
    clips.process_clip_request(request.pk)
    request.refresh_from_db()
    assert request.status == ClipStatus.PARTIAL
    assert "no footage" in request.message
    assert float(request.video_clip.duration) == pytest.approx(4, abs=1)


def test_a_camera_that_does_not_record_gets_no_clip_and_says_why(client):
    camera = CameraFactory(config={})
    alert = raise_alert(camera=camera, alert_type="intrusion", severity="high", message="m")
    assert clips.plan_alert_clips([alert]) == []
    assert not ClipRequest.objects.filter(alert=alert).exists() and not EvidenceLock.objects.filter(alert=alert)
    sign_in(client, UserFactory(role_name="admin", sites=[camera.dvr.site]))
    page = client.get(reverse("admin:console_video_alert", args=[alert.pk]))
    assert page.status_code == 200 and b"does not record (recording is off" in page.content
