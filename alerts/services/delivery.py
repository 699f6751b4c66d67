"""One delivery attempt: claim the row, respect the channel's rate limit, send outside any
transaction, record the outcome, and say when to try again.

Retries: `retry_count` attempts in all, `retry_backoff_seconds` doubling after each failure;
only failures worth repeating (timeouts, connection errors, HTTP 408/429/5xx, SMTP 4xx) are
retried. The claim (status `sending` with a lease in `next_attempt_at`) makes a duplicate task
a no-op, and a worker that dies mid-send leaves a lease that expires into a retry.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import os
import socket
import time
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from alerts.models import AlertStatus, DeliveryPurpose, DeliveryStatus, NotificationDelivery
from alerts.services import ratelimit
from alerts.services.channels import delivery_settings
from alerts.services.preferences import personal_block_reason
from alerts.services.templates import alert_context, render
from alerts.services.transports import OutgoingMessage, SendResult, Snapshot, send

logger = logging.getLogger(__name__)

LEASE_GRACE = dt.timedelta(seconds=30)
MAX_SNAPSHOT_BYTES = 10 * 1024 * 1024
FINAL = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
# An alert someone already dealt with is not worth a notification any more.
HANDLED = {
    DeliveryPurpose.ALERT: (AlertStatus.RESOLVED, AlertStatus.IGNORED),
    DeliveryPurpose.ESCALATION: (AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED, AlertStatus.IGNORED),
}


@dataclass(slots=True)
class Outcome:
    status: str
    retry_in: float | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim(delivery_id, now: dt.datetime, worker: str = "") -> tuple[NotificationDelivery | None, Outcome | None]:
    """Lock the row and decide: (delivery to send, None) or (None, outcome without sending)."""
    delivery = (
        NotificationDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("channel", "channel__owner", "alert__camera__dvr__site", "alert__person", "alert__cluster")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return None, Outcome("missing")
    if delivery.status in FINAL:
        return None, Outcome(delivery.status)
    if delivery.next_attempt_at and delivery.next_attempt_at > now + dt.timedelta(seconds=0.5):
        # A duplicate or early task: the row knows when its next attempt is due.
        if delivery.status == DeliveryStatus.SENDING:
            return None, Outcome("busy")
        return None, Outcome("waiting", retry_in=(delivery.next_attempt_at - now).total_seconds())
    channel = delivery.channel
    settings = delivery_settings(channel.config)
    delivery.max_attempts = settings.retry_count
    reason = None
    if not channel.is_active:
        reason = "the channel is inactive"
    elif delivery.alert is not None and delivery.alert.status in HANDLED.get(delivery.purpose, ()):
        reason = f"the alert is already {delivery.alert.status}"
    elif delivery.purpose != DeliveryPurpose.TEST:
        reason = personal_block_reason(channel, delivery.alert, now)
    if reason:
        delivery.status, delivery.error, delivery.next_attempt_at = DeliveryStatus.SKIPPED, reason, None
        delivery.save(update_fields=["status", "error", "next_attempt_at", "max_attempts"])
        return None, Outcome(DeliveryStatus.SKIPPED)
    delivery.worker = (worker or worker_name())[:200]
    wait = ratelimit.acquire(channel.pk, settings.rate_limit_per_min)
    if wait > 0:
        delivery.next_attempt_at = now + dt.timedelta(seconds=wait)
        delivery.detail = {**delivery.detail, "rate_limited": delivery.detail.get("rate_limited", 0) + 1}
        delivery.save(update_fields=["next_attempt_at", "detail", "max_attempts", "worker"])
        return None, Outcome("rate_limited", retry_in=wait)
    delivery.attempts += 1
    delivery.status = DeliveryStatus.SENDING
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now
    delivery.next_attempt_at = now + dt.timedelta(seconds=settings.timeout_seconds) + LEASE_GRACE
    delivery.save(
        update_fields=[
            "attempts",
            "status",
            "first_attempt_at",
            "last_attempt_at",
            "next_attempt_at",
            "worker",
            "max_attempts",
        ]
    )
    return delivery, None


def load_snapshot(path: str | None) -> Snapshot | None:
    if not path:
        return None
    try:
        with default_storage.open(path, "rb") as handle:
            content = handle.read(MAX_SNAPSHOT_BYTES + 1)
    except (OSError, ValueError) as exc:
        logger.warning("snapshot %s unavailable for a notification: %s", path, exc)
        return None
    if len(content) > MAX_SNAPSHOT_BYTES:
        return None
    name = PurePosixPath(path).name
    return Snapshot(name, content, mimetypes.guess_type(name)[0] or "application/octet-stream")


def build_message(delivery: NotificationDelivery) -> OutgoingMessage:
    alert = delivery.alert
    channel = delivery.channel
    if alert is None:
        context = {"alert_type": "test", "message": f"Test message from ORIN for channel “{channel.name}”."}
        payload = {"event": "test", "delivery_id": str(delivery.pk), "channel": channel.name, "context": context}
        return OutgoingMessage(context["message"], "[ORIN] test message", payload, None, str(delivery.pk))
    context = alert_context(alert)
    config = getattr(
        channel,
        {"telegram": "telegram", "whatsapp": "whatsapp", "email": "email"}.get(channel.channel_type, "webhook"),
        None,
    )
    template = getattr(config, "message_template", None) or "{{alert_type}}: {{message}}"
    text = render(template, context)
    if delivery.purpose == DeliveryPurpose.ESCALATION:
        text = f"ESCALATION level {delivery.escalation_level} — not acknowledged: {text}"
    payload = {
        "event": "alert.escalated" if delivery.purpose == DeliveryPurpose.ESCALATION else "alert.created",
        "delivery_id": str(delivery.pk),
        "alert": webhook_alert(alert),
        "context": context,
    }
    return OutgoingMessage(
        text,
        f"[ORIN] {alert.severity} {alert.alert_type}",
        payload,
        load_snapshot(alert.snapshot_path),
        str(delivery.pk),
    )


def webhook_alert(alert) -> dict:
    camera = alert.camera
    site = camera.dvr.site

    def iso(value):
        return value.isoformat() if value else None

    return {
        "id": str(alert.pk),
        "type": alert.alert_type,
        "severity": alert.severity,
        "status": alert.status,
        "message": alert.message,
        "rule_id": str(alert.alert_rule_id) if alert.alert_rule_id else None,
        "event_id": str(alert.event_id) if alert.event_id else None,
        "camera": {"id": str(camera.pk), "name": camera.name, "location": camera.location},
        "site": {"id": str(site.pk), "name": site.name},
        "person": {"id": str(alert.person_id), "name": alert.person.name} if alert.person_id else None,
        "cluster": {"id": str(alert.cluster_id), "label": alert.cluster.cluster_label} if alert.cluster_id else None,
        "confidence": float(alert.confidence) if alert.confidence is not None else None,
        "occurrences": alert.occurrences,
        "first_seen": iso(alert.first_seen),
        "last_seen": iso(alert.last_seen),
        "created_at": iso(alert.created_at),
        "escalation_level": alert.escalation_level,
        "snapshot": alert.snapshot_path,
    }


def _record(delivery_id, result: SendResult, duration_ms: int, max_attempts: int, backoff: float) -> Outcome:
    from alerts.services.lifecycle import record_notification_sent

    now = timezone.now()
    with transaction.atomic():
        delivery = NotificationDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.response_code = result.status_code
        delivery.duration_ms = duration_ms
        delivery.detail = {**delivery.detail, **result.detail}
        outcome = Outcome(DeliveryStatus.DELIVERED)
        if result.ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
            delivery.error = ""
        elif result.retryable and delivery.attempts < max_attempts:
            delivery.status, delivery.error = DeliveryStatus.PENDING, result.error
            delivery.next_attempt_at = now + dt.timedelta(seconds=backoff)
            outcome = Outcome(DeliveryStatus.PENDING, retry_in=backoff)
        else:
            delivery.status, delivery.error, delivery.next_attempt_at = DeliveryStatus.FAILED, result.error, None
            outcome = Outcome(DeliveryStatus.FAILED)
        delivery.save()
        if result.ok and delivery.alert_id and delivery.purpose == DeliveryPurpose.ALERT:
            record_notification_sent(delivery.alert_id)
    return outcome


def attempt_delivery(delivery_id, worker: str = "") -> Outcome:
    """Run one attempt of a delivery (a Celery task calls this); returns what happened and when
    to try again, if ever."""
    with transaction.atomic():
        delivery, outcome = _claim(delivery_id, timezone.now(), worker)
    if delivery is None:
        return outcome
    settings = delivery_settings(delivery.channel.config)
    try:
        message = build_message(delivery)
        started = time.perf_counter()
        result = send(delivery.channel, message, settings.timeout_seconds, dict(delivery.detail))
    except Exception as exc:  # noqa: BLE001 - a bug here must end as a failed row, not a stuck one
        logger.exception("notification delivery %s crashed", delivery_id)
        started = time.perf_counter()
        result = SendResult(False, error=f"internal error: {type(exc).__name__}")
    duration_ms = int((time.perf_counter() - started) * 1000)
    return _record(delivery_id, result, duration_ms, settings.retry_count, settings.backoff(delivery.attempts))


def send_test_message(channel, timeout_cap: float = 10.0) -> NotificationDelivery:
    """Send one test message now (admin action): a single attempt, recorded as a delivery row."""
    delivery = NotificationDelivery.objects.create(channel=channel, purpose=DeliveryPurpose.TEST)
    settings = delivery_settings(channel.config)
    with transaction.atomic():
        claimed, _ = _claim(delivery.pk, timezone.now())
    if claimed is not None:
        message = build_message(claimed)
        started = time.perf_counter()
        result = send(claimed.channel, message, min(settings.timeout_seconds, timeout_cap), {})
        _record(delivery.pk, result, int((time.perf_counter() - started) * 1000), 1, 0)
    delivery.refresh_from_db()
    return delivery
