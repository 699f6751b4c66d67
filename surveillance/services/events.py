"""Recording detection events: the one bulk path every producer uses (ingest API, recognition,
stream reader, demo data, benchmark).

Rows go in with PostgreSQL COPY (the partitioned parent routes each row to its month). What
follows a stored event belongs to the apps above this one, which register themselves here
instead of being imported (surveillance is the base domain app):

- enrichers run before the COPY and may fill in fields of the events (e.g. the AI guard that
  caught a detection);
- processors run after the COPY, inside the same transaction, and return the alerts they raised
  (the rule engine, behaviour analytics), so an event never exists without its consequences;
- `events_recorded` (surveillance.signals) is sent once the transaction commits (live feeds).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from accounts.services.rls import copy_rows
from surveillance.models import Event
from surveillance.signals import events_recorded

EVENT_COLUMNS = (
    "id",
    "camera_id",
    "event_type",
    "person_id",
    "cluster_id",
    "confidence",
    "bounding_box",
    "image_path",
    "video_clip_path",
    "timestamp",
    "frame_number",
    "metadata",
    "reviewed",
    "review_action",
    "created_at",
)

EventEnricher = Callable[[Sequence[Event]], None]
EventProcessor = Callable[[Sequence[Event]], list]

# (order, name, callable): ordered so that, e.g., analytics can see the rule engine's alerts.
_enrichers: list[tuple[int, str, EventEnricher]] = []
_processors: list[tuple[int, str, EventProcessor]] = []


def _register(registry: list, name: str, func: Callable, order: int) -> None:
    # Idempotent by name: AppConfig.ready() may run more than once in tests.
    registry[:] = [entry for entry in registry if entry[1] != name]
    registry.append((order, name, func))
    registry.sort(key=lambda entry: (entry[0], entry[1]))


def register_event_enricher(name: str, enricher: EventEnricher, *, order: int = 100) -> None:
    """`enricher(events)` runs before the events are written and may set their fields."""
    _register(_enrichers, name, enricher, order)


def register_event_processor(name: str, processor: EventProcessor, *, order: int = 100) -> None:
    """`processor(events)` runs after the events are written, in the same transaction, and
    returns the alerts it created (a list, possibly empty)."""
    _register(_processors, name, processor, order)


def _row(event: Event, now) -> tuple:
    return (
        event.id,
        event.camera_id,
        event.event_type,
        event.person_id,
        event.cluster_id,
        event.confidence,
        Jsonb(event.bounding_box),
        event.image_path,
        event.video_clip_path,
        event.timestamp,
        event.frame_number,
        Jsonb(event.metadata or {}),
        event.reviewed,
        event.review_action,
        event.created_at or now,
    )


def copy_events(events: Iterable[Event]) -> int:
    """COPY the events into the partitioned table; nothing else runs. Returns the row count."""
    now = timezone.now()
    count = 0
    # copy_rows: plain COPY, or (where row-level security applies) COPY via a staging table.
    with connection.cursor() as cursor, copy_rows(cursor, "events", EVENT_COLUMNS) as copy:
        for event in events:
            if event.id is None:
                event.id = uuid.uuid4()
            copy.write_row(_row(event, now))
            count += 1
    return count


def record_events(events: Sequence[Event], evaluate_rules: bool = True) -> list:
    """Store events and run what follows them (enrichers, processors), atomically. Returns the
    alerts the processors raised. `evaluate_rules=False` stores the events with their enrichment
    but raises nothing (demo history, fixtures)."""
    if not events:
        return []
    with transaction.atomic():
        for _, _, enrich in _enrichers:
            enrich(events)
        copy_events(events)
        alerts: list = []
        if evaluate_rules:
            for _, _, process in _processors:
                alerts.extend(process(events))
        if events_recorded.receivers:
            batch = list(events)
            transaction.on_commit(lambda: events_recorded.send_robust(sender=Event, events=batch))
        return alerts
