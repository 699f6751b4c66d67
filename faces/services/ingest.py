"""Accepting a frame for recognition: validate everything first, then store the image (media
file + frame row) and queue the `recognize_frame` task once the rows are committed.

Bad input raises FrameRejected(field, message) before anything is written, so the API can answer
400 with a field error and the stream reader can log and skip.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from faces.models import FrameStatus, IngestFrame
from faces.services import media
from faces.services.recognition import dated_folder, storage_slug
from orin import degraded
from surveillance.models import Camera
from surveillance.services import presence

MAX_DETECTIONS = 200
# After a failed publish, frames skip the broker this long (they stay `queued` for the sweep).
BROKER_RETRY_SECONDS = 5.0
_broker_away_until = 0.0
FRAME_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-/]{1,200}$")


class FrameRejected(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def resolve_camera(camera) -> Camera:
    if not isinstance(camera, Camera):
        try:
            camera = Camera.objects.select_related("dvr").get(pk=camera)
        except (Camera.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
            raise FrameRejected("camera", f"unknown camera {camera!s}") from exc
    if not camera.is_active:
        raise FrameRejected("camera", f'camera "{camera.name}" is inactive')
    return camera


def check_timestamp(timestamp) -> dt.datetime:
    if not isinstance(timestamp, dt.datetime):
        raise FrameRejected("timestamp", "a date and time is required")
    if timezone.is_naive(timestamp):
        raise FrameRejected("timestamp", "the timestamp needs a time zone (e.g. 2026-11-23T10:00:00Z)")
    skew = settings.ORIN_MAX_CLOCK_SKEW_SECONDS
    if timestamp > timezone.now() + dt.timedelta(seconds=skew):
        raise FrameRejected("timestamp", f"the timestamp is in the future (more than {skew} s ahead of the server)")
    return timestamp


def check_detections(detections, width: int, height: int) -> list[dict] | None:
    """Optional edge-detector face boxes: [{"x", "y", "width", "height", "score"?, "landmarks"?}]."""
    if detections in (None, "", []):
        return None
    if isinstance(detections, str | bytes):
        try:
            detections = json.loads(detections)
        except ValueError as exc:
            raise FrameRejected("detections", f"not valid JSON ({exc})") from exc
    if not isinstance(detections, list) or len(detections) > MAX_DETECTIONS:
        raise FrameRejected("detections", f"expected a list of at most {MAX_DETECTIONS} boxes")
    cleaned = []
    for i, box in enumerate(detections):
        if not isinstance(box, dict):
            raise FrameRejected("detections", f"box {i} is not an object")
        try:
            x, y, w, h = (float(box[k]) for k in ("x", "y", "width", "height"))
        except (KeyError, TypeError, ValueError) as exc:
            raise FrameRejected("detections", f"box {i} needs numeric x, y, width and height") from exc
        if not all(math.isfinite(v) for v in (x, y, w, h)):
            raise FrameRejected("detections", f"box {i} has a non-finite coordinate")
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width + 1 or y + h > height + 1:
            raise FrameRejected("detections", f"box {i} lies outside the {width}x{height} image")
        item = {"x": x, "y": y, "width": w, "height": h}
        if "score" in box:
            try:
                score = float(box["score"])
            except (TypeError, ValueError) as exc:
                raise FrameRejected("detections", f"box {i} has a non-numeric score") from exc
            if not math.isfinite(score):
                raise FrameRejected("detections", f"box {i} has a non-finite score")
            item["score"] = min(1.0, max(0.0, score))
        if box.get("landmarks") is not None:
            points = box["landmarks"]
            valid = isinstance(points, list) and len(points) == 5
            valid = valid and all(isinstance(p, list | tuple) and len(p) == 2 for p in points)
            try:
                item["landmarks"] = [[float(p[0]), float(p[1])] for p in points] if valid else None
            except (TypeError, ValueError):
                item["landmarks"] = None
            if item["landmarks"] and not all(math.isfinite(v) for p in item["landmarks"] for v in p):
                item["landmarks"] = None
            if item["landmarks"] is None:
                raise FrameRejected("detections", f"box {i}: landmarks must be 5 [x, y] points")
        cleaned.append(item)
    return cleaned


def submit_frame(
    *,
    camera,
    image_bytes: bytes,
    timestamp,
    detections=None,
    frame_key: str | None = None,
    source: str = "api",
) -> str:
    """Validate, store and queue one frame; returns its frame key (the same key again for a
    frame already submitted, without storing it twice)."""
    camera = resolve_camera(camera)
    limit = settings.ORIN_MAX_FRAME_BYTES
    if not image_bytes:
        raise FrameRejected("image", "the image is empty")
    if len(image_bytes) > limit:
        raise FrameRejected("image", f"the image is {len(image_bytes)} bytes; the limit is {limit} bytes")
    try:
        info = media.inspect_image(image_bytes)
    except media.ImageError as exc:
        raise FrameRejected("image", str(exc)) from exc
    timestamp = check_timestamp(timestamp)
    boxes = check_detections(detections, info.width, info.height)
    if frame_key is not None and not FRAME_KEY_PATTERN.match(frame_key):
        raise FrameRejected("frame_key", "1-200 characters from letters, digits and _ . : - /")
    digest = hashlib.sha256(image_bytes).hexdigest()
    frame_key = frame_key or f"{camera.id}:{timestamp.isoformat()}:{digest[:16]}"

    existing = IngestFrame.objects.filter(frame_key=frame_key).values_list("camera_id", flat=True).first()
    if existing is not None:
        if existing != camera.id:
            raise FrameRejected("frame_key", "this frame key belongs to another camera's frame")
        return frame_key

    name = f"{dated_folder('frames', camera, timestamp)}/{storage_slug(frame_key)}.{info.extension}"
    stored = media.save_file(name, image_bytes)
    try:
        with transaction.atomic():
            row = media.register_media(stored, image_bytes, camera=camera, timestamp=timestamp)
            IngestFrame.objects.create(
                frame_key=frame_key, camera=camera, timestamp=timestamp, media=row, source=source, detections=boxes
            )
            transaction.on_commit(lambda: queue_recognition(frame_key))
            if source != "stream":  # the stream reader keeps its cameras' presence itself
                presence.note_edge_traffic([camera.id], timezone.now())
    except IntegrityError:
        # Another request stored the same frame key a moment ago: that one wins.
        if IngestFrame.objects.filter(frame_key=frame_key, camera=camera).exists():
            return frame_key
        media.delete_files([stored])
        raise
    except Exception:
        media.delete_files([stored])
        raise
    return frame_key


def queue_recognition(frame_key: str) -> bool:
    """Send the recognition task; False when the broker is away. The frame is stored either way
    (its row stays `queued`), and `requeue_stale_frames` sends it again later, so the producer
    (an API request, the stream reader) never fails or loses the frame because of the broker."""
    from faces.tasks import recognize_frame

    global _broker_away_until
    if time.monotonic() < _broker_away_until:
        # Found away moments ago: don't make every frame wait for another failed connect.
        degraded.note("recognition_queue", "broker away (skipped; the sweep sends it later)")
        return False
    try:
        recognize_frame.apply_async(args=[frame_key], queue="recognition")
    except Exception as exc:  # noqa: BLE001 - any publish failure leaves the frame for the sweep
        degraded.note("recognition_queue", exc)
        _broker_away_until = time.monotonic() + BROKER_RETRY_SECONDS
        return False
    return True


def requeue_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ORIN_FRAME_REQUEUE_AFTER_SECONDS)


def requeue_stale_frames(older_than: dt.timedelta | None = None, limit: int = 500) -> int:
    """Queue again the frames stored but never recognised: the broker was away when they came in,
    or lost its queue (Redis keeps no copy across a restart). Harmless for a frame still waiting
    in the queue: recognition is idempotent on the frame key. Returns how many were sent."""
    cutoff = timezone.now() - (requeue_after() if older_than is None else older_than)
    keys = list(
        IngestFrame.objects.filter(status=FrameStatus.QUEUED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("frame_key", flat=True)[:limit]
    )
    sent = 0
    for key in keys:
        if not queue_recognition(key):
            break  # the broker is still away; the next sweep tries again
        sent += 1
    return sent
