"""Continuous recording behind `manage.py record_cameras`: one ffmpeg per recording camera,
writing short MPEG-TS segments (stream copy for H.264/H.265 sources, H.264 re-encode with a
keyframe every second otherwise), each finished segment indexed as a `recordings` row.

A session is one ffmpeg run. Its segment times come from ffmpeg's segment list (offsets on the
stream's clock) anchored to the wall clock when the first segment closes, so segments of a
session are contiguous and do not drift with polling. When the source drops, ffmpeg ends; the
camera is retried with exponential backoff and, once footage flows again, the hole is written as
a `gap` row with the reason. A failing camera never takes the process down: it writes a health
row (component `recorder`, instance = camera id) and the log says why.

Cameras record when `config.recording` is true. Camera config keys: recording,
recording_retention_days, clip_pre_seconds, clip_post_seconds, loop (file sources), live_view
(default true: the same ffmpeg also writes the newest picture twice a second for the live view;
it decodes the stream, so it costs CPU even in stream-copy mode — turn it off to save that).
One process records every camera, or a shard of them (`--shard 2/4`) to scale out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import close_old_connections, connection
from django.utils import timezone

from surveillance.models import Camera
from surveillance.services.health import log_health
from video import conf
from video.models import Recording, RecordingKind
from video.services import ffmpeg
from video.services.ffmpeg import SourceError, SourceInfo

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
RECONNECT_INITIAL_SECONDS = 1.0
MIN_GAP_SECONDS = 1.0  # smaller holes are the anchoring's own jitter, not lost footage
SEGMENT_LIST = "segments.csv"


def recording_cameras(camera_ids: list | None = None, shard: tuple[int, int] = (0, 1)):
    """Active cameras with a source and recording on, optionally one shard of them."""
    # The stream URL is encrypted at rest, where "" is stored as NULL.
    cameras = Camera.objects.filter(is_active=True, config__recording=True, rtsp_url__isnull=False)
    if camera_ids:
        cameras = cameras.filter(id__in=camera_ids)
    index, count = shard
    return [c for c in cameras.select_related("dvr") if c.id.int % count == index]


def encode_args(info: SourceInfo) -> list[str]:
    if info.copyable:
        return ["-c:v", "copy"]
    # A keyframe every second: clips can then be cut without re-encoding to within a second.
    return [
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
        "-threads", "1", "-force_key_frames", "expr:gte(t,n_forced*1)",
    ]  # fmt: skip


LIVE_FPS = 2
LIVE_WIDTH = 640


def live_picture_path(camera_id) -> Path:
    return conf.recordings_root() / str(camera_id) / "live.jpg"


def live_args(camera_id) -> list[str]:
    """A second output: the newest picture, twice a second, replaced atomically (the console's
    live view polls it through the policy-checked route)."""
    return [
        "-map", "0:v:0", "-vf", f"fps={LIVE_FPS},scale='min({LIVE_WIDTH},iw)':-2", "-q:v", "6",
        "-f", "image2", "-update", "1", "-atomic_writing", "1", str(live_picture_path(camera_id)),
    ]  # fmt: skip


def ffmpeg_command(
    url: str, info: SourceInfo, session_dir: Path, segment_seconds: int, loop_file: bool, live: list[str] = ()
) -> list[str]:
    return [
        ffmpeg.ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-loglevel", "warning",
        *ffmpeg.input_args(url, loop_file=loop_file),
        "-map", "0:v:0", "-an", *encode_args(info),
        "-f", "segment", "-segment_time", str(segment_seconds), "-segment_format", "mpegts",
        "-segment_list", str(session_dir / SEGMENT_LIST), "-segment_list_type", "csv",
        "-reset_timestamps", "0", str(session_dir / "%06d.ts"), *live,
    ]  # fmt: skip


@dataclass
class SegmentLine:
    filename: str
    start: float
    end: float


def parse_segment_lines(text: str) -> list[SegmentLine]:
    """Complete lines of ffmpeg's CSV segment list (a line being written has no newline yet)."""
    lines = []
    for raw in text.split("\n")[:-1]:
        parts = raw.strip().rsplit(",", 2)
        if len(parts) != 3:
            continue
        try:
            lines.append(SegmentLine(parts[0].strip('"'), float(parts[1]), float(parts[2])))
        except ValueError:
            continue
    return lines


@dataclass
class Session:
    """One ffmpeg run of one camera."""

    camera: Camera
    info: SourceInfo
    directory: Path
    process: subprocess.Popen
    anchor: float | None = None  # wall-clock epoch seconds of stream time 0
    seen: int = 0
    last_end: dt.datetime | None = None
    first_start: dt.datetime | None = None


@dataclass
class CameraRecorder:
    """Records one camera until `stop` is set: sessions, backoff, gaps."""

    camera_id: uuid.UUID
    stop: threading.Event = field(default_factory=threading.Event)
    segments_written: int = 0
    last_error: str = ""
    thread: threading.Thread | None = None
    source: tuple[str, SourceInfo] | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, name=f"recorder-{self.camera_id}", daemon=True)
        self.thread.start()

    def join(self, timeout: float | None = None) -> None:
        if self.thread:
            self.thread.join(timeout)

    def run(self) -> None:
        try:
            self._loop()
        except Exception:  # a bug here must not end the other cameras' recording
            logger.exception("recorder of camera %s crashed", self.camera_id)
        finally:
            connection.close()

    def _loop(self) -> None:
        backoff = RECONNECT_INITIAL_SECONDS
        previous_end, gap_reason = self._previous_end()
        while not self.stop.is_set():
            close_old_connections()
            camera = Camera.objects.select_related("dvr").filter(pk=self.camera_id).first()
            if camera is None:
                return
            started = time.monotonic()
            try:
                session = self._start_session(camera)
            except SourceError as exc:
                self._failed(camera, str(exc))
            else:
                previous_end, gap_reason = self._follow(session, previous_end, gap_reason)
                if session.first_start is None:
                    self.source = None  # nothing recorded: probe again next time
                if self.stop.is_set():
                    return
                self._failed(camera, self.last_error or "the source ended")
                if time.monotonic() - started > 60:
                    backoff = RECONNECT_INITIAL_SECONDS  # it recorded a while: a fresh drop
            gap_reason = gap_reason or self.last_error
            if self.stop.wait(backoff):
                return
            backoff = min(backoff * 2, conf.reconnect_max_seconds())

    def _previous_end(self) -> tuple[dt.datetime | None, str]:
        """Where this camera's footage stopped before this process started (a gap to record)."""
        last = (
            Recording.objects.filter(camera_id=self.camera_id, kind=RecordingKind.SEGMENT)
            .filter(start_time__gte=timezone.now() - dt.timedelta(days=1))
            .order_by("-end_time")
            .values_list("end_time", flat=True)
            .first()
        )
        return last, "the recorder was not running"

    def _failed(self, camera: Camera, message: str) -> None:
        self.last_error = message
        logger.warning("camera %s (%s): recording interrupted: %s", camera.name, camera.id, message)
        log_health(
            "recorder", "degraded", {"camera": str(camera.id), "error": message},
            f"{camera.name}: {message}", per_minute=True, instance=str(camera.id),
        )  # fmt: skip

    def _start_session(self, camera: Camera) -> Session:
        from surveillance.services.streams import stream_config

        url = stream_config(camera).url
        if not url:
            raise SourceError("the camera has no stream URL")
        if self.source is None or self.source[0] != url:
            self.source = (url, ffmpeg.probe_source(url))  # once per URL: reconnects start sooner
        info = self.source[1]
        directory = conf.recordings_root() / str(camera.id) / timezone.now().strftime("%Y%m%dT%H%M%S%f")
        directory.mkdir(parents=True, exist_ok=True)
        loop_file = bool((camera.config or {}).get("loop", True))
        live = live_args(camera.id) if (camera.config or {}).get("live_view", True) else []
        command = ffmpeg_command(url, info, directory, conf.segment_seconds(), loop_file, live)
        stderr = open(directory / "ffmpeg.log", "wb")  # noqa: SIM115  (the child owns it)
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
        finally:
            stderr.close()
        logger.info("camera %s: recording %s (%s)", camera.name, info.codec, "copy" if info.copyable else "re-encode")
        return Session(camera, info, directory, process)

    def _follow(self, session: Session, previous_end, gap_reason: str) -> tuple[dt.datetime | None, str]:
        """Index segments as ffmpeg finishes them, until it exits or we are told to stop."""
        while True:
            exited = session.process.poll() is not None
            if self.stop.is_set() and not exited:
                self._finish(session.process)
                exited = True
            previous_end, gap_reason = self._index_new_segments(session, previous_end, gap_reason)
            if exited:
                self.last_error = self._last_log_line(session) or "the source ended"
                self._remove_unindexed(session)
                return previous_end, gap_reason
            self.stop.wait(POLL_SECONDS)

    @staticmethod
    def _finish(process: subprocess.Popen) -> None:
        """SIGINT lets ffmpeg close (and list) the segment it is writing."""
        try:
            process.send_signal(signal.SIGINT)
            process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()

    def _index_new_segments(self, session: Session, previous_end, gap_reason: str):
        try:
            text = (session.directory / SEGMENT_LIST).read_text()
        except FileNotFoundError:
            return previous_end, gap_reason
        lines = parse_segment_lines(text)[session.seen :]
        for line in lines:
            session.seen += 1
            # A line appears once its segment's end was reached, never before: the smallest
            # (seen - end) is the best estimate of when stream time 0 was live.
            observed = time.time() - line.end
            session.anchor = observed if session.anchor is None else min(session.anchor, observed)
            start = dt.datetime.fromtimestamp(session.anchor + line.start, dt.UTC)
            end = dt.datetime.fromtimestamp(session.anchor + line.end, dt.UTC)
            if session.last_end and start < session.last_end:
                start = session.last_end
            if end <= start:
                continue
            if session.first_start is None:
                session.first_start = start
                if previous_end and (start - previous_end).total_seconds() >= MIN_GAP_SECONDS:
                    self._write_gap(session.camera, previous_end, start, gap_reason)
            self._write_segment(session, line, start, end)
            session.last_end = previous_end = end
            gap_reason = ""
        return previous_end, gap_reason

    def _write_segment(self, session: Session, line: SegmentLine, start: dt.datetime, end: dt.datetime) -> None:
        path = session.directory / line.filename
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return
        info = session.info
        Recording.objects.create(
            camera_id=session.camera.id,
            kind=RecordingKind.SEGMENT,
            start_time=start,
            end_time=end,
            duration_seconds=Decimal(f"{(end - start).total_seconds():.3f}"),
            file_size_bytes=size,
            resolution=info.resolution,
            fps=round(info.fps) if info.fps else None,
            codec=info.codec if info.copyable else "h264",
            storage_path=str(path.relative_to(conf.recordings_root())),
        )
        self.segments_written += 1

    @staticmethod
    def _write_gap(camera: Camera, start: dt.datetime, end: dt.datetime, reason: str) -> None:
        Recording.objects.create(
            camera_id=camera.id,
            kind=RecordingKind.GAP,
            start_time=start,
            end_time=end,
            duration_seconds=Decimal(f"{(end - start).total_seconds():.3f}"),
            reason=reason[:1000] or "no footage",
        )
        logger.warning("camera %s: gap of %.1f s recorded (%s)", camera.name, (end - start).total_seconds(), reason)

    @staticmethod
    def _last_log_line(session: Session) -> str:
        try:
            lines = (session.directory / "ffmpeg.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1][:300] if lines else ""

    @staticmethod
    def _remove_unindexed(session: Session) -> None:
        """A segment ffmpeg never listed (killed mid-write) is not footage we can vouch for."""
        listed = set()
        with contextlib.suppress(FileNotFoundError):
            listed = {line.filename for line in parse_segment_lines((session.directory / SEGMENT_LIST).read_text())}
        for path in session.directory.glob("*.ts"):
            if path.name not in listed:
                path.unlink(missing_ok=True)
        if not listed:
            shutil.rmtree(session.directory, ignore_errors=True)


class RecorderManager:
    """Keeps one CameraRecorder per recording camera; refreshes the list; stops everything when
    the disk can only be freed by deleting locked evidence."""

    def __init__(self, camera_ids=None, shard=(0, 1), refresh_seconds: float = 30, quota_seconds: float = 30):
        self.camera_ids, self.shard = camera_ids, shard
        self.refresh_seconds, self.quota_seconds = refresh_seconds, quota_seconds
        self.stop_event = threading.Event()
        self.recorders: dict[uuid.UUID, CameraRecorder] = {}
        self.blocked = ""

    def refresh(self) -> None:
        wanted = {c.id for c in recording_cameras(self.camera_ids, self.shard)} if not self.blocked else set()
        for camera_id in set(self.recorders) - wanted:
            self.recorders.pop(camera_id).stop.set()
        for camera_id in wanted - set(self.recorders):
            recorder = CameraRecorder(camera_id)
            self.recorders[camera_id] = recorder
            recorder.start()

    def check_disk(self) -> None:
        from video.services.retention import enforce_disk_limits

        state = enforce_disk_limits()
        if state.blocked and not self.blocked:
            logger.critical("RECORDING STOPPED: %s", state.message)
        elif self.blocked and not state.blocked:
            logger.warning("recording resumes: %s", state.message)
        self.blocked = state.message if state.blocked else ""

    def run(self, duration: float | None = None) -> None:
        deadline = time.monotonic() + duration if duration else None
        next_refresh = next_quota = 0.0
        try:
            while not self.stop_event.is_set():
                now = time.monotonic()
                if deadline and now >= deadline:
                    break
                close_old_connections()
                if now >= next_quota:
                    self.check_disk()
                    next_quota = now + self.quota_seconds
                    next_refresh = 0.0
                if now >= next_refresh:
                    self.refresh()
                    next_refresh = now + self.refresh_seconds
                self.stop_event.wait(0.5)
        finally:
            for recorder in self.recorders.values():
                recorder.stop.set()
            for recorder in self.recorders.values():
                recorder.join(15)
            connection.close()


def disk_free_bytes() -> int:
    root = conf.recordings_root()
    root.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(root).free


def segment_path(recording: Recording) -> Path:
    return conf.recordings_root() / recording.storage_path


__all__ = ["RecorderManager", "CameraRecorder", "recording_cameras", "segment_path", "disk_free_bytes"]
