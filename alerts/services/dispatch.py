"""Which channels hear of an alert, recorded in the alert's own transaction (an outbox).

Delivery rows are inserted with the alert; their Celery tasks (queue `notifications`) are sent
only after the commit. If the broker is briefly away at that moment, the rows stay pending and
`resume_pending_deliveries` (Celery beat) sends them later, so nothing is lost and nothing is
sent for an alert that was rolled back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from alerts.models import DeliveryStatus, NotificationChannel, NotificationDelivery
from orin import degraded

logger = logging.getLogger(__name__)

# A pending delivery whose task should have run by now is sent again after this long.
STALE_AFTER = dt.timedelta(seconds=60)


def plan_deliveries(pairs: Iterable[tuple], purpose: str, escalation_level: int = 0) -> list[NotificationDelivery]:
    """One pending delivery per (alert id, channel id); a pair planned before is left alone."""
    rows = [
        NotificationDelivery(
            alert_id=alert_id, channel_id=channel_id, purpose=purpose, escalation_level=escalation_level
        )
        for alert_id, channel_id in pairs
    ]
    if not rows:
        return []
    # ignore_conflicts: escalation or a re-run task may plan the same pair twice; the unique
    # constraint keeps one. A skipped row's task finds nothing to do.
    NotificationDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: enqueue_deliveries(ids))
    return rows


def system_channel_ids() -> list:
    """Active channels that take alerts raised without a rule."""
    return list(
        NotificationChannel.objects.filter(is_active=True, receives_system_alerts=True).values_list("id", flat=True)
    )


def plan_system_deliveries(alert_ids: list, purpose: str) -> None:
    channels = system_channel_ids() if alert_ids else []
    plan_deliveries([(a, c) for a in alert_ids for c in channels], purpose)


def enqueue_deliveries(delivery_ids: Iterable, countdown: float | None = None) -> int:
    """Send a delivery task per id; returns how many were sent. The broker away: the first
    failure stops the batch (each try would wait for the broker again), the rows stay pending
    and resume_pending_deliveries sends them once it is back."""
    from alerts.tasks import deliver_notification

    sent = 0
    for delivery_id in delivery_ids:
        try:
            deliver_notification.apply_async((str(delivery_id),), countdown=countdown)
            sent += 1
        except Exception as exc:  # noqa: BLE001 - the rows stay pending for the sweep
            degraded.note("notification_queue", exc)
            break
    return sent


def resume_pending_deliveries(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Re-send the tasks of deliveries that should have run by now (lost message, dead worker)."""
    now = now or timezone.now()
    stale = now - STALE_AFTER
    due = NotificationDelivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]).filter(
        next_attempt_at__lt=stale
    ) | NotificationDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__isnull=True, created_at__lt=stale
    )
    ids = list(due.order_by("created_at").values_list("id", flat=True)[:limit])
    return enqueue_deliveries(ids)
