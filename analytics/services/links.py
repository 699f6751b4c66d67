"""Suspicious activities of given events, for the event browser and the timelines."""

from __future__ import annotations

from collections.abc import Sequence

from surveillance.models import SuspiciousActivityEvent


def activities_of_events(user, events: Sequence) -> dict[str, list[dict]]:
    """{event id: [{"type", "label", "severity"}]} for the activities the user may read."""
    if not events:
        return {}
    stamps = [e.timestamp for e in events]
    rows = (
        SuspiciousActivityEvent.objects.filter(
            event_id__in=[e.id for e in events], timestamp__gte=min(stamps), timestamp__lte=max(stamps)
        )
        .restrict(user)
        .order_by("timestamp")
    )
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(str(row.event_id), []).append(
            {"type": row.activity_type, "label": row.get_activity_type_display(), "severity": row.severity}
        )
    return found
