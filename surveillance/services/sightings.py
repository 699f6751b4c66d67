"""Finding events: the event browser, exports and person/cluster timelines.

Every search is bounded by a time range (so PostgreSQL prunes monthly partitions), scoped by
`policy.restrict`, ordered newest first and paged by keyset (timestamp, id) instead of OFFSET
and COUNT(*), which is what stays fast at tens of millions of rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from surveillance.models import Event
from surveillance.services.media_access import media_url

MAX_BROWSE_RANGE = dt.timedelta(days=92)
MAX_TIMELINE_RANGE = dt.timedelta(days=366)
EXPORT_LIMIT = 100_000


class RangeError(ValueError):
    """A time range the event store will not search (unbounded, inverted or too long)."""


@dataclass
class EventFilter:
    since: dt.datetime
    until: dt.datetime
    site_id: uuid.UUID | None = None
    camera_id: uuid.UUID | None = None
    event_type: str | None = None
    person_id: uuid.UUID | None = None
    cluster_ids: list[uuid.UUID] = field(default_factory=list)
    reviewed: bool | None = None

    def check(self, longest: dt.timedelta = MAX_BROWSE_RANGE) -> None:
        if self.until <= self.since:
            raise RangeError("the end of the time range must be after its start")
        if self.until - self.since > longest:
            raise RangeError(f"the time range may span at most {longest.days} days")


def matching_events(user, flt: EventFilter, longest: dt.timedelta = MAX_BROWSE_RANGE) -> QuerySet:
    """The user's events matching the filter, newest first (a lazy queryset)."""
    flt.check(longest)
    events = Event.objects.filter(timestamp__gte=flt.since, timestamp__lt=flt.until)
    if flt.site_id:
        events = events.filter(camera__dvr__site_id=flt.site_id)
    if flt.camera_id:
        events = events.filter(camera_id=flt.camera_id)
    if flt.event_type:
        events = events.filter(event_type=flt.event_type)
    if flt.person_id:
        events = events.filter(person_id=flt.person_id)
    if flt.cluster_ids:
        events = events.filter(cluster_id__in=flt.cluster_ids)
    if flt.reviewed is not None:
        events = events.filter(reviewed=flt.reviewed)
    return events.restrict(user).order_by("-timestamp", "-id")


def find_events(user, flt: EventFilter, *, before: tuple[dt.datetime, uuid.UUID] | None = None, limit: int = 50):
    """One page of events, and the cursor of the next (older) page or None."""
    events = matching_events(user, flt)
    if before is not None:
        at, event_id = before
        events = events.filter(Q(timestamp__lt=at) | Q(timestamp=at, id__lt=event_id))
    page = list(events.select_related("camera__dvr__site", "person", "cluster")[: limit + 1])
    cursor = (page[limit - 1].timestamp, page[limit - 1].id) if len(page) > limit else None
    return page[:limit], cursor


def sightings(user, flt: EventFilter, limit: int = 1000) -> tuple[list[Event], bool]:
    """A person's or cluster's sightings for a timeline, oldest first; also whether older ones
    were left out because of `limit`."""
    events = list(
        matching_events(user, flt, longest=MAX_TIMELINE_RANGE).select_related("camera__dvr__site")[: limit + 1]
    )
    return list(reversed(events[:limit])), len(events) > limit


def export_events(user, flt: EventFilter) -> Iterator[list]:
    """Rows for a CSV export (header first), at most EXPORT_LIMIT events."""
    yield ["timestamp", "event_type", "site", "camera", "person", "cluster", "confidence", "reviewed", "event_id"]
    events = (
        matching_events(user, flt)
        .values_list(
            "timestamp",
            "event_type",
            "camera__dvr__site__name",
            "camera__name",
            "person__name",
            "cluster__cluster_label",
            "confidence",
            "reviewed",
            "id",
        )
        .iterator(chunk_size=2000)
    )
    for count, row in enumerate(events):
        if count >= EXPORT_LIMIT:
            break
        yield [row[0].isoformat(), *row[1:]]


def normalised_box(box) -> dict | None:
    """The bounding box as fractions of the frame, for drawing over a scaled snapshot."""
    if not isinstance(box, dict):
        return None
    try:
        x, y = float(box["x"]), float(box["y"])
        width, height = float(box["width"]), float(box["height"])
    except (KeyError, TypeError, ValueError):
        return None
    frame_w, frame_h = box.get("frame_width"), box.get("frame_height")
    if frame_w and frame_h:
        x, width = x / float(frame_w), width / float(frame_w)
        y, height = y / float(frame_h), height / float(frame_h)
    elif max(x + width, y + height) > 1.0:
        return None  # pixels without the frame size: cannot be placed
    return {"x": round(x, 4), "y": round(y, 4), "w": round(width, 4), "h": round(height, 4)}


def face_crop_path(event: Event) -> str | None:
    return (event.metadata or {}).get("face_crop_path") or None


def event_card(event: Event, *, with_media: bool = True) -> dict:
    """What the console shows of an event (live feed, browser, timeline); JSON-ready."""
    camera = event.camera
    site = camera.dvr.site if camera is not None else None
    crop = face_crop_path(event)
    return {
        "kind": "event",
        "id": str(event.id),
        "event_type": event.event_type,
        "event_type_label": event.get_event_type_display(),
        "timestamp": event.timestamp.isoformat(),
        "confidence": float(event.confidence),
        "camera": {"id": str(camera.id), "name": camera.name} if camera else None,
        "site": {"id": str(site.id), "name": site.name} if site else None,
        "person": {"id": str(event.person_id), "name": str(event.person)} if event.person_id else None,
        "cluster": {"id": str(event.cluster_id), "label": str(event.cluster)} if event.cluster_id else None,
        "reviewed": event.reviewed,
        "snapshot": media_url(event.image_path) if with_media and event.image_path else None,
        "crop": media_url(crop) if with_media and crop else None,
        "bbox": normalised_box(event.bounding_box),
    }
