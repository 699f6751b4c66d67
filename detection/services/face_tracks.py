"""A face inside a person's box joins that person's track: the face event gets the track id,
and a recognised face names the whole track (its human_detected events get the person, so the
person's timeline shows the body snapshots too). Enricher + processor, registered in
DetectionConfig.ready(); recognition (faces) knows nothing of tracks."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import operator
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import connection

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
    human_detected event of the camera within the track interval). One query for the whole
    batch, not one per face: a bulk ingest of face sightings must not pay a round trip each."""
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
    if not faces_by_camera:
        return
    tracked = _tracked_bodies(
        {
            camera_id: _ranges(sorted(e.timestamp for e, _, _ in faces), window, ahead)
            for camera_id, faces in faces_by_camera.items()
        }
    )
    for camera_id, faces in faces_by_camera.items():
        bodies = tracked.get(camera_id)
        if not bodies:
            continue
        times = [timestamp for timestamp, _, _ in bodies]
        for event, face, metadata in faces:
            first = bisect.bisect_left(times, event.timestamp - window)
            last = bisect.bisect_right(times, event.timestamp + ahead)
            for _, body, track in reversed(bodies[first:last]):  # newest first
                if _inside(face, body):
                    event.metadata = {**metadata, TRACK_ID_KEY: track}
                    break


# One statement for the whole batch: a lateral probe of the partial index
# idx_events_tracked_bodies per (camera, stretch of time). The ORM can only spell this as an OR
# of hundreds of ranges, which cost more to compile and plan than to run.
_TRACKED_BODIES_SQL = """
    SELECT r.camera_id, e.timestamp, e.bounding_box, e.metadata -> %s
      FROM unnest(%s::uuid[], %s::timestamptz[], %s::timestamptz[]) AS r(camera_id, lo, hi)
      JOIN LATERAL (
            SELECT timestamp, bounding_box, metadata FROM events
             WHERE camera_id = r.camera_id AND timestamp BETWEEN r.lo AND r.hi
               AND event_type = 'human_detected' AND metadata ? 'track_id'
           ) e ON true
"""


def _tracked_bodies(ranges: dict) -> dict:
    """Per camera: (timestamp, normalised box, track id) of its tracked person boxes within its
    ranges, oldest first."""
    cameras, starts, ends = [], [], []
    for camera_id, camera_ranges in ranges.items():
        for lo, hi in camera_ranges:
            cameras.append(camera_id)
            starts.append(lo)
            ends.append(hi)
    bodies: dict = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(_TRACKED_BODIES_SQL, [TRACK_ID_KEY, cameras, starts, ends])
        # Django's psycopg setup hands jsonb over as text (JSONField decodes it itself).
        for camera_id, at, box, track in cursor.fetchall():
            if (body := _normalised(json.loads(box))) is not None and track is not None:
                bodies[camera_id].append((at, body, json.loads(track)))
    return {camera_id: sorted(rows, key=operator.itemgetter(0)) for camera_id, rows in bodies.items()}


def _ranges(moments: list[dt.datetime], window: dt.timedelta, ahead: dt.timedelta) -> list[list[dt.datetime]]:
    """The time ranges around sorted moments, overlapping ones merged: a batch that spans weeks
    (a backfill) reads only the minutes around its faces, not the weeks between them."""
    ranges: list[list[dt.datetime]] = []
    for moment in moments:
        if ranges and moment - window <= ranges[-1][1]:
            ranges[-1][1] = moment + ahead
        else:
            ranges.append([moment - window, moment + ahead])
    return ranges


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
