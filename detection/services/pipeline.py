"""Per camera: motion gate -> detector -> tracker -> events and track points.

`CameraPipeline.process(image, at)` is the pure part (no database): it returns the events to
write and the track points to publish. `DetectionWorker` is what the stream reader feeds: a
bounded queue (back-pressure: a frame that finds the queue full is dropped and counted, never
queued without bound) drained by one thread that writes through `record_events` and
`publish_track_points`, and a per-minute `object_detector` health row.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import close_old_connections, transaction

from detection.services.detector import Detection, DetectorError, ObjectDetector, get_detector
from detection.services.motion import Motion, MotionGate
from detection.services.tracker import Tracker
from surveillance.models import Event, EventType
from surveillance.services import health
from surveillance.services.events import record_events
from surveillance.services.tracks import TrackPoint, publish_track_points

logger = logging.getLogger(__name__)

# COCO classes that make events (issue 14's list); others are detected but not recorded.
RECORDED_CLASSES = frozenset(
    {"person", "bicycle", "car", "motorcycle", "bus", "truck", "backpack", "handbag", "suitcase", "dog", "cat"}
)


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(min(1.0, max(0.0, value)), 3)))


def pixel_box(box: tuple[float, float, float, float], width: int, height: int) -> dict:
    x, y, w, h = box
    return {
        "x": round(x * width),
        "y": round(y * height),
        "width": round(w * width),
        "height": round(h * height),
        "frame_width": width,
        "frame_height": height,
    }


@dataclass
class FrameResult:
    motion: Motion
    detections: list[Detection] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    points: list[TrackPoint] = field(default_factory=list)
    detector_ran: bool = False


class CameraPipeline:
    """One camera's state: background model, tracker, when motion was last written."""

    def __init__(
        self,
        camera_id: uuid.UUID,
        detector: ObjectDetector | None,
        *,
        threshold: float | None = None,
        track_interval: float | None = None,
        motion_interval: float | None = None,
    ):
        self.camera_id = camera_id
        self.detector = detector
        self.threshold = settings.ORIN_DETECTOR_THRESHOLD if threshold is None else threshold
        self.track_interval = settings.ORIN_TRACK_EVENT_INTERVAL_SECONDS if track_interval is None else track_interval
        self.motion_interval = (
            settings.ORIN_MOTION_EVENT_INTERVAL_SECONDS if motion_interval is None else motion_interval
        )
        self.gate = MotionGate()
        self.tracker = Tracker()
        self.last_motion_event: float | None = None

    def process(self, image: np.ndarray, at: dt.datetime, *, clock: float | None = None) -> FrameResult:
        """Analyse one frame taken at `at`; `clock` (seconds) drives intervals (default: `at`)."""
        now = at.timestamp() if clock is None else clock
        height, width = image.shape[:2]
        result = FrameResult(self.gate.update(image))
        if not result.motion.moving:
            return result
        if self.last_motion_event is None or now - self.last_motion_event >= self.motion_interval:
            self.last_motion_event = now
            result.events.append(self._motion_event(result.motion, at, width, height))
        if self.detector is None:
            return result
        result.detector_ran = True
        result.detections = [d for d in self.detector.detect(image, self.threshold) if d.label in RECORDED_CLASSES]
        observed = [(d.label, d.normalised(width, height), d.confidence) for d in result.detections]
        for detection, (track, is_new) in zip(result.detections, self.tracker.update(observed, now), strict=True):
            due = is_new or track.last_event_at is None or now - track.last_event_at >= self.track_interval
            if due:
                track.last_event_at = now
                result.events.append(self._object_event(detection, track.track_id, is_new, at, width, height))
            else:
                result.points.append(
                    TrackPoint(
                        camera_id=self.camera_id,
                        track_id=track.track_id,
                        label=detection.label,
                        box=tuple(round(v, 4) for v in track.box),
                        confidence=detection.confidence,
                        timestamp=at,
                    )
                )
        return result

    def _motion_event(self, motion: Motion, at: dt.datetime, width: int, height: int) -> Event:
        x0 = min(r[0] for r in motion.regions)
        y0 = min(r[1] for r in motion.regions)
        x1 = max(r[0] + r[2] for r in motion.regions)
        y1 = max(r[1] + r[3] for r in motion.regions)
        return Event(
            id=uuid.uuid4(),
            camera_id=self.camera_id,
            event_type=EventType.MOTION_DETECTED,
            confidence=_decimal(min(1.0, motion.score * 10)),
            bounding_box=pixel_box((x0, y0, x1 - x0, y1 - y0), width, height),
            timestamp=at,
            metadata={
                "label": "motion",
                "score": motion.score,
                "regions": [[round(v, 4) for v in r] for r in motion.regions],
                "source": "orin-motion",
            },
        )

    def _object_event(
        self, detection: Detection, track_id: str, is_new: bool, at: dt.datetime, width: int, height: int
    ) -> Event:
        return Event(
            id=uuid.uuid4(),
            camera_id=self.camera_id,
            event_type=EventType.HUMAN_DETECTED if detection.label == "person" else EventType.OBJECT_DETECTED,
            confidence=_decimal(detection.confidence),
            bounding_box=pixel_box(detection.normalised(width, height), width, height),
            timestamp=at,
            metadata={
                "label": detection.label,
                "track_id": track_id,
                "track_start": is_new,
                "source": "orin-detector",
                "model": self.detector.path.name if self.detector else None,
            },
        )


def save_snapshot(camera_id, image: np.ndarray, at: dt.datetime, event_id) -> str | None:
    """The frame as a JPEG under detections/, registered in media_files; None if encoding fails."""
    from faces.services.media import encode_jpeg, store_media
    from surveillance.models import Camera

    try:
        data = encode_jpeg(image, 85)
    except (ValueError, OSError):
        return None
    camera = Camera.objects.filter(pk=camera_id).first()
    name = f"detections/{at:%Y/%m/%d}/{camera_id}/{event_id}.jpg"
    stored, _ = store_media(name, data, camera=camera, timestamp=at, event_id=event_id)
    return stored


def write_result(camera_id, image: np.ndarray, result: FrameResult) -> list:
    """Store a frame's events (with one snapshot shared by them) and publish its track points."""
    if not result.events and not result.points:
        return []
    with transaction.atomic():
        if result.events:
            snapshot = save_snapshot(camera_id, image, result.events[0].timestamp, result.events[0].id)
            for event in result.events:
                event.image_path = snapshot
        alerts = record_events(result.events) if result.events else []
        alerts += publish_track_points(result.points)
    return alerts


# --- the stream reader's side --------------------------------------------------------------------


@dataclass
class WorkerStats:
    queued: int = 0
    processed: int = 0
    dropped: int = 0
    detector_runs: int = 0
    detector_ms: float = 0.0
    events: int = 0
    errors: int = 0


class DetectionWorker:
    """Feeds the frames of all cameras through their pipelines on one thread (the detector uses
    one core); the queue holds at most `capacity` frames."""

    def __init__(self, capacity: int = 2, health_seconds: float = 60.0):
        self.frames: queue.Queue = queue.Queue(maxsize=capacity)
        self.pipelines: dict = {}
        self.stats = WorkerStats()
        self.lock = threading.Lock()
        self.health_seconds = health_seconds
        self.detector: ObjectDetector | None = None
        self.detector_error: str | None = None
        self.thread: threading.Thread | None = None
        self._load_detector()

    def _load_detector(self) -> None:
        try:
            self.detector = get_detector()
        except DetectorError as exc:
            self.detector_error = str(exc)
            logger.warning("object detector is off (motion only): %s", exc)

    def submit(self, camera_id, image: np.ndarray, at: dt.datetime) -> bool:
        """Queue a frame; False (and counted) when the queue is full."""
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._run, name="detection-worker", daemon=True)
            self.thread.start()
        try:
            self.frames.put_nowait((camera_id, image, at))
        except queue.Full:
            with self.lock:
                self.stats.dropped += 1
            return False
        with self.lock:
            self.stats.queued += 1
        return True

    def _pipeline(self, camera_id) -> CameraPipeline:
        if camera_id not in self.pipelines:
            self.pipelines[camera_id] = CameraPipeline(camera_id, self.detector)
        return self.pipelines[camera_id]

    def _run(self) -> None:
        last_health = time.monotonic()
        while True:
            try:
                camera_id, image, at = self.frames.get(timeout=1.0)
            except queue.Empty:
                camera_id = None
            if camera_id is not None:
                self._handle(camera_id, image, at)
            if time.monotonic() - last_health >= self.health_seconds:
                self.write_health(time.monotonic() - last_health)
                last_health = time.monotonic()

    def _handle(self, camera_id, image: np.ndarray, at: dt.datetime) -> None:
        started = time.perf_counter()
        try:
            result = self._pipeline(camera_id).process(image, at)
            elapsed = (time.perf_counter() - started) * 1000
            close_old_connections()
            write_result(camera_id, image, result)
        except Exception:
            logger.exception("detection failed on a frame of camera %s", camera_id)
            with self.lock:
                self.stats.errors += 1
            return
        with self.lock:
            self.stats.processed += 1
            self.stats.events += len(result.events)
            if result.detector_ran:
                self.stats.detector_runs += 1
                self.stats.detector_ms += elapsed

    def write_health(self, interval: float) -> None:
        with self.lock:
            stats, self.stats = self.stats, WorkerStats()
        metrics = {
            "frames_queued": stats.queued,
            "frames_processed": stats.processed,
            "dropped_frames": stats.dropped,
            "detector_runs": stats.detector_runs,
            "detector_ms_avg": round(stats.detector_ms / stats.detector_runs, 1) if stats.detector_runs else None,
            "events_written": stats.events,
            "errors": stats.errors,
            "cameras": len(self.pipelines),
            "model": self.detector.path.name if self.detector else None,
            "interval_seconds": round(interval, 1),
        }
        if self.detector is None:
            status, message = "degraded", f"detector off (motion only): {self.detector_error}"
        elif stats.dropped:
            status, message = "degraded", f"{stats.dropped} frame(s) dropped: analysis is behind"
        else:
            status, message = "online", f"{stats.detector_runs} detector run(s)"
        close_old_connections()
        health.log_health(
            "object_detector",
            status,
            metrics,
            message[:500],
            per_minute=True,
            instance=f"{socket.gethostname()}:{os.getpid()}",
        )


_worker: DetectionWorker | None = None
_worker_lock = threading.Lock()


def detection_worker() -> DetectionWorker:
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = DetectionWorker(
                capacity=settings.ORIN_DETECTOR_QUEUE, health_seconds=settings.ORIN_DETECTOR_HEALTH_SECONDS
            )
        return _worker


def detect_stream_frame(frame) -> None:
    """The stream reader's frame analyser (a surveillance.services.streams.StreamFrame)."""
    if (frame.camera.config or {}).get("object_detection", True) is False:
        return
    detection_worker().submit(frame.camera.id, frame.image, frame.timestamp)
