"""Batch ingest of detections from edge detectors (REST `POST /api/v1/ingest/events`).

A batch is stored through `record_events`, so the same alert rules run as for every other
producer, in the same transaction. Idempotency: a detection with a client-supplied key gets an
event id derived from (producer, key); a batch re-sent after a timeout finds those ids already
stored and adds nothing, so a producer may retry freely. Retries of one producer are serialised
by a transaction-level advisory lock, so two concurrent copies of a batch cannot both insert.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone

from surveillance.models import Event
from surveillance.services import presence
from surveillance.services.events import record_events

# Namespace of the event ids derived from client keys (uuid5): fixed forever.
DETECTION_NAMESPACE = uuid.UUID("5b0f5c3e-7d2a-4f38-9a53-2f1f0e0c6d11")
THOUSANDTH = Decimal("0.001")


@dataclass
class IngestResult:
    event_ids: list[uuid.UUID] = field(default_factory=list)
    created: int = 0
    duplicates: int = 0
    alerts: int = 0


def detection_event_id(producer: str, key: str) -> uuid.UUID:
    """The event id of a keyed detection: the same producer and key always give the same id."""
    return uuid.uuid5(DETECTION_NAMESPACE, f"{producer}\x1f{key}")


def _event(detection: dict, producer: str) -> Event:
    key = detection.get("key")
    return Event(
        id=detection_event_id(producer, key) if key else uuid.uuid4(),
        camera_id=detection["camera_id"],
        event_type=detection["event_type"],
        person_id=detection.get("person_id"),
        cluster_id=detection.get("cluster_id"),
        confidence=Decimal(str(detection["confidence"])).quantize(THOUSANDTH, rounding=ROUND_HALF_UP),
        bounding_box=detection["bounding_box"],
        image_path=detection.get("image_path") or None,
        timestamp=detection["timestamp"],
        frame_number=detection.get("frame_number"),
        metadata=detection.get("metadata") or {},
    )


def ingest_detections(detections: Sequence[dict], *, producer: str) -> IngestResult:
    """Store validated detections (dicts with camera_id, event_type, confidence, bounding_box,
    timestamp and optional key, person_id, cluster_id, frame_number, metadata, image_path) for
    `producer` (a stable id of the sender, e.g. its user id). Returns ids in input order."""
    events = [_event(d, producer) for d in detections]
    keyed = [e.id for e, d in zip(events, detections) if d.get("key")]
    with transaction.atomic():
        existing: set[uuid.UUID] = set()
        if keyed:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"orin-ingest:{producer}"])
            existing = set(Event.objects.filter(id__in=keyed).values_list("id", flat=True))
        fresh, seen = [], set(existing)
        for event in events:
            if event.id not in seen:
                seen.add(event.id)
                fresh.append(event)
        alerts = record_events(fresh) if fresh else []
    # Edge-fed cameras are watched for silence like the ones ORIN reads itself.
    presence.note_edge_traffic({e.camera_id for e in events}, timezone.now())
    return IngestResult(
        event_ids=[e.id for e in events], created=len(fresh), duplicates=len(events) - len(fresh), alerts=len(alerts)
    )
