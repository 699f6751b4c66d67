"""Tracked detections: the contract between the producers of tracks (ORIN's own detector, edge
devices posting detections with `metadata.track_id`) and their consumers (behaviour analytics).

Every observation of a track reaches the consumers exactly once, by one of two ways:
- as a stored event whose metadata carries `track_id` (the consumer reads such events through
  an event processor, `surveillance.services.events.register_event_processor`), or
- as a `TrackPoint` its producer publishes here, for observations that were not stored as an
  event (ORIN's detector writes one event per track and interval, but analytics needs every
  position it saw).

Positions are normalised to the camera's frame (0..1), like zones' polygons.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TRACK_ID_KEY = "track_id"
LABEL_KEY = "label"


@dataclass(frozen=True, slots=True)
class TrackPoint:
    camera_id: uuid.UUID
    track_id: str
    label: str  # COCO class name: "person", "car", "backpack", ...
    box: tuple[float, float, float, float]  # normalised x, y, width, height
    confidence: float
    timestamp: dt.datetime
    event_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    cluster_id: uuid.UUID | None = None
    guard_id: uuid.UUID | None = None
    image_path: str | None = None

    @property
    def anchor(self) -> tuple[float, float]:
        """Bottom centre of the box: where a person or object stands (as the rule engine uses)."""
        x, y, w, h = self.box
        return x + w / 2, y + h


TrackConsumer = Callable[[Sequence[TrackPoint]], list]
_consumers: list[tuple[str, TrackConsumer]] = []


def register_track_consumer(name: str, consumer: TrackConsumer) -> None:
    """`consumer(points)` gets published points (same transaction as the producer's writes) and
    returns the alerts it raised."""
    _consumers[:] = [entry for entry in _consumers if entry[0] != name]
    _consumers.append((name, consumer))


def publish_track_points(points: Sequence[TrackPoint]) -> list:
    """Hand observations that were not stored as events to the consumers; returns their alerts."""
    alerts: list = []
    if points:
        for _, consume in _consumers:
            alerts.extend(consume(points))
    return alerts
