"""Tracked detections stored as events (edge devices posting `human_detected` /
`object_detected` with `metadata.track_id` through `POST /api/v1/ingest/events`) become
`TrackPoint`s here, so the analysis sees one kind of input whoever produced the track."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alerts.services.geometry import parse_resolution
from analytics.services.config import load_camera_configs
from analytics.services.engine import analyse_track_points
from analytics.services.geometry import clip_box
from surveillance.models import Event, EventType
from surveillance.services.tracks import LABEL_KEY, TRACK_ID_KEY, TrackPoint

logger = logging.getLogger(__name__)
TRACKED_TYPES = {EventType.HUMAN_DETECTED: "person", EventType.OBJECT_DETECTED: None}


def normalised_box(bounding_box, frame_size: tuple[float, float] | None) -> tuple | None:
    """(x, y, w, h) in 0..1 clipped to the frame, from a pixel box (scaled by its own
    frame_width/frame_height, else the camera's resolution) or an already normalised one."""
    try:
        x, y, w, h = (float(bounding_box[k]) for k in ("x", "y", "width", "height"))
    except (KeyError, TypeError, ValueError):
        return None
    frame_w, frame_h = bounding_box.get("frame_width"), bounding_box.get("frame_height")
    if frame_w and frame_h:
        scale = float(frame_w), float(frame_h)
    elif 0 <= x <= 1 and 0 <= y <= 1 and x + w <= 1 and y + h <= 1:
        scale = 1.0, 1.0
    elif frame_size:
        scale = frame_size
    else:
        return None
    return clip_box((x / scale[0], y / scale[1], w / scale[0], h / scale[1]))


def track_points_from_events(events: Sequence[Event]) -> list[TrackPoint]:
    tracked = [
        e
        for e in events
        if e.event_type in TRACKED_TYPES and isinstance(e.metadata, dict) and e.metadata.get(TRACK_ID_KEY) is not None
    ]
    if not tracked:
        return []
    configs = load_camera_configs(list({e.camera_id for e in tracked}))
    sizes = {camera_id: parse_resolution(config.resolution) for camera_id, config in configs.items()}
    points = []
    for event in tracked:
        box = normalised_box(event.bounding_box, sizes.get(event.camera_id))
        if box is None:
            # Accepted as an event (the ingest contract), but it cannot be placed in the frame.
            logger.info("analytics: event %s has a box outside the frame or no frame size; skipped", event.id)
            continue
        label = TRACKED_TYPES[event.event_type] or str(event.metadata.get(LABEL_KEY) or "object")
        points.append(
            TrackPoint(
                camera_id=event.camera_id,
                track_id=str(event.metadata[TRACK_ID_KEY]),
                label=label.lower(),
                box=box,
                confidence=float(event.confidence),
                timestamp=event.timestamp,
                event_id=event.id,
                person_id=event.person_id,
                cluster_id=event.cluster_id,
                image_path=event.image_path,
            )
        )
    return points


def analyse_tracked_events(events: Sequence[Event]) -> list:
    """Event processor: the tracked events of a stored batch go through the analysis."""
    return analyse_track_points(track_points_from_events(events))
