"""Suspicious activity → alert, as the seed's trigger does: every such event raises one alert
(no rule needed), with the activity's own severity, and is marked `alert_sent`.

`record_suspicious_activities` stores the activities and their alerts in one transaction; a
producer that stores the rows itself calls `evaluate_suspicious_activities` inside its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from alerts.models import Alert, AlertStatus, DeliveryPurpose
from alerts.signals import announce


def suspicious_message(activity, camera_name: str, zone_name: str | None, tz_name: str | None = None) -> str:
    """The seed trigger's wording, the time in the site's timezone to the second."""
    from surveillance.services.localtime import local_time

    where = f' in zone "{zone_name}"' if zone_name else ""
    confidence = round(float(activity.confidence) * 100, 1)
    return (
        f'{activity.activity_type} detected on "{camera_name}"{where} at {local_time(activity.timestamp, tz_name)}. '
        f"Confidence: {confidence}%. Severity: {activity.severity}"
    )


def evaluate_suspicious_activities(activities: Sequence) -> list[Alert]:
    """One alert per activity not yet alerted; sets `alert_sent` on them. Returns the alerts."""
    from alerts.services.dispatch import plan_system_deliveries
    from surveillance.models import Camera, CameraZone

    pending = [a for a in activities if not a.alert_sent]
    if not pending:
        return []
    rows = Camera.objects.filter(id__in={a.camera_id for a in pending}).values_list("id", "name", "dvr__site__timezone")
    cameras = {camera_id: name for camera_id, name, _ in rows}
    site_zones = {camera_id: tz for camera_id, _, tz in rows}
    zone_ids = {a.zone_id for a in pending if a.zone_id}
    zones = dict(CameraZone.objects.filter(id__in=zone_ids).values_list("id", "name")) if zone_ids else {}
    now = timezone.now()
    alerts = []
    for activity in pending:
        if activity.id is None:
            activity.id = uuid.uuid4()
        alerts.append(
            Alert(
                event_id=activity.event_id,
                camera_id=activity.camera_id,
                alert_type=f"suspicious_activity_{activity.activity_type}"[:50],
                severity=activity.severity,
                message=suspicious_message(
                    activity,
                    cameras.get(activity.camera_id, "?"),
                    zones.get(activity.zone_id),
                    site_zones.get(activity.camera_id),
                ),
                status=AlertStatus.PENDING,
                created_at=now,
                first_seen=activity.timestamp,
                last_seen=activity.timestamp,
                confidence=activity.confidence,
                snapshot_path=activity.image_path,
            )
        )
        activity.alert_sent = True
    with transaction.atomic():
        Alert.objects.bulk_create(alerts)
        announce(alerts, "created")
        plan_system_deliveries([a.pk for a in alerts], DeliveryPurpose.ALERT)
    return alerts


def record_suspicious_activities(activities: Sequence) -> list[Alert]:
    """Store suspicious activity events and raise their alerts atomically; returns the alerts."""
    from surveillance.models import SuspiciousActivityEvent

    with transaction.atomic():
        alerts = evaluate_suspicious_activities(activities)
        SuspiciousActivityEvent.objects.bulk_create(activities)
    return alerts
