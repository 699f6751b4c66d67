"""Recording detection events: the one bulk path every producer uses (ingest API, recognition,
stream reader, demo data, benchmark).

Rows go in with PostgreSQL COPY (the partitioned parent routes each row to its month), and
alert rules are evaluated for the same rows inside the same transaction, so an event never
exists without the alerts it should have raised.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

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
    """COPY the events into the partitioned table; no rule evaluation. Returns the row count."""
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
    """Store events and raise the alerts their rules call for, atomically. Returns the new alerts."""
    from alerts.services.rules import evaluate_events

    with transaction.atomic():
        copy_events(events)
        alerts = evaluate_events(events) if evaluate_rules else []
        if events_recorded.receivers:
            batch = list(events)
            transaction.on_commit(lambda: events_recorded.send_robust(sender=Event, events=batch))
        return alerts


def record_event(event: Event, evaluate_rules: bool = True) -> list:
    return record_events([event], evaluate_rules)
