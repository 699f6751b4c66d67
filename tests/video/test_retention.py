"""Recording retention: by age and by disk quota, oldest first, never locked evidence; when only
locked footage is left recording stops and says so. Clips under a lock survive media retention."""

import datetime as dt

import pytest
from django.utils import timezone

from surveillance.models import MediaFile, SystemHealthLog
from tests.factories import EventFactory
from tests.video.conftest import record_offline
from video.models import EvidenceLock, Recording
from video.services import clips
from video.services.retention import apply_recording_retention, enforce_disk_limits, used_bytes

pytestmark = pytest.mark.django_db


def lock(camera, start, end):
    return EvidenceLock.objects.create(camera=camera, start_time=start, end_time=end, reason="alert under review")


def test_quota_deletes_oldest_first_and_never_locked_footage(settings, recordings_root, h264_source, recording_camera):
    start = timezone.now() - dt.timedelta(hours=1)
    rows = record_offline(recording_camera, recordings_root, h264_source, start, seconds=12)  # six 2 s segments
    assert len(rows) == 6
    lock(recording_camera, rows[0].start_time, rows[1].end_time - dt.timedelta(seconds=0.5))  # the two oldest
    total = used_bytes()
    settings.ORIN_RECORDING_QUOTA_BYTES = total - rows[2].file_size_bytes - rows[3].file_size_bytes // 2

    state = enforce_disk_limits()

    left = set(Recording.objects.values_list("id", flat=True))
    assert not state.blocked
    assert left == {r.id for r in rows} - {rows[2].id, rows[3].id}  # the oldest unlocked two, nothing else
    assert not (recordings_root / rows[2].storage_path).exists()
    assert (recordings_root / rows[0].storage_path).exists()

    settings.ORIN_RECORDING_QUOTA_BYTES = 1  # only the locked ones could make room
    state = enforce_disk_limits()
    assert state.blocked and "only locked evidence is left" in state.message
    assert set(Recording.objects.values_list("id", flat=True)) == {rows[0].id, rows[1].id}
    assert all((recordings_root / r.storage_path).exists() for r in rows[:2])
    assert SystemHealthLog.objects.filter(component="recorder", status="offline").exists()


def test_age_retention_per_camera_keeps_locked_segments(recordings_root, h264_source, recording_camera):
    recording_camera.config["recording_retention_days"] = 1
    recording_camera.save()
    old = timezone.now() - dt.timedelta(days=2)
    rows = record_offline(recording_camera, recordings_root, h264_source, old, seconds=8)
    fresh = record_offline(
        recording_camera, recordings_root, h264_source, timezone.now() - dt.timedelta(hours=1), seconds=4
    )
    lock(recording_camera, rows[-1].start_time, rows[-1].end_time)

    assert apply_recording_retention() == len(rows) - 1
    assert set(Recording.objects.values_list("id", flat=True)) == {rows[-1].id, *(r.id for r in fresh)}


def test_media_retention_keeps_a_locked_clip(recordings_root, h264_source, recording_camera):
    from surveillance.services.retention import enforce_media_retention

    start = timezone.now() - dt.timedelta(days=30)
    record_offline(recording_camera, recordings_root, h264_source, start, seconds=6)
    locked = clips.cut_clip(recording_camera, start, start + dt.timedelta(seconds=3))
    unlocked = clips.cut_clip(recording_camera, start + dt.timedelta(seconds=3), start + dt.timedelta(seconds=6))
    lock(recording_camera, start, start + dt.timedelta(seconds=2))
    MediaFile.objects.update(retention_until=timezone.now() - dt.timedelta(days=1))

    enforce_media_retention()

    assert list(MediaFile.objects.values_list("id", flat=True)) == [locked.media_file_id]
    assert unlocked.media_file_id != locked.media_file_id


@pytest.mark.parametrize(
    ("mode", "kept"),
    [("all", {"motion", "person", "quiet"}), ("motion", {"motion", "person"}), ("detections", {"person"})],
)
def test_recording_mode_keeps_what_it_names(recordings_root, h264_source, recording_camera, mode, kept):
    recording_camera.config.update(recording_mode=mode, recording_retention_days=30, recording_idle_retention_days=1)
    recording_camera.save()
    start = timezone.now() - dt.timedelta(days=2)
    rows = record_offline(recording_camera, recordings_root, h264_source, start, seconds=6)
    assert len(rows) == 3
    names = dict(zip(("motion", "person", "quiet"), rows))
    EventFactory(camera=recording_camera, event_type="motion_detected", timestamp=names["motion"].start_time)
    EventFactory(camera=recording_camera, event_type="human_detected", timestamp=names["person"].start_time)

    apply_recording_retention()
    left = set(Recording.objects.values_list("id", flat=True))
    assert {name for name, row in names.items() if row.id in left} == kept
