"""What the system does by itself (Celery beat, `incidents.tasks`): open incidents by each
site's auto-open policies, and mark and announce SLA breaches.

Both are safe to run twice at once: alerts are claimed with SKIP LOCKED and an alert can be in
one incident only (unique row), breaches are claimed the same way and stamped once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from alerts.models import Alert, AlertStatus
from incidents.models import AutoOpenKind, AutoOpenPolicy, Incident, IncidentStatus, MessageKind
from incidents.services.actions import IncidentError, open_incident, post_message
from surveillance.models import SEVERITY_RANK, Camera
from surveillance.services.localtime import local_time

logger = logging.getLogger(__name__)

SEVERITY_ORDER = list(SEVERITY_RANK)  # low … critical
SLA_ALERT_TYPE = "incident_sla_breach"
# Alerts older than this are history, not a reason to open an incident now.
LOOKBACK = dt.timedelta(hours=24)


def severities_from(lowest: str) -> list[str]:
    return SEVERITY_ORDER[SEVERITY_ORDER.index(lowest) :] if lowest in SEVERITY_ORDER else ["critical"]


def _candidates(policy: AutoOpenPolicy, now: dt.datetime):
    return (
        Alert.objects.filter(
            camera__dvr__site_id=policy.site_id,
            severity__in=severities_from(policy.severity),
            incident_link__isnull=True,
            created_at__gte=now - LOOKBACK,
        )
        .exclude(alert_type=SLA_ALERT_TYPE)
        .select_related("camera")
    )


def apply_policy(policy: AutoOpenPolicy, now: dt.datetime | None = None) -> list[Incident]:
    now = now or timezone.now()
    opened = []
    if policy.kind == AutoOpenKind.UNACKNOWLEDGED:
        due = _candidates(policy, now).filter(
            status__in=[AlertStatus.PENDING, AlertStatus.SENT],
            created_at__lte=now - dt.timedelta(minutes=policy.minutes),
        )
        groups = [[alert] for alert in due.order_by("created_at")[:50]]
        reason = f"not acknowledged within {policy.minutes} min"
    else:
        recent = _candidates(policy, now).filter(
            created_at__gte=now - dt.timedelta(minutes=policy.minutes),
            status__in=[AlertStatus.PENDING, AlertStatus.SENT, AlertStatus.ACKNOWLEDGED],
        )
        per_camera: dict = defaultdict(list)
        for alert in recent.order_by("created_at")[:2000]:
            per_camera[alert.camera_id].append(alert)
        groups = [alerts for alerts in per_camera.values() if len(alerts) >= policy.alert_count]
        reason = f"{policy.alert_count}+ alerts within {policy.minutes} min"
    for alerts in groups:
        incident = _open_for(policy, alerts, reason)
        if incident is not None:
            opened.append(incident)
    return opened


def _open_for(policy: AutoOpenPolicy, alerts: list[Alert], reason: str) -> Incident | None:
    first = alerts[0]
    with transaction.atomic():
        # Claim the alerts; another run holding them (or having attached them) wins.
        claimed = list(
            Alert.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=[a.pk for a in alerts], incident_link__isnull=True)
            .values_list("pk", flat=True)
        )
        if len(claimed) != len(alerts):
            return None
        try:
            return open_incident(
                user=None,
                title=f"{first.alert_type.replace('_', ' ')} at {first.camera.name}: {reason}"[:200],
                description=f"Opened by the auto-open policy “{policy.name}”.",
                site=policy.site_id,
                alert_ids=claimed,
                incident_type=policy.incident_type,
                priority=policy.priority,
                opened_by_policy=policy,
            )
        except IncidentError:
            logger.exception("auto-open policy %s could not open an incident", policy.pk)
            return None


def apply_policies(now: dt.datetime | None = None) -> list[Incident]:
    opened = []
    for policy in AutoOpenPolicy.objects.filter(is_active=True).select_related("site", "incident_type"):
        opened += apply_policy(policy, now)
    return opened


def _claim(field_due: str, field_breached: str, statuses, now: dt.datetime, limit: int) -> list[Incident]:
    return list(
        Incident.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("site", "camera")
        .filter(status__in=statuses, **{f"{field_due}__lte": now, f"{field_breached}__isnull": True})
        .order_by(field_due)[:limit]
    )


def check_sla_breaches(now: dt.datetime | None = None, limit: int = 200) -> list[tuple[Incident, str]]:
    """Stamp every incident past its acknowledge or resolve target, write it on the timeline and
    notify the channels that take system alerts (one system alert per breach, via the outbox)."""
    now = now or timezone.now()
    open_statuses = [IncidentStatus.NEW, IncidentStatus.ASSIGNED, IncidentStatus.EN_ROUTE, IncidentStatus.ON_SCENE]
    breaches = []
    with transaction.atomic():
        for incident in _claim("acknowledge_due_at", "acknowledge_breached_at", [IncidentStatus.NEW], now, limit):
            incident.acknowledge_breached_at = now
            incident.save(update_fields=["acknowledge_breached_at"])
            breaches.append((incident, "acknowledge"))
        for incident in _claim("resolve_due_at", "resolve_breached_at", open_statuses, now, limit):
            incident.resolve_breached_at = now
            incident.save(update_fields=["resolve_breached_at"])
            breaches.append((incident, "resolve"))
        for incident, what in breaches:
            _announce_breach(incident, what)
    return breaches


def _announce_breach(incident: Incident, what: str) -> None:
    from alerts.services.lifecycle import raise_alert

    due = incident.acknowledge_due_at if what == "acknowledge" else incident.resolve_due_at
    text = (
        f"SLA breach: {incident.number} “{incident.title}” (P{incident.priority}) was not "
        f"{'acknowledged' if what == 'acknowledge' else 'resolved'} by {local_time(due, incident.site.timezone)}"
    )
    post_message(incident, MessageKind.SLA, text, None, {"sla": what})
    # Alerts (and so the notification outbox) hang off a camera: the incident's, else one of
    # its alerts', else one of its site's.
    camera = (
        incident.camera
        or Camera.objects.filter(alerts__incident_link__incident=incident).first()
        or Camera.objects.filter(dvr__site_id=incident.site_id).order_by("name").first()
    )
    if camera is None:
        logger.warning("SLA breach of %s not notified: its site has no camera", incident.number)
        return
    severity = "critical" if incident.priority <= 2 else "high"
    raise_alert(camera=camera, alert_type=SLA_ALERT_TYPE, severity=severity, message=text)


def overdue_incidents(queryset, now: dt.datetime | None = None):
    """Open incidents past one of their targets (the dashboard's and the list's "overdue")."""
    from django.db.models import Q

    now = now or timezone.now()
    return queryset.filter(
        Q(status=IncidentStatus.NEW, acknowledge_due_at__lte=now)
        | Q(
            status__in=[IncidentStatus.NEW, IncidentStatus.ASSIGNED, IncidentStatus.EN_ROUTE, IncidentStatus.ON_SCENE],
            resolve_due_at__lte=now,
        )
    )
