"""A face inside a person's box joins that person's track: the face event gets the track id,
and a recognised face names the whole track (its human_detected events get the person, so the
person's timeline shows the body snapshots too). Enricher + processor, registered in
DetectionConfig.ready(); recognition (faces) knows nothing of tracks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings

from surveillance.models import Event, EventType
from surveillance.services.tracks import TRACK_ID_KEY

FACE_TYPES = (EventType.FACE_DETECTED, EventType.PERSON_RECOGNIZED)


def _normalised(box) -> tuple[float, float, float, float] | None:
    try:
        fw, fh = float(box["frame_width"]), float(box["frame_height"])
        return float(box["x"]) / fw, float(box["y"]) / fh, float(box["width"]) / fw, float(box["height"]) / fh
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def _inside(face, body) -> bool:
    cx, cy = face[0] + face[2] / 2, face[1] + face[3] / 2
    return body[0] <= cx <= body[0] + body[2] and body[1] <= cy <= body[1] + body[3] * 0.6  # head: upper body


def join_face_tracks(events: Sequence[Event]) -> None:
    """Enricher: face events take the track id of the person box around them (the newest
    human_detected event of the camera within the track interval). One query per camera for the
    whole batch, not one per face: a bulk ingest of face sightings must not pay a round trip each."""
    window = dt.timedelta(seconds=settings.ORIN_TRACK_EVENT_INTERVAL_SECONDS + 5)
    ahead = dt.timedelta(seconds=5)
    faces_by_camera: dict = defaultdict(list)
    for event in events:
        metadata = event.metadata if isinstance(event.metadata, dict) else {}
        if event.event_type not in FACE_TYPES or TRACK_ID_KEY in metadata:
            continue
        face = _normalised(event.bounding_box)
        if face is not None:
            faces_by_camera[event.camera_id].append((event, face, metadata))
    for camera_id, faces in faces_by_camera.items():
        bodies = [
            (timestamp, body, body_metadata[TRACK_ID_KEY])
            for timestamp, box, body_metadata in Event.objects.filter(
                camera_id=camera_id,
                event_type=EventType.HUMAN_DETECTED,
                timestamp__gte=min(e.timestamp for e, _, _ in faces) - window,
                timestamp__lte=max(e.timestamp for e, _, _ in faces) + ahead,
                metadata__has_key=TRACK_ID_KEY,
            )
            .order_by("-timestamp")
            .values_list("timestamp", "bounding_box", "metadata")
            if (body := _normalised(box)) is not None
        ]
        if not bodies:
            continue
        for event, face, metadata in faces:
            for timestamp, body, track in bodies:  # newest first
                if event.timestamp - window <= timestamp <= event.timestamp + ahead and _inside(face, body):
                    event.metadata = {**metadata, TRACK_ID_KEY: track}
                    break


def name_tracks(events: Sequence[Event]) -> list:
    """Processor: a recognised face puts its person on the unnamed events of its track."""
    window = dt.timedelta(hours=1)
    for event in events:
        track = (event.metadata or {}).get(TRACK_ID_KEY) if isinstance(event.metadata, dict) else None
        if event.event_type != EventType.PERSON_RECOGNIZED or not track or not event.person_id:
            continue
        Event.objects.filter(
            camera_id=event.camera_id,
            event_type=EventType.HUMAN_DETECTED,
            timestamp__gte=event.timestamp - window,
            timestamp__lte=event.timestamp + window,
            metadata__track_id=track,
            person_id__isnull=True,
        ).update(person_id=event.person_id)
    return []
