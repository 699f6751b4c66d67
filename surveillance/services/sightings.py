"""Finding events: the event browser, exports and person/cluster timelines.

Every search is bounded by a time range (so PostgreSQL prunes monthly partitions), scoped by
`policy.restrict`, ordered newest first and paged by keyset (timestamp, id) instead of OFFSET
and COUNT(*), which is what stays fast at tens of millions of rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

from django.db.models import Q, QuerySet, prefetch_related_objects

from surveillance.models import Event
from surveillance.services.media_access import media_url

# The newest sightings of a timeline get a card; older ones are dots.
TIMELINE_CARDS = 120
# What event_card reads of an event.
CARD_FIELDS = (
    "id",
    "camera",
    "event_type",
    "timestamp",
    "confidence",
    "person",
    "cluster",
    "reviewed",
    "image_path",
    "bounding_box",
    "metadata",
)

MAX_BROWSE_RANGE = dt.timedelta(days=92)
MAX_TIMELINE_RANGE = dt.timedelta(days=366)
EXPORT_LIMIT = 100_000


class RangeError(ValueError):
    """A time range the event store will not search (unbounded, inverted or too long)."""


def event_query(
    since: dt.datetime,
    until: dt.datetime,
    *,
    site=None,
    camera=None,
    event_type: str | None = None,
    person=None,
    clusters=(),
    reviewed: bool | None = None,
) -> dict:
    """The parameters of the API's event filter (surveillance.rest.filters.EventFilter) for a
    console search: both ways in narrow events with that one FilterSet."""
    query = {"timestamp_after": since.isoformat(), "timestamp_before": until.isoformat()}
    optional = {
        "site": site,
        "camera": camera,
        "event_type": [event_type] if event_type else None,
        "person": person,
        "cluster": ",".join(str(c) for c in clusters) if clusters else None,
        "reviewed": None if reviewed is None else str(reviewed).lower(),
    }
    query.update({key: value if isinstance(value, list) else str(value) for key, value in optional.items() if value})
    return query


def check_range(since: dt.datetime, until: dt.datetime, longest: dt.timedelta = MAX_BROWSE_RANGE) -> None:
    if until <= since:
        raise RangeError("the end of the time range must be after its start")
    if until - since > longest:
        raise RangeError(f"the time range may span at most {longest.days} days")


def matching_events(user, query: dict, longest: dt.timedelta = MAX_BROWSE_RANGE) -> QuerySet:
    """The user's events matching the query (see event_query), newest first (a lazy queryset)."""
    from surveillance.rest.filters import EventFilter

    events = EventFilter(query, queryset=Event.objects.restrict(user))
    if not events.is_valid():
        raise RangeError("; ".join(f"{name}: {' '.join(errors)}" for name, errors in events.errors.items()))
    window = events.form.cleaned_data["timestamp"]
    if window is None or window.start is None or window.stop is None:
        raise RangeError("a search needs the start and the end of its time range")
    check_range(window.start, window.stop, longest)
    return events.qs.order_by("-timestamp", "-id")


def find_events(user, query: dict, *, before: tuple[dt.datetime, uuid.UUID] | None = None, limit: int = 50):
    """One page of events, and the cursor of the next (older) page or None."""
    events = matching_events(user, query)
    if before is not None:
        at, event_id = before
        events = events.filter(Q(timestamp__lt=at) | Q(timestamp=at, id__lt=event_id))
    page = list(events.select_related("camera__dvr__site", "person", "cluster")[: limit + 1])
    cursor = (page[limit - 1].timestamp, page[limit - 1].id) if len(page) > limit else None
    return page[:limit], cursor


def sightings(user, query: dict, limit: int = 1000) -> tuple[list[Event], bool]:
    """A person's or cluster's sightings for a timeline, oldest first; also whether older ones
    were left out because of `limit`."""
    # Up to a thousand rows: only what a dot and a card show is loaded (a camera's full row
    # would decrypt its stream URL for every sighting), and the newest rows' persons and clusters
    # come in one query each.
    events = list(
        matching_events(user, query, longest=MAX_TIMELINE_RANGE)
        .select_related("camera__dvr__site")
        .only(*CARD_FIELDS, "camera__name", "camera__dvr__site__name")[: limit + 1]
    )
    shown = list(reversed(events[:limit]))
    prefetch_related_objects(shown[-TIMELINE_CARDS:], "person", "cluster")
    return shown, len(events) > limit


def export_events(user, query: dict) -> Iterator[list]:
    """Rows for a CSV export (header first), at most EXPORT_LIMIT events."""
    yield ["timestamp", "event_type", "site", "camera", "person", "cluster", "confidence", "reviewed", "event_id"]
    events = (
        matching_events(user, query)
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
