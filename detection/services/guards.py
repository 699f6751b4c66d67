"""Which AI guard caught a detection: class, confidence, schedule (site time) and zones.

Runs as an event enricher (registered in DetectionConfig.ready()), so the built-in detector's
events and edge devices' posted ones (`metadata.label`, optional `metadata.track_id`) go through
the same guards. An event keeps a `guard_id` it already carries."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from alerts.services.geometry import anchor_point, parse_polygon, point_in_polygon
from alerts.services.schedules import Window, schedule_window, zone
from detection.models import GuardCamera, GuardType, Verdict
from surveillance.models import Event, EventType

DETECTION_TYPES = (EventType.HUMAN_DETECTED, EventType.OBJECT_DETECTED, EventType.MOTION_DETECTED)
CACHE_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class GuardRule:
    id: uuid.UUID
    name: str
    guard_type: str
    labels: frozenset[str]
    min_confidence: float
    window: Window | None  # None: always
    timezone: str
    polygons: tuple  # this camera's zones; empty: whole frame
    notify: bool

    def catches(self, label: str, confidence: float, bounding_box: dict, at: dt.datetime) -> bool:
        if self.guard_type == GuardType.MOTION:
            if label != "motion":
                return False
        elif label not in self.labels or confidence < self.min_confidence:
            return False
        if self.window is not None and not self.window.contains(at.astimezone(zone(self.timezone))):
            return False
        if self.polygons:
            point = anchor_point(bounding_box)
            return point is not None and any(point_in_polygon(point, polygon) for polygon in self.polygons)
        return True


def compile_guards(camera_id) -> list[GuardRule]:
    """The active guards of a camera, ready for matching (a guard with a broken schedule is off)."""
    rules = []
    assignments = (
        GuardCamera.objects.filter(camera_id=camera_id, guard__is_active=True)
        .select_related("guard__site")
        .prefetch_related("guard__zones")
    )
    for assignment in assignments:
        guard = assignment.guard
        try:
            window = schedule_window(guard.schedule or None)
        except ValidationError:
            continue
        polygons = tuple(
            polygon
            for z in guard.zones.all()
            if z.camera_id == camera_id and z.is_active and (polygon := parse_polygon(z.polygon_points))
        )
        rules.append(
            GuardRule(
                id=guard.id,
                name=guard.name,
                guard_type=guard.guard_type,
                labels=guard.labels,
                min_confidence=guard.min_confidence,
                window=None if window.is_always else window,
                timezone=guard.site.timezone or "UTC",
                polygons=polygons,
                notify=guard.notify,
            )
        )
    # Stricter guards first: a detection credits the most specific guard that catches it.
    rules.sort(key=lambda r: (r.guard_type == GuardType.CUSTOM, -len(r.polygons), r.window is None, -r.min_confidence))
    return rules


_cache: dict = {}


def guards_for(camera_id) -> list[GuardRule]:
    entry = _cache.get(camera_id)
    now = time.monotonic()
    if entry is None or now - entry[0] > CACHE_SECONDS:
        entry = (now, compile_guards(camera_id))
        _cache[camera_id] = entry
    return entry[1]


def clear_guard_cache() -> None:
    _cache.clear()


def event_label(event: Event) -> str | None:
    metadata = event.metadata or {}
    if event.event_type == EventType.MOTION_DETECTED:
        return "motion"
    label = metadata.get("label")
    if isinstance(label, str) and label:
        return label.strip().lower()
    return "person" if event.event_type == EventType.HUMAN_DETECTED else None


def assign_guards(events: Sequence[Event]) -> None:
    """Event enricher: put guard_id / guard_name into the metadata of detections a guard caught."""
    compiled: dict = {}
    for event in events:
        if event.event_type not in DETECTION_TYPES:
            continue
        metadata = event.metadata if isinstance(event.metadata, dict) else {}
        label = event_label(event)
        if "guard_id" in metadata or label is None:
            continue
        if event.camera_id not in compiled:
            compiled[event.camera_id] = compile_guards(event.camera_id)
        for rule in compiled[event.camera_id]:
            if rule.catches(label, float(event.confidence), event.bounding_box, event.timestamp):
                event.metadata = {**metadata, "guard_id": str(rule.id), "guard_name": rule.name}
                if rule.notify:
                    event.metadata["guard_notify"] = True
                break


def with_stats(queryset):
    """Guards annotated with catches, false_positives (latest verdict per event) and reviewed."""
    return queryset.annotate(
        false_positives=Count("reviews", filter=Q(reviews__verdict=Verdict.FALSE_POSITIVE), distinct=True),
        confirmed=Count("reviews", filter=Q(reviews__verdict=Verdict.CONFIRMED), distinct=True),
    )


def guard_catches(guard_ids: Sequence) -> dict[str, int]:
    """Events each guard caught (all time), from the expression index on metadata->>'guard_id'."""
    if not guard_ids:
        return {}
    rows = (
        Event.objects.filter(metadata__guard_id__in=[str(g) for g in guard_ids])
        .values_list("metadata__guard_id")
        .annotate(n=Count("id"))
    )
    return {str(guard_id): n for guard_id, n in rows}


def success_rate(catches: int, false_positives: int) -> float | None:
    """Share of catches not marked false; None before the first catch."""
    if not catches:
        return None
    return round(max(0, catches - false_positives) / catches, 3)
