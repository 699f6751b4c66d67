"""Alert lifecycle: every state change goes through here (audit, live feeds and notifications
hang off these functions, so no caller may set `Alert.status` by hand).

pending → sent → acknowledged → resolved, and pending/sent/acknowledged → ignored.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from alerts.models import Alert, AlertStatus


class TransitionError(Exception):
    """An alert cannot move to the requested state; the message says why, for the operator."""


ALLOWED = {
    AlertStatus.PENDING: {AlertStatus.SENT, AlertStatus.ACKNOWLEDGED, AlertStatus.IGNORED},
    AlertStatus.SENT: {AlertStatus.ACKNOWLEDGED, AlertStatus.IGNORED},
    AlertStatus.ACKNOWLEDGED: {AlertStatus.RESOLVED, AlertStatus.IGNORED},
    AlertStatus.RESOLVED: set(),
    AlertStatus.IGNORED: set(),
}


def raise_alert(*, camera, alert_type: str, severity: str, message: str, event=None, person=None, rule=None) -> Alert:
    """Create an alert outside rule evaluation (system alerts such as a camera going offline)."""
    return Alert.objects.create(
        camera=camera,
        alert_type=alert_type[:50],
        severity=severity,
        message=message,
        event_id=getattr(event, "id", event),
        person=person,
        alert_rule=rule,
    )


def _transition(alert: Alert, target: str, user=None, note: str = "") -> Alert:
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if target not in ALLOWED[locked.status]:
            raise TransitionError(
                f"alert is {locked.get_status_display().lower()}; it cannot become {AlertStatus(target).label.lower()}"
            )
        now = timezone.now()
        locked.status = target
        if target == AlertStatus.SENT:
            locked.sent_at = now
        elif target == AlertStatus.ACKNOWLEDGED:
            locked.acknowledged_by, locked.acknowledged_at = user, now
        elif target in (AlertStatus.RESOLVED, AlertStatus.IGNORED):
            locked.resolved_by, locked.resolved_at = user, now
        locked.save()
    return locked


def mark_sent(alert: Alert) -> Alert:
    return _transition(alert, AlertStatus.SENT)


def acknowledge_alert(alert: Alert, user, note: str = "") -> Alert:
    return _transition(alert, AlertStatus.ACKNOWLEDGED, user, note)


def resolve_alert(alert: Alert, user, note: str = "") -> Alert:
    return _transition(alert, AlertStatus.RESOLVED, user, note)


def ignore_alert(alert: Alert, user, note: str = "") -> Alert:
    return _transition(alert, AlertStatus.IGNORED, user, note)
