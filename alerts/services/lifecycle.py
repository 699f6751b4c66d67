"""Alert lifecycle: every state change goes through here (history rows, live feeds and
notifications hang off these functions, so no caller may set `Alert.status` by hand).

pending → sent → acknowledged → resolved, and pending/sent/acknowledged → ignored; pending may
be acknowledged before its notifications went out. Each transition locks the alert, writes an
`AlertTransition` (who, when, note) and announces `alert_changed` after commit. Escalation
(`escalate_due_alerts`) raises the level of alerts nobody acknowledged in time and notifies the
rule's escalation channels, once per level.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from alerts.models import Alert, AlertRule, AlertStatus, AlertTransition, DeliveryPurpose
from alerts.signals import announce


class TransitionError(Exception):
    """An alert cannot move to the requested state; the message says why, for the operator."""


ALLOWED = {
    AlertStatus.PENDING: {AlertStatus.SENT, AlertStatus.ACKNOWLEDGED, AlertStatus.IGNORED},
    AlertStatus.SENT: {AlertStatus.ACKNOWLEDGED, AlertStatus.IGNORED},
    AlertStatus.ACKNOWLEDGED: {AlertStatus.RESOLVED, AlertStatus.IGNORED},
    AlertStatus.RESOLVED: set(),
    AlertStatus.IGNORED: set(),
}
NOTE_MAX_CHARS = 2000


def raise_alert(*, camera, alert_type: str, severity: str, message: str, event=None, person=None, rule=None) -> Alert:
    """Create an alert outside rule evaluation (system alerts such as a camera going offline);
    channels that take system alerts are notified after commit."""
    from alerts.services.dispatch import plan_deliveries, plan_system_deliveries

    now = timezone.now()
    with transaction.atomic():
        alert = Alert.objects.create(
            camera=camera,
            alert_type=alert_type[:50],
            severity=severity,
            message=message,
            event_id=getattr(event, "id", event),
            person=person,
            alert_rule=rule,
            first_seen=getattr(event, "timestamp", None) or now,
            last_seen=getattr(event, "timestamp", None) or now,
            confidence=getattr(event, "confidence", None),
            snapshot_path=getattr(event, "image_path", None),
        )
        announce([alert], "created")
        if rule is not None:
            channels = rule.channels.filter(is_active=True).values_list("id", flat=True)
            plan_deliveries([(alert.pk, c) for c in channels], DeliveryPurpose.ALERT)
        else:
            plan_system_deliveries([alert.pk], DeliveryPurpose.ALERT)
    return alert


def raise_camera_offline_alert(sender, *, camera, message: str, **kwargs) -> Alert:
    """surveillance.signals.camera_offline receiver: the system alert for an outage."""
    from surveillance.services.health import CAMERA_OFFLINE_ALERT

    return raise_alert(camera=camera, alert_type=CAMERA_OFFLINE_ALERT, severity="high", message=message)


def _refusal(alert: Alert, target: str) -> str:
    current = alert.get_status_display().lower()
    wanted = AlertStatus(target).label.lower()
    if current == wanted:
        return f"alert is already {current}"
    if alert.status in (AlertStatus.RESOLVED, AlertStatus.IGNORED):
        return f"alert is {current}; a closed alert cannot become {wanted}"
    if target == AlertStatus.RESOLVED:
        return f"alert is {current}; acknowledge it before resolving it"
    return f"alert is {current}; it cannot become {wanted}"


def _transition(alert: Alert, target: str, user=None, note: str = "") -> Alert:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise TransitionError(f"the note is too long ({len(note)} characters, at most {NOTE_MAX_CHARS})")
    if target in (AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED, AlertStatus.IGNORED) and user is None:
        raise TransitionError(f"someone must be named to mark an alert {AlertStatus(target).label.lower()}")
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if target not in ALLOWED[locked.status]:
            raise TransitionError(_refusal(locked, target))
        now = timezone.now()
        previous = locked.status
        locked.status = target
        fields = ["status"]
        if target == AlertStatus.SENT:
            locked.sent_at = locked.sent_at or now
            fields.append("sent_at")
        elif target == AlertStatus.ACKNOWLEDGED:
            locked.acknowledged_by, locked.acknowledged_at = user, now
            fields += ["acknowledged_by", "acknowledged_at"]
        else:
            locked.resolved_by, locked.resolved_at = user, now
            fields += ["resolved_by", "resolved_at"]
        locked.save(update_fields=fields)
        AlertTransition.objects.create(
            alert=locked,
            action=target,
            from_status=previous,
            to_status=target,
            user=user,
            note=note,
            created_at=now,
        )
        announce([locked], "status")
    return locked


def resolve_by_system(alert: Alert, note: str) -> Alert | None:
    """The condition behind a system alert has ended (e.g. an offline camera sends again): an open
    alert becomes resolved with no user, and its transition row carries `note`. None when the
    alert was closed already."""
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if locked.status in (AlertStatus.RESOLVED, AlertStatus.IGNORED):
            return None
        now, previous = timezone.now(), locked.status
        locked.status, locked.resolved_at = AlertStatus.RESOLVED, now
        locked.save(update_fields=["status", "resolved_at"])
        AlertTransition.objects.create(
            alert=locked,
            action=AlertStatus.RESOLVED,
            from_status=previous,
            to_status=AlertStatus.RESOLVED,
            user=None,
            note=note[:NOTE_MAX_CHARS],
            created_at=now,
        )
        announce([locked], "status")
    return locked


def mark_sent(alert: Alert) -> Alert:
    return _transition(alert, AlertStatus.SENT)


def acknowledge_alert(alert: Alert, user, note: str = "") -> Alert:
    return _transition(alert, AlertStatus.ACKNOWLEDGED, user, note)


def resolve_alert(alert: Alert, user, note: str = "") -> Alert:
    return _transition(alert, AlertStatus.RESOLVED, user, note)


def ignore_alert(alert: Alert, user, note: str = "") -> Alert:
    return _transition(alert, AlertStatus.IGNORED, user, note)


def record_notification_sent(alert_id) -> None:
    """A notification reached someone: pending → sent; otherwise only note the first sent time."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert_id)
        if alert.status == AlertStatus.PENDING:
            _transition(alert, AlertStatus.SENT)
        elif alert.sent_at is None:
            alert.sent_at = timezone.now()
            alert.save(update_fields=["sent_at"])
            announce([alert], "updated")


_DUE_SQL = """
    SELECT a.id
      FROM alerts a
      JOIN alert_rules r ON r.id = a.alert_rule_id
     WHERE a.status IN ('pending', 'sent')
       AND r.escalate_after_seconds IS NOT NULL
       AND a.escalation_level < r.max_escalation_level
       AND a.created_at + make_interval(secs => r.escalate_after_seconds * (a.escalation_level + 1)) <= %s
     ORDER BY a.created_at
     LIMIT %s
       FOR UPDATE OF a SKIP LOCKED
"""


def escalate_due_alerts(now: dt.datetime | None = None, limit: int = 200) -> list[Alert]:
    """Escalate every unacknowledged alert whose rule's delay has passed (one level per period).

    Rows are claimed with SKIP LOCKED and the level is raised in the same transaction, so two
    overlapping runs (beat on two machines, a slow run) never escalate one alert twice.
    """
    from alerts.services.dispatch import plan_deliveries

    now = now or timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_DUE_SQL, [now, limit])
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return []
        alerts = list(Alert.objects.filter(id__in=ids).select_related("alert_rule"))
        channels: dict = {}
        through = AlertRule.escalation_channels.through.objects.filter(
            alertrule_id__in={a.alert_rule_id for a in alerts}, notificationchannel__is_active=True
        )
        for rule_id, channel_id in through.values_list("alertrule_id", "notificationchannel_id"):
            channels.setdefault(rule_id, []).append(channel_id)
        for alert in alerts:
            overdue = alert.alert_rule.escalate_after_seconds * (alert.escalation_level + 1)
            alert.escalation_level += 1
            alert.escalated_at = now
            alert.save(update_fields=["escalation_level", "escalated_at"])
            AlertTransition.objects.create(
                alert=alert,
                action=AlertTransition.Action.ESCALATED,
                from_status=alert.status,
                to_status=alert.status,
                escalation_level=alert.escalation_level,
                note=f"not acknowledged {overdue} s after it was raised",
                created_at=now,
            )
            plan_deliveries(
                [(alert.pk, c) for c in channels.get(alert.alert_rule_id, [])],
                DeliveryPurpose.ESCALATION,
                escalation_level=alert.escalation_level,
            )
        announce(alerts, "escalated")
    return alerts
