"""Frame in, identities out: detect, score, embed (one batch), search pgvector per face, and
record `person_recognized` / `face_detected` events through the one event path (alert rules run
in the same transaction).

Idempotent on the frame key: the frame row is locked and marked done in the transaction that
writes the events, so a retried or redelivered task finds it done and returns the same events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from faces.models import (
    ClusterStatus,
    EmbeddingSource,
    FaceEmbedding,
    FaceObservation,
    FrameStatus,
    IngestFrame,
)
from faces.services import clusters, media, search
from faces.services.engine import DetectedFace, FaceEngine, get_engine
from faces.services.quality import FaceQuality, assess
from faces.services.versions import ActiveModel, production
from orin.celery import TRANSIENT_ERRORS as CELERY_TRANSIENT_ERRORS
from surveillance.models import Camera, Event, EventType

logger = logging.getLogger(__name__)

# Worth another try: the database or broker blinked. Bad images and broken model packs are not.
TRANSIENT_ERRORS = CELERY_TRANSIENT_ERRORS


@dataclass
class FaceFinding:
    face: DetectedFace
    quality: FaceQuality | None
    too_small: bool
    crop_name: str = ""


def camera_setting(camera: Camera, key: str, default: float) -> float:
    try:
        return float((camera.config or {}).get(key, default))
    except (TypeError, ValueError):
        return default


def min_face_size(camera: Camera) -> float:
    return camera_setting(camera, "min_face_size", settings.ORIN_FACE_MIN_SIZE)


def match_threshold(camera: Camera, active: ActiveModel | None = None) -> float:
    """The camera's own threshold wins over the production version's."""
    return camera_setting(camera, "match_threshold", (active or production()).match_threshold)


def cluster_threshold(camera: Camera, active: ActiveModel | None = None) -> float:
    return camera_setting(camera, "cluster_threshold", (active or production()).cluster_threshold)


def storage_slug(frame_key: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", frame_key)[:60]
    return f"{readable}-{hashlib.sha256(frame_key.encode()).hexdigest()[:10]}"


def dated_folder(prefix: str, camera: Camera, timestamp: dt.datetime) -> str:
    return f"{prefix}/{camera.id}/{timestamp:%Y/%m/%d}"


def find_faces(engine: FaceEngine, image: np.ndarray, detections: list[dict] | None) -> list[DetectedFace]:
    """Our detector's faces, or, when an edge device sent boxes, a face for each box: its
    landmarks if sent, else our detector run on the box's neighbourhood (alignment needs them)."""
    if not detections:
        return engine.detect(image)
    height, width = image.shape[:2]
    found = []
    for box in detections:
        x, y, w, h = (float(box[k]) for k in ("x", "y", "width", "height"))
        score = float(box.get("score", box.get("confidence", 0.9)))
        if box.get("landmarks"):
            found.append(
                DetectedFace(np.array([x, y, x + w, y + h], np.float32), np.array(box["landmarks"], np.float32), score)
            )
            continue
        left, top = max(0, int(x - w / 2)), max(0, int(y - h / 2))
        right, bottom = min(width, int(x + w * 1.5)), min(height, int(y + h * 1.5))
        inner = []
        for candidate in engine.detect(image[top:bottom, left:right]):
            centre_x = (candidate.bbox[0] + candidate.bbox[2]) / 2 + left
            centre_y = (candidate.bbox[1] + candidate.bbox[3]) / 2 + top
            if x <= centre_x <= x + w and y <= centre_y <= y + h:
                inner.append(candidate)
        if inner:
            best = max(inner, key=lambda f: f.det_score)
            best.bbox += np.array([left, top, left, top], np.float32)
            best.landmarks += np.array([left, top], np.float32)
            found.append(best)
        else:
            found.append(DetectedFace(np.array([x, y, x + w, y + h], np.float32), None, score))
    return found


def bounding_box(face: DetectedFace, image: np.ndarray) -> dict:
    """The seed's bounding-box JSON: pixels plus the frame size (zones are normalised)."""
    x1, y1, x2, y2 = (round(float(v)) for v in face.bbox)
    height, width = image.shape[:2]
    x1, y1 = max(0, x1), max(0, y1)
    return {
        "x": x1,
        "y": y1,
        "width": max(0, min(width, x2) - x1),
        "height": max(0, min(height, y2) - y1),
        "frame_width": width,
        "frame_height": height,
    }


def to_decimal(value: float) -> Decimal:
    return Decimal(str(round(min(1.0, max(0.0, float(value))), 3)))


def analyse(engine: FaceEngine, camera: Camera, image: np.ndarray, detections) -> list[FaceFinding]:
    """Detect, score and embed; faces below the camera's minimum size are not embedded."""
    findings = []
    smallest = min_face_size(camera)
    for face in find_faces(engine, image, detections):
        too_small = face.short_side < smallest or face.landmarks is None
        quality = None if too_small else assess(image, face.bbox, face.landmarks, face.det_score)
        findings.append(FaceFinding(face=face, quality=quality, too_small=too_small))
    engine.embed(image, [f.face for f in findings if not f.too_small])
    return findings


def frame_events(frame: IngestFrame) -> list[Event]:
    events = {e.id: e for e in Event.objects.filter(id__in=frame.event_ids, timestamp=frame.timestamp)}
    return [events[i] for i in frame.event_ids if i in events]


def ensure_frame(camera: Camera, image, timestamp: dt.datetime, frame_key: str | None, detections) -> IngestFrame:
    """The frame row for a direct call (stream reader, tests): store the snapshot like ingest does."""
    if frame_key:
        frame = IngestFrame.objects.filter(frame_key=frame_key).first()
        if frame is not None:
            return frame
    data = image if isinstance(image, bytes) else media.encode_jpeg(image)
    frame_key = frame_key or f"{camera.id}:{timestamp.isoformat()}:{hashlib.sha256(data).hexdigest()[:16]}"
    ext = media.inspect_image(data).extension
    name = f"{dated_folder('frames', camera, timestamp)}/{storage_slug(frame_key)}.{ext}"
    stored, row = media.store_media(name, data, camera=camera, timestamp=timestamp)
    frame, _ = IngestFrame.objects.get_or_create(
        frame_key=frame_key,
        defaults={"camera": camera, "timestamp": timestamp, "media": row, "source": "direct", "detections": detections},
    )
    return frame


def recognize_frame(
    camera: Camera,
    image: np.ndarray | bytes,
    timestamp: dt.datetime,
    detections: list[dict] | None = None,
    frame_key: str | None = None,
) -> list[Event]:
    """Recognise every face of one frame; returns the events it recorded (or had recorded)."""
    started = time.perf_counter()
    if frame_key:
        done = IngestFrame.objects.filter(frame_key=frame_key, status=FrameStatus.DONE).first()
        if done is not None:
            return frame_events(done)
    array = media.decode_image(image) if isinstance(image, bytes | bytearray | memoryview) else image
    image_bytes = bytes(image) if isinstance(image, bytes | bytearray | memoryview) else None
    active = production()
    engine = get_engine(active.pack_dir, active.version)
    findings = analyse(engine, camera, array, detections)
    inference_ms = (time.perf_counter() - started) * 1000

    frame = ensure_frame(camera, image_bytes or array, timestamp, frame_key, detections)
    crop_folder = dated_folder("faces", camera, timestamp)
    crop_data = {}
    for index, finding in enumerate(findings):
        finding.crop_name = f"{crop_folder}/{storage_slug(frame.frame_key)}-{index}.jpg"
        crop_data[index] = media.encode_jpeg(media.crop_face(array, finding.face.bbox))
        media.save_file(finding.crop_name, crop_data[index])
    try:
        with transaction.atomic():
            frame = IngestFrame.objects.select_for_update().get(pk=frame.pk)
            if frame.status == FrameStatus.DONE:
                return frame_events(frame)
            events = _record(camera, array, timestamp, frame, findings, crop_data, active, started)
            frame.status = FrameStatus.DONE
            frame.face_count = len(findings)
            frame.event_ids = [e.id for e in events]
            frame.attempts += 1
            frame.error = ""
            frame.processed_at = timezone.now()
            frame.processing_ms = round((time.perf_counter() - started) * 1000)
            frame.save()
    except Exception:
        # Nothing of this attempt survives a rollback: drop its crops too (a retry rewrites them).
        media.delete_files(f.crop_name for f in findings)
        raise
    logger.debug("frame %s: %d faces, inference %.0f ms", frame.frame_key, len(findings), inference_ms)
    return events


def _observation(camera, event_id, finding: FaceFinding, crop, version: str) -> FaceObservation:
    return FaceObservation(
        event_id=event_id,
        camera=camera,
        embedding=finding.face.embedding,
        model_version=version,
        face_quality=to_decimal(finding.quality.score),
        confidence=to_decimal(finding.face.det_score),
        crop=crop,
        source_image_path=crop.storage_path,
    )


def _cluster_embedding(cluster_id, event_id, finding: FaceFinding, crop, version: str) -> FaceEmbedding:
    return FaceEmbedding.objects.create(
        cluster_id=cluster_id,
        embedding=finding.face.embedding,
        source_image_path=finding.crop_name,
        face_quality=to_decimal(finding.quality.score),
        confidence=to_decimal(finding.face.det_score),
        model_version=version,
        source=EmbeddingSource.RECOGNITION,
        crop=crop,
        event_id=event_id,
    )


def _record(camera, image, timestamp, frame, findings, crop_data, active: ActiveModel, started) -> list[Event]:
    """Decide each face's identity and write everything for the frame (inside its transaction)."""
    from surveillance.services.events import record_events

    floor = settings.ORIN_FACE_QUALITY_FLOOR
    version = active.version
    threshold, join_threshold = match_threshold(camera, active), cluster_threshold(camera, active)
    snapshot = frame.media.storage_path if frame.media_id else None
    events, observations, touched_clusters = [], [], set()
    locked = False
    for index, finding in enumerate(findings):
        face, quality = finding.face, finding.quality
        event_id = uuid.uuid4()
        crop = media.register_media(
            finding.crop_name, crop_data[index], camera=camera, timestamp=timestamp, event_id=event_id, kind="face_crop"
        )
        metadata = {
            "frame_key": frame.frame_key,
            "face_index": index,
            "face_crop_path": finding.crop_name,
            "det_score": round(face.det_score, 3),
            "model_version": version,
        }
        event = Event(
            id=event_id,
            camera=camera,
            event_type=EventType.FACE_DETECTED,
            confidence=to_decimal(face.det_score),
            bounding_box=bounding_box(face, image),
            image_path=snapshot,
            timestamp=timestamp,
            metadata=metadata,
        )
        if finding.too_small:
            metadata["skipped"] = "below the minimum face size" if face.landmarks is not None else "no landmarks"
            events.append(event)
            continue
        metadata["quality"] = round(quality.score, 3)
        metadata["quality_parts"] = quality.as_dict()
        usable = quality.score >= floor

        person = search.nearest_person(face.embedding, version)
        metadata["similarity"] = round(person.similarity, 3) if person else None
        if person and person.similarity >= threshold:
            event.event_type = EventType.PERSON_RECOGNIZED
            event.person_id = person.owner_id
            event.confidence = to_decimal(person.similarity)
            metadata["matched_embedding_id"] = str(person.embedding_id)
            observations.append(_observation(camera, event_id, finding, crop, version))
            events.append(event)
            continue

        if not locked:
            clusters.lock_clusters()
            locked = True
        nearest = search.nearest_cluster(face.embedding, version)
        metadata["cluster_similarity"] = round(nearest.similarity, 3) if nearest else None
        joins = nearest is not None and nearest.similarity >= join_threshold
        if joins and nearest.cluster_status == ClusterStatus.REJECTED:
            # Looks like what a reviewer called "not a face": no event, and no crop piling up.
            media.delete_files([finding.crop_name])
            crop.delete()
            continue
        cluster_id = nearest.owner_id if joins and clusters.is_searchable(nearest.cluster_status) else None
        if cluster_id is None and usable:
            cluster_id = clusters.open_cluster(timestamp).id
        if cluster_id is not None:
            event.cluster_id = cluster_id
            clusters.note_sighting(cluster_id, timestamp)
            touched_clusters.add(cluster_id)
        if usable:
            # Saved now, not in bulk: the next face of this frame must be able to find it.
            _cluster_embedding(cluster_id, event_id, finding, crop, version)
        else:
            metadata["below_quality_floor"] = True
            observations.append(_observation(camera, event_id, finding, crop, version))
        events.append(event)

    FaceObservation.objects.bulk_create(observations)
    for cluster_id in touched_clusters:
        clusters.refresh_cluster(cluster_id)
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    for event in events:
        event.metadata["processing_ms"] = elapsed
    record_events(events)
    return events


def recognize_stored_frame(frame_key: str, final_attempt: bool = True) -> list[Event]:
    """The Celery task's body: recognise a frame that ingest stored. A frame that can never be
    recognised (its image is gone or damaged, the model pack is broken) is marked failed."""
    from django.core.files.storage import default_storage

    from faces.services.model_pack import ModelPackError

    frame = IngestFrame.objects.select_related("camera", "media").filter(frame_key=frame_key).first()
    if frame is None:
        logger.warning("frame %s is not in ingest_frames; nothing to do", frame_key)
        return []
    if frame.status == FrameStatus.DONE:
        return frame_events(frame)
    try:
        if frame.media is None:
            raise media.ImageError("the frame's image is not stored")
        with default_storage.open(frame.media.storage_path, "rb") as handle:
            data = handle.read()
        return recognize_frame(frame.camera, data, frame.timestamp, frame.detections, frame_key=frame_key)
    except (media.ImageError, ModelPackError, FileNotFoundError) as exc:
        mark_failed(frame, exc)
        raise
    except Exception as exc:
        if final_attempt or not isinstance(exc, TRANSIENT_ERRORS):
            mark_failed(frame, exc)
        raise


def mark_failed(frame: IngestFrame, exc: Exception) -> None:
    IngestFrame.objects.filter(pk=frame.pk).exclude(status=FrameStatus.DONE).update(
        status=FrameStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], attempts=frame.attempts + 1
    )
