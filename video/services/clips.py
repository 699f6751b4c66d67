"""Clips cut from the recorded segments: around every alert ([t − pre, t + post], per camera
`clip_pre_seconds` / `clip_post_seconds`, defaults 10 s / 20 s) and for operators' exports.

An alert's clip is planned when the alert is created (after commit, through `alerts_changed`):
its window is locked as evidence at once and a Celery task is scheduled for when the post-roll
will have been recorded (an ETA, so no worker sleeps). The task cuts without re-encoding when the
footage is H.264 (re-encodes otherwise), stores the MP4 through django-storages with its SHA-256
as `media_files` + `video_clips` rows and sets the event's `video_clip_path`. Whatever happens,
the clip request says so: ready, partial (which seconds are missing), missing, or the camera
does not record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from surveillance.models import Camera, Event, MediaFile, MediaFileType, VideoClip
from video import conf
from video.models import ClipRequest, ClipStatus, EvidenceLock, Recording, RecordingKind
from video.services import ffmpeg

logger = logging.getLogger(__name__)

# media_files rows (alias m) that retention must keep: clips overlapping an active evidence lock.
LOCKED_MEDIA_SQL = """EXISTS (
    SELECT 1 FROM video_clips vc
    JOIN evidence_locks l ON l.camera_id = vc.camera_id AND l.released_at IS NULL
         AND l.start_time < vc.end_time AND l.end_time > vc.start_time
    WHERE vc.media_file_id = m.id)"""

FINAL = {ClipStatus.READY, ClipStatus.PARTIAL, ClipStatus.MISSING, ClipStatus.NO_RECORDING, ClipStatus.FAILED}
CUT_TIMEOUT_SECONDS = 300
CLIP_RETENTION_DAYS = 90  # unlocked clips (exports); alert clips are kept by their lock


class ClipUnavailable(Exception):
    """No clip can be cut; the message says why, for the operator."""


def camera_records(camera: Camera) -> bool:
    return bool((camera.config or {}).get("recording")) and bool(camera.rtsp_url) and camera.is_active


def clip_window(camera: Camera, at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    config = camera.config or {}
    pre = float(config.get("clip_pre_seconds", conf.clip_pre_seconds()))
    post = float(config.get("clip_post_seconds", conf.clip_post_seconds()))
    return at - dt.timedelta(seconds=pre), at + dt.timedelta(seconds=post)


# --- planning ------------------------------------------------------------------------------------


def on_alerts_changed(sender, alerts, change: str, **kwargs) -> None:
    """`alerts_changed` receiver (runs after the alerts' transaction committed)."""
    if change == "created":
        plan_alert_clips([alert for alert in alerts if alert.camera_id])


def plan_alert_clips(alerts: list) -> list[ClipRequest]:
    """Lock each alert's window as evidence and schedule its clip. One query per kind of row for
    the whole batch: an ingest batch can raise thousands. A camera that does not record gets
    neither (nothing to lock or cut); the evidence page says why from the camera's settings."""
    cameras = {
        pk: camera
        for pk, camera in Camera.objects.in_bulk({alert.camera_id for alert in alerts}).items()
        if camera_records(camera)
    }
    alerts = [alert for alert in alerts if alert.camera_id in cameras]
    if not alerts:
        return []
    already = set(ClipRequest.objects.filter(alert__in=alerts).values_list("alert_id", flat=True))
    locks, requests = [], []
    for alert in alerts:
        if alert.pk in already:
            continue
        camera = cameras[alert.camera_id]
        start, end = clip_window(camera, alert.first_seen or alert.created_at or timezone.now())
        window = {"camera": camera, "alert": alert, "start_time": start, "end_time": end}
        locks.append(EvidenceLock(**window, reason=f"alert {alert.pk}"))
        requests.append(ClipRequest(**window, event_id=alert.event_id))
    with transaction.atomic():
        EvidenceLock.objects.bulk_create(locks)
        ClipRequest.objects.bulk_create(requests, ignore_conflicts=True)  # a second announce of the same alert
        transaction.on_commit(lambda: [schedule_cut(r) for r in requests])
    return requests


def request_export(*, camera: Camera, start: dt.datetime, end: dt.datetime, user=None, reason: str = "") -> ClipRequest:
    """An operator's export of a recorded range, cut in the background (progress on the request)."""
    if end <= start:
        raise ClipUnavailable("the end of the range must be after its start")
    if (end - start).total_seconds() > 3600:
        raise ClipUnavailable("a range of at most one hour can be exported at once")
    request = ClipRequest.objects.create(
        camera=camera, start_time=start, end_time=end, requested_by=user, reason=reason[:200]
    )
    transaction.on_commit(lambda: schedule_cut(request))
    return request


def ready_at(request: ClipRequest) -> dt.datetime:
    """When the window's last segment should be indexed."""
    return request.end_time + dt.timedelta(seconds=conf.segment_seconds() + 2)


def schedule_cut(request: ClipRequest) -> None:
    from video.tasks import cut_requested_clip

    cut_requested_clip.apply_async(args=[str(request.pk)], eta=max(ready_at(request), timezone.now()))


# --- cutting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    request: ClipRequest
    retry_in: float | None = None  # seconds; set when the post-roll is not recorded yet


def segments_between(camera_id, start: dt.datetime, end: dt.datetime) -> list[Recording]:
    return list(
        Recording.objects.filter(camera_id=camera_id, start_time__lt=end, end_time__gt=start).order_by("start_time")
    )


def _holes(rows: list[Recording], start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime, str]]:
    """Parts of [start, end] no segment covers, with the gap row's reason where one exists."""
    holes, cursor, reason = [], start, ""
    for row in rows:
        if row.kind == RecordingKind.GAP:
            reason = row.reason
            continue
        if (row.start_time - cursor).total_seconds() >= 1:
            holes.append((cursor, row.start_time, reason))
        cursor, reason = max(cursor, row.end_time), ""
    if (end - cursor).total_seconds() >= 1:
        holes.append((cursor, end, reason))
    return holes


def _describe(holes) -> str:
    parts = [f"{a:%H:%M:%S}–{b:%H:%M:%S} UTC" + (f" ({why})" if why else "") for a, b, why in holes]
    return "no footage " + ", ".join(parts)


def _update(request: ClipRequest, **fields) -> None:
    for name, value in fields.items():
        setattr(request, name, value)
    request.save(update_fields=[*fields, "updated_at"])


def process_clip_request(request_id, now: dt.datetime | None = None) -> Outcome:
    """Cut the request's clip if its footage is there; ask to be retried while the post-roll is
    still being recorded; otherwise record why there is no (or only a partial) clip."""
    now = now or timezone.now()
    request = ClipRequest.objects.select_related("camera").get(pk=request_id)
    if request.status in FINAL:
        return Outcome(request)
    rows = segments_between(request.camera_id, request.start_time, request.end_time)
    segments = [r for r in rows if r.kind == RecordingKind.SEGMENT]
    covered_to = max((r.end_time for r in segments), default=None)
    give_up_at = ready_at(request) + dt.timedelta(seconds=3 * conf.segment_seconds() + 15)
    if (covered_to is None or covered_to < request.end_time - dt.timedelta(seconds=1)) and now < give_up_at:
        _update(request, attempts=request.attempts + 1)
        return Outcome(request, retry_in=min(max((give_up_at - now).total_seconds(), 1), conf.segment_seconds()))
    holes = _holes(rows, request.start_time, request.end_time)
    if not segments:
        _update(request, status=ClipStatus.MISSING, message=f"No clip: {_describe(holes)}.", progress=100)
        logger.warning("clip %s: nothing recorded in its window", request.pk)
        return Outcome(request)
    _update(request, status=ClipStatus.CUTTING, attempts=request.attempts + 1)
    try:
        clip = cut_clip(
            request.camera, request.start_time, request.end_time, event_id=request.event_id,
            on_progress=lambda pct: _update(request, progress=pct),
        )  # fmt: skip
    except (ClipUnavailable, ffmpeg.SourceError, OSError) as exc:
        _update(request, status=ClipStatus.FAILED, message=f"The clip could not be cut: {exc}")
        logger.error("clip %s failed: %s", request.pk, exc)
        return Outcome(request)
    status, message = ClipStatus.READY, ""
    if holes:
        status, message = ClipStatus.PARTIAL, f"Partial clip: {_describe(holes)}."
    _update(request, status=status, message=message, video_clip=clip, progress=100 if request.alert_id else 95)
    if request.alert_id is None:  # an operator's export: the signed package is what leaves ORIN
        from video.services.exports import build_package

        build_package(request)
        _update(request, progress=100)
    if request.event_id:
        Event.objects.filter(pk=request.event_id).update(video_clip_path=clip.media_file.storage_path)
    return Outcome(request)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run_ffmpeg(command: list[str], duration: float, on_progress) -> None:
    """Run ffmpeg, reporting progress (percent of `duration`) from its -progress output."""
    process = subprocess.Popen(
        [*command[:1], "-progress", "pipe:1", "-nostats", *command[1:]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
    )  # fmt: skip
    deadline, last = time.monotonic() + CUT_TIMEOUT_SECONDS, 0
    for line in process.stdout:
        if line.startswith("out_time_us=") and on_progress and duration > 0:
            try:
                pct = min(99, int(int(line.split("=", 1)[1]) / 1e6 / duration * 100))
            except ValueError:
                continue
            if pct >= last + 10:
                on_progress(pct)
                last = pct
        if time.monotonic() > deadline:
            process.kill()
    stderr = process.stderr.read()
    if process.wait() != 0:
        tail = [line for line in stderr.strip().splitlines() if line.strip()]
        raise ClipUnavailable(tail[-1][:300] if tail else f"ffmpeg exit code {process.returncode}")


def cut_clip(camera: Camera, start: dt.datetime, end: dt.datetime, *, event_id=None, on_progress=None) -> VideoClip:
    """An MP4 of what was recorded between start and end, stored with its checksum."""
    from video.services.recorder import segment_path

    segments = [r for r in segments_between(camera.id, start, end) if r.kind == RecordingKind.SEGMENT]
    if not segments:
        raise ClipUnavailable(f"nothing was recorded between {start:%H:%M:%S} and {end:%H:%M:%S} UTC")
    clip_start, clip_end = max(start, segments[0].start_time), min(end, segments[-1].end_time)
    duration = (clip_end - clip_start).total_seconds()
    offset = (clip_start - segments[0].start_time).total_seconds()
    copy = all(s.codec in ffmpeg.BROWSER_CODECS for s in segments)
    with tempfile.TemporaryDirectory(prefix="orin-clip-") as tmp:
        listing = Path(tmp) / "segments.txt"
        lines = []
        for segment in segments:
            path = segment_path(segment)
            if not path.is_file():
                raise ClipUnavailable(f"segment {segment.storage_path} is indexed but missing from disk")
            lines.append("file '" + str(path).replace("'", "'\\''") + "'")
        listing.write_text("\n".join(lines) + "\n")
        out = Path(tmp) / "clip.mp4"
        codec = (
            ["-c:v", "copy"]
            if copy
            else ["-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p"]
        )
        command = [
            ffmpeg.ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "concat", "-safe", "0", "-ss", f"{offset:.3f}", "-i", str(listing),
            "-t", f"{duration:.3f}", "-map", "0:v:0", *codec, "-movflags", "+faststart", "-y", str(out),
        ]  # fmt: skip
        _run_ffmpeg(command, duration, on_progress)
        measured = ffmpeg.media_duration(out)
        size, checksum = out.stat().st_size, _sha256(out)
        name = f"clips/{camera.id}/{clip_start:%Y/%m/%d}/{clip_start:%H%M%S}-{uuid.uuid4().hex[:8]}.mp4"
        with open(out, "rb") as handle:
            stored = default_storage.save(name, File(handle, name=name))
    now = timezone.now()
    with transaction.atomic():
        media = MediaFile.objects.create(
            file_type=MediaFileType.VIDEO, storage_path=stored, file_size=size, checksum=checksum, camera=camera,
            event_id=event_id, timestamp=clip_start, retention_until=now + dt.timedelta(days=CLIP_RETENTION_DAYS),
        )  # fmt: skip
        clip = VideoClip.objects.create(
            media_file=media, duration=Decimal(f"{max(measured, 0.01):.2f}"), start_time=clip_start,
            end_time=clip_end, camera=camera, event_id=event_id, format="mp4", size_bytes=size,
        )  # fmt: skip
    logger.info("clip %s: %.1f s, %d bytes, %s", stored, measured, size, "copied" if copy else "re-encoded")
    return clip
