"""Alerts for what a guard with `notify` on caught (event processor, same transaction)."""

from __future__ import annotations

from collections.abc import Sequence

from alerts.services.lifecycle import raise_alert
from surveillance.models import Camera, Event, EventType, Severity


def notify_guard_catches(events: Sequence[Event]) -> list:
    alerts = []
    caught = [e for e in events if (e.metadata or {}).get("guard_notify")]
    if not caught:
        return alerts
    cameras = Camera.objects.in_bulk({e.camera_id for e in caught})
    for event in caught:
        metadata = event.metadata
        what = metadata.get("label", "motion")
        severity = Severity.LOW if event.event_type == EventType.MOTION_DETECTED else Severity.MEDIUM
        alerts.append(
            raise_alert(
                camera=cameras.get(event.camera_id),
                alert_type=f"guard_{event.event_type}",
                severity=severity,
                message=f"{metadata.get('guard_name', 'guard')}: {what} on {cameras.get(event.camera_id)}",
                event=event,
            )
        )
    return alerts
