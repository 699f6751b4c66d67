"""The stream reader behind `manage.py run_streams`: one thread per active camera with a stream
URL (RTSP, HTTP or a video file), read with OpenCV.

Each reader samples frames at the camera's analysis rate, skips frames that barely differ from
the last one sent (a block-wise motion score), and hands the rest, decoded once, to every frame
analyser the apps above registered (`register_frame_analyzer`: faces' recognition, detection's
object detector); surveillance imports neither. It reconnects with exponential backoff, writes
device_connectivity_logs (connected / disconnected / reconnect_failed), keeps the camera's
status and last_frame_time current, publishes live state to Redis, and takes the camera offline
(with one system alert) once it has been silent beyond its timeout.

PostgreSQL away or restarting: readers keep their cameras open; database writes go through an
`orin.degraded.DatabaseBackoff` per thread (reconnect with backoff), and the frames that could not
be stored are counted (`frames_dropped_database` in the stream_manager health row). Redis away:
live state is skipped (live_state never raises) and frames stay `queued` for the requeue sweep.

Camera config keys (all optional): analysis_fps, motion_threshold, offline_after_seconds,
loop (files: start again at the end, default true), realtime (files: play at the file's own
frame rate, default true), max_frame_width, jpeg_quality.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import cv2
import numpy as np
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from orin.degraded import DatabaseBackoff
from surveillance.models import Camera, DeviceStatus
from surveillance.services import health, live_state
from surveillance.services.camera_settings import declared_range

logger = logging.getLogger(__name__)

NETWORK_SCHEMES = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}
OPEN_TIMEOUT_MS = 10_000
READ_TIMEOUT_MS = 10_000
RECONNECT_INITIAL_SECONDS = 1.0
STATE_FLUSH_SECONDS = 1.0
DB_TOUCH_SECONDS = 10.0  # last_frame_time resolution; cameras time out after 60 s by default
MOTION_SIZE = (96, 72)
MOTION_GRID = (8, 6)


class StreamError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class FrameRefused(Exception):
    """An analyser refused a frame (bad input, not a crash): counted as rejected and logged."""


@dataclass(frozen=True, slots=True)
class StreamFrame:
    """One sampled frame, decoded once and shared by every analyser (read-only)."""

    camera: Camera
    image: np.ndarray  # BGR, already scaled to the camera's max_frame_width
    timestamp: dt.datetime
    motion: float  # the sampler's block-wise motion score, 0..1
    jpeg_quality: int


FrameAnalyzer = Callable[[StreamFrame], None]
_analyzers: list[tuple[str, FrameAnalyzer]] = []


def register_frame_analyzer(name: str, analyzer: FrameAnalyzer) -> None:
    """`analyzer(frame)` gets every sampled frame of every streamed camera, on the camera's reader
    thread: it must return quickly (hand long work to a bounded queue) and raise FrameRefused for
    a frame it cannot take. Idempotent by name (AppConfig.ready() may run twice)."""
    _analyzers[:] = [entry for entry in _analyzers if entry[0] != name]
    _analyzers.append((name, analyzer))


def frame_analyzers() -> list[str]:
    return [name for name, _ in _analyzers]


# --- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamConfig:
    url: str
    display_url: str
    kind: str  # "network" or "file"
    analysis_fps: float
    motion_threshold: float
    offline_after: int
    loop: bool
    realtime: bool
    max_frame_width: int
    jpeg_quality: int
    reconnect_max: float


def redact(url: str) -> str:
    """The URL without credentials, for logs and connectivity details."""
    parts = urlsplit(url)
    if parts.scheme in NETWORK_SCHEMES and (parts.username or parts.password):
        host = parts.hostname or ""
        netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    if parts.scheme in NETWORK_SCHEMES:
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return url


def with_credentials(url: str, username: str | None, password: str | None) -> str:
    """Put the recorder's stored credentials into a network URL that carries none."""
    parts = urlsplit(url)
    if parts.scheme not in NETWORK_SCHEMES or parts.username or not username:
        return url
    userinfo = quote(username, safe="") + (f":{quote(password, safe='')}" if password else "")
    return urlunsplit((parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, parts.fragment))


def _number(config: dict, key: str, default: float) -> float:
    """The key's value within its declared range (camera_settings); a value stored before the
    check existed falls back to the default or is clamped, never stops the reader."""
    low, high = declared_range(key)
    try:
        value = float(config.get(key, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def stream_config(camera: Camera) -> StreamConfig:
    config = camera.config or {}
    raw = (camera.rtsp_url or "").strip()
    scheme = urlsplit(raw).scheme
    kind = "network" if scheme in NETWORK_SCHEMES else "file"
    url = raw
    if kind == "file" and scheme == "file":
        url = urlsplit(raw).path
    if kind == "network" and camera.dvr_id:
        url = with_credentials(raw, camera.dvr.username, camera.dvr.password)
    return StreamConfig(
        url=url,
        display_url=redact(raw),
        kind=kind,
        analysis_fps=_number(config, "analysis_fps", settings.ORIN_STREAM_ANALYSIS_FPS),
        motion_threshold=_number(config, "motion_threshold", settings.ORIN_STREAM_MOTION_THRESHOLD),
        offline_after=health.offline_after(camera),
        loop=bool(config.get("loop", True)),
        realtime=bool(config.get("realtime", True)),
        max_frame_width=int(_number(config, "max_frame_width", 1920)),
        jpeg_quality=int(_number(config, "jpeg_quality", 90)),
        reconnect_max=settings.ORIN_STREAM_RECONNECT_MAX_SECONDS,
    )


def reader_signature(camera: Camera) -> tuple:
    """What, when changed, means the reader must start over with the new settings."""
    return (camera.rtsp_url, repr(sorted((camera.config or {}).items())), camera.dvr.username, camera.dvr.password)


# --- frame sampling ------------------------------------------------------------------------------


def motion_thumbnail(frame: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    small = cv2.resize(gray, MOTION_SIZE, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (5, 5), 0)


def motion_score(previous: np.ndarray, current: np.ndarray) -> float:
    """0..1: the largest mean absolute change over an 8x6 grid of blocks, so a face entering one
    corner counts as much as a change across the whole picture."""
    diff = cv2.absdiff(previous, current).astype(np.float32)
    cols, rows = MOTION_GRID
    height, width = diff.shape
    blocks = diff[: height - height % rows, : width - width % cols].reshape(rows, height // rows, cols, width // cols)
    return float(blocks.mean(axis=(1, 3)).max() / 255.0)


class FrameSampler:
    """Which frames go to recognition: at most `analysis_fps` a second (on the stream's own clock)
    and only when the picture changed since the last one sent."""

    def __init__(self, analysis_fps: float, motion_threshold: float):
        self.interval = 1.0 / analysis_fps
        self.motion_threshold = motion_threshold
        self.next_due: float | None = None
        self.last_sent: np.ndarray | None = None

    def due(self, at: float) -> bool:
        return self.next_due is None or at >= self.next_due

    def consider(self, frame: np.ndarray, at: float) -> tuple[bool, float]:
        """Called for a due frame; returns (send it?, motion score). Either way the clock moves on."""
        self.next_due = at + self.interval if self.next_due is None else max(self.next_due + self.interval, at)
        thumbnail = motion_thumbnail(frame)
        if self.last_sent is None:
            self.last_sent = thumbnail
            return True, 1.0
        score = motion_score(self.last_sent, thumbnail)
        if score < self.motion_threshold:
            return False, score
        self.last_sent = thumbnail
        return True, score

    def reset(self) -> None:
        self.next_due, self.last_sent = None, None


# --- opening sources -----------------------------------------------------------------------------


def probe_network(url: str, timeout: float = 3.0) -> None:
    """A TCP connect to the source, so a failure comes with a reason (OpenCV gives none)."""
    parts = urlsplit(url)
    port = parts.port or NETWORK_SCHEMES.get(parts.scheme, 554)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return
    except socket.gaierror as exc:
        raise StreamError("EAI_NONAME", f"cannot resolve {parts.hostname}: {exc}") from exc
    except TimeoutError as exc:
        raise StreamError("ETIMEDOUT", f"no answer from {parts.hostname}:{port} within {timeout:g} s") from exc
    except OSError as exc:
        code = errno.errorcode.get(exc.errno or 0, "EIO")
        raise StreamError(code, f"{parts.hostname}:{port}: {exc.strerror or exc}") from exc


def open_capture(config: StreamConfig) -> cv2.VideoCapture:
    if config.kind == "file":
        if not os.path.isfile(config.url):
            raise StreamError("ENOENT", f"no such video file: {config.url}")
        capture = cv2.VideoCapture(config.url)
    else:
        probe_network(config.url)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS, cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS]
        capture = cv2.VideoCapture(config.url, cv2.CAP_FFMPEG, params)
    if not capture.isOpened():
        capture.release()
        raise StreamError("open_failed", f"OpenCV could not open {config.display_url}")
    return capture


# --- one camera ----------------------------------------------------------------------------------


@dataclass
class StreamCounters:
    read: int = 0
    processed: int = 0
    skipped: int = 0
    dropped: int = 0
    rejected: int = 0
    reconnects: int = 0
    db_dropped: int = 0  # frames read and sampled, lost because the database was away

    def take(self) -> StreamCounters:
        taken = StreamCounters(**vars(self))
        for name in vars(self):
            setattr(self, name, 0)
        return taken


@dataclass
class _Window:
    """Counters since the last flush to Redis."""

    started: float = field(default_factory=time.monotonic)
    read: int = 0
    processed: int = 0
    skipped: int = 0
    dropped: int = 0
    motion: float | None = None
    last_frame_at: float | None = None
    last_processed_at: float | None = None


class CameraStream(threading.Thread):
    """Reads one camera until `stop` is set (or a non-looping file ends)."""

    def __init__(self, camera: Camera, stop: threading.Event):
        super().__init__(name=f"stream-{camera.id}", daemon=True)
        self.camera = camera
        self.config = stream_config(camera)
        self.stop_event = stop
        self.sampler = FrameSampler(self.config.analysis_fps, self.config.motion_threshold)
        self.totals = StreamCounters()
        self.connected = False
        self.finished = False
        self.frames_this_connection = 0
        self.started_at = timezone.now()
        self._lock = threading.Lock()
        self.db = DatabaseBackoff(f"stream_reader_db:{camera.id}")

    # connectivity bookkeeping -------------------------------------------------------------------

    def _silent_seconds(self, now: dt.datetime) -> float:
        last = self.camera.last_frame_time
        reference = max(last, self.started_at) if last else self.started_at
        return (now - reference).total_seconds()

    def _connected(self, capture: cv2.VideoCapture, retries: int, down_since: dt.datetime | None) -> None:
        now = timezone.now()
        details = {
            "url": self.config.display_url,
            "previous_event": "reconnect_failed" if retries else ("disconnected" if down_since else None),
            "retry_count": retries,
            "source_fps": round(capture.get(cv2.CAP_PROP_FPS) or 0, 2),
            "resolution": f"{int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))}x{int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))}",
        }
        if down_since:
            details["duration_seconds"] = round((now - down_since).total_seconds(), 1)
        self.db.call(health.log_connectivity, self.camera.id, "connected", details, at=now)
        self.db.call(health.mark_camera_online, self.camera, now)
        live_state.set_status(self.camera.id, DeviceStatus.ONLINE, connected=True)
        self.connected = True

    def _disconnected(self, error: StreamError, connected_since: dt.datetime, frames: int) -> dt.datetime:
        now = timezone.now()
        details = {
            "url": self.config.display_url,
            "error_code": error.code,
            "error": str(error),
            "duration_seconds": round((now - connected_since).total_seconds(), 1),
            "frames_read": frames,
            "previous_event": "connected",
        }
        self.db.call(health.log_connectivity, self.camera.id, "disconnected", details, at=now)
        live_state.set_status(self.camera.id, DeviceStatus.DEGRADED, error=str(error), connected=False)
        self.connected = False
        return now

    def _connect_failed(self, error: StreamError, retries: int, delay: float, down_since: dt.datetime) -> None:
        now = timezone.now()
        details = {
            "url": self.config.display_url,
            "error_code": error.code,
            "error": str(error),
            "retry_count": retries,
            "next_retry_seconds": round(delay, 1),
            "duration_seconds": round((now - down_since).total_seconds(), 1),
        }
        self.db.call(health.log_connectivity, self.camera.id, "reconnect_failed", details, at=now)
        silent = self._silent_seconds(now)
        if silent > self.config.offline_after:
            # Once per outage (the conditional update inside); the live state says offline after it.
            reason = f"{error.code}: {error} (silent {int(silent)} s)"
            self.db.call(health.mark_camera_offline, self.camera, reason=reason, now=now)
            live_state.set_status(self.camera.id, DeviceStatus.OFFLINE, error=str(error), connected=False)
        else:
            live_state.set_status(self.camera.id, DeviceStatus.DEGRADED, error=str(error), connected=False)

    # the loop -----------------------------------------------------------------------------------

    def run(self) -> None:
        retries, delay = 0, RECONNECT_INITIAL_SECONDS
        down_since: dt.datetime | None = None
        try:
            while not self.stop_event.is_set() and not self.finished:
                self.db.call(close_old_connections)
                try:
                    capture = open_capture(self.config)
                except StreamError as error:
                    retries += 1
                    down_since = down_since or timezone.now()
                    self._connect_failed(error, retries, delay, down_since)
                    self.totals.reconnects += 1
                    self.stop_event.wait(delay)
                    delay = min(delay * 2, self.config.reconnect_max)
                    continue
                connected_since = timezone.now()
                try:
                    self._read(capture, retries, down_since)
                    error = None
                except StreamError as exc:
                    error = exc
                finally:
                    capture.release()
                frames = self.frames_this_connection
                if error is None:
                    break  # stopped, or a non-looping file ended
                if self.connected:
                    down_since = self._disconnected(error, connected_since, frames)
                    retries, delay = 0, RECONNECT_INITIAL_SECONDS
                else:
                    retries += 1
                    down_since = down_since or timezone.now()
                    self._connect_failed(error, retries, delay, down_since)
                    self.stop_event.wait(delay)
                    delay = min(delay * 2, self.config.reconnect_max)
        except Exception:
            logger.exception("stream reader for camera %s crashed", self.camera.id)
            raise
        finally:
            if self.connected:
                live_state.set_status(self.camera.id, DeviceStatus.UNKNOWN, error="reader stopped", connected=False)
            with contextlib.suppress(Exception):  # a connection broken by a restart may not close cleanly
                connection.close()

    def _read(self, capture: cv2.VideoCapture, retries: int, down_since: dt.datetime | None) -> int:
        """Read until stopped; returns frames read. Raises StreamError when the source fails."""
        config = self.config
        file_fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        window = _Window()
        frames = failures = 0
        self.frames_this_connection = 0
        play_started = time.monotonic()
        last_touch = 0.0
        touch_every = min(DB_TOUCH_SECONDS, config.offline_after / 3)  # well inside the camera's timeout
        self.sampler.reset()
        while not self.stop_event.is_set():
            if not capture.grab():
                if config.kind == "file" and frames and failures == 0:
                    if not config.loop:
                        self._flush(window)
                        self._end_of_file(frames)
                        return frames
                    capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    play_started, failures = time.monotonic(), 1
                    self.sampler.reset()
                    continue
                failures += 1
                window.dropped += 1
                if failures >= 3 or frames == 0:
                    raise StreamError("read_failed", f"no frame from {config.display_url}")
                continue
            failures = 0
            frames += 1
            self.frames_this_connection = frames
            window.read += 1
            wall = time.time()
            window.last_frame_at = wall
            if frames == 1:
                self._connected(capture, retries, down_since)
            if config.kind == "file":
                at = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
                if at <= 0:
                    at = frames / file_fps
                if config.realtime:
                    ahead = at - (time.monotonic() - play_started)
                    if ahead > 0 and self.stop_event.wait(ahead):
                        break
            else:
                at = time.monotonic()
            if self.sampler.due(at):
                ok, image = capture.retrieve()
                if not ok or image is None:
                    window.dropped += 1
                else:
                    send, score = self.sampler.consider(image, at)
                    window.motion = score
                    if send and self._send(image, score):
                        window.processed += 1
                        window.last_processed_at = wall
                    else:
                        window.skipped += 1
            else:
                window.skipped += 1
            now_mono = time.monotonic()
            if now_mono - window.started >= STATE_FLUSH_SECONDS:
                self._flush(window)
                window = _Window()
            if now_mono - last_touch >= touch_every:
                self.db.call(close_old_connections)
                self.db.call(health.mark_camera_online, self.camera, timezone.now())
                last_touch = now_mono
        self._flush(window)
        return frames

    def _end_of_file(self, frames: int) -> None:
        details = {"url": self.config.display_url, "reason": "end of file", "frames_read": frames}
        self.db.call(health.log_connectivity, self.camera.id, "disconnected", details)
        self.db.call(health.mark_camera_online, self.camera, timezone.now())
        self.finished = True

    def _send(self, image: np.ndarray, motion: float = 1.0) -> bool:
        config = self.config
        height, width = image.shape[:2]
        if width > config.max_frame_width:
            scale = config.max_frame_width / width
            image = cv2.resize(image, (config.max_frame_width, int(height * scale)), interpolation=cv2.INTER_AREA)
        frame = StreamFrame(self.camera, image, timezone.now(), motion, config.jpeg_quality)
        accepted = False
        for name, analyze in list(_analyzers):
            try:
                # Through the backoff: a database restart drops frames (counted), never the reader.
                reached, _ = self.db.call(analyze, frame)
            except FrameRefused as exc:
                self.totals.rejected += 1
                logger.warning("camera %s: %s refused a frame (%s)", self.camera.id, name, exc)
                continue
            except Exception:
                # One analyser's bug must not stop the camera or the other analysers.
                self.totals.rejected += 1
                logger.exception("camera %s: frame analyser %s failed", self.camera.id, name)
                continue
            if reached:
                accepted = True
            else:
                with self._lock:
                    self.totals.db_dropped += 1
        return accepted

    def _flush(self, window: _Window) -> None:
        elapsed = max(time.monotonic() - window.started, 1e-3)
        with self._lock:
            self.totals.read += window.read
            self.totals.processed += window.processed
            self.totals.skipped += window.skipped
            self.totals.dropped += window.dropped
        if window.read or window.dropped:
            live_state.record_frames(
                self.camera.id,
                read=window.read,
                processed=window.processed,
                skipped=window.skipped,
                dropped=window.dropped,
                fps=window.read / elapsed,
                fps_target=self.config.analysis_fps,
                motion=window.motion,
                last_frame_at=window.last_frame_at,
                last_processed_at=window.last_processed_at,
            )

    def take_counters(self) -> StreamCounters:
        with self._lock:
            return self.totals.take()


# --- all cameras ---------------------------------------------------------------------------------


def streamed_cameras(camera_ids: list | None = None):
    """Active cameras with a stream URL (optionally only those given)."""
    queryset = (
        Camera.objects.filter(is_active=True, rtsp_url__isnull=False)  # "" is stored as NULL
        .exclude(status=DeviceStatus.MAINTENANCE)
        .select_related("dvr")
    )
    if camera_ids:
        queryset = queryset.filter(id__in=camera_ids)
    return list(queryset)


class StreamManager:
    """Keeps one reader per streamed camera (restarting one that crashed), follows configuration
    changes, and writes the `stream_manager` health row every minute."""

    def __init__(self, camera_ids: list | None = None, refresh_seconds: float = 30, health_seconds: float = 60):
        self.camera_ids = camera_ids
        self.refresh_seconds = refresh_seconds
        self.health_seconds = health_seconds
        self.stop_event = threading.Event()
        self.readers: dict = {}  # camera id -> (signature, CameraStream)
        self.db = DatabaseBackoff("stream_manager_db")

    def reconcile(self) -> None:
        wanted = {camera.id: camera for camera in streamed_cameras(self.camera_ids)}
        for camera_id in list(self.readers):
            signature, reader = self.readers[camera_id]
            camera = wanted.get(camera_id)
            crashed = not reader.is_alive() and not reader.finished
            if camera is None or crashed or reader_signature(camera) != signature:
                self._stop_reader(camera_id)
        for camera_id, camera in wanted.items():
            if camera_id not in self.readers:
                reader = CameraStream(camera, threading.Event())
                self.readers[camera_id] = (reader_signature(camera), reader)
                reader.start()
                logger.info("reading camera %s (%s)", camera.name, reader.config.display_url)

    def _stop_reader(self, camera_id) -> None:
        _, reader = self.readers.pop(camera_id)
        reader.stop_event.set()
        reader.join(timeout=15)

    def write_health(self, interval: float) -> None:
        readers = [reader for _, reader in self.readers.values()]
        totals = StreamCounters()
        for reader in readers:
            taken = reader.take_counters()
            for name in vars(totals):
                setattr(totals, name, getattr(totals, name) + getattr(taken, name))
        active = [r for r in readers if r.is_alive() and not r.finished]
        connected = [r for r in active if r.connected]
        metrics = {
            "active_streams": len(active),
            "connected_streams": len(connected),
            "frames_read": totals.read,
            "frames_processed": totals.processed,
            "frames_skipped": totals.skipped,
            "dropped_frames": totals.dropped,
            "rejected_frames": totals.rejected,
            "reconnect_attempts": totals.reconnects,
            "frames_dropped_database": totals.db_dropped,
            "fps_processed": round(totals.processed / max(interval, 1e-3), 2),
        }
        if not active:
            status = "unknown"
        elif len(connected) < len(active):
            status = "degraded"
        else:
            status = "online"
        instance = f"{socket.gethostname()}:{os.getpid()}"
        metrics["instance"] = instance
        message = f"{len(connected)}/{len(active)} stream(s) connected"
        health.log_health("stream_manager", status, metrics, message, per_minute=True, instance=instance)

    def run(self, duration: float | None = None) -> None:
        started = last_refresh = last_health = time.monotonic()
        reconciled, _ = self.db.call(self.reconcile)
        try:
            while not self.stop_event.is_set():
                now = time.monotonic()
                if duration and now - started >= duration:
                    break
                # The camera list is read again early while the last read failed (database away).
                if now - last_refresh >= self.refresh_seconds or (not reconciled and self.db.available):
                    self.db.call(close_old_connections)
                    reconciled, _ = self.db.call(self.reconcile)
                    last_refresh = now
                if now - last_health >= self.health_seconds:
                    # Counters are taken before the write: a failed write loses one row, not the reader.
                    self.db.call(self.write_health, now - last_health)
                    last_health = now
                self.stop_event.wait(0.5)
        finally:
            for camera_id in list(self.readers):
                self._stop_reader(camera_id)
            with contextlib.suppress(Exception):
                connection.close()
