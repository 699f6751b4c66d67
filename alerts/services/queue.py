"""The operators' alert queue: active alerts in the seed's `vw_active_alerts` order (severity,
then newest), scoped by `policy.restrict`, and the bulk acknowledge / resolve / ignore that
works through `alerts.services.lifecycle`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When

from accounts import policy
from alerts.models import Alert, AlertStatus
from alerts.services import lifecycle
from surveillance.models import SEVERITY_RANK, Event, Severity
from surveillance.services.sightings import face_crop_path, normalised_box

ACTIVE_STATUSES = (AlertStatus.PENDING, AlertStatus.SENT, AlertStatus.ACKNOWLEDGED)
# The queue's order in SQL: critical first (SEVERITY_RANK, reversed).
MOST_SEVERE_FIRST = Case(
    *(When(severity=name, then=Value(-rank)) for name, rank in SEVERITY_RANK.items()),
    default=Value(1),
    output_field=IntegerField(),
)
ACTIONS = ("acknowledge", "resolve", "ignore")
MAX_BULK = 500


def alert_query(
    *,
    site=None,
    camera=None,
    severity: str | None = None,
    statuses: tuple[str, ...] = ACTIVE_STATUSES,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict:
    """The parameters of the API's alert filter (alerts.filters.AlertFilter) for a console view."""
    query: dict = {"status": list(statuses)}
    optional = {
        "site": site,
        "camera": camera,
        "severity": [severity] if severity else None,
        "created_at_after": since.isoformat() if since else None,
        "created_at_before": until.isoformat() if until else None,
    }
    query.update({key: value if isinstance(value, list) else str(value) for key, value in optional.items() if value})
    return query


def alert_queue(user, query: dict | None = None) -> QuerySet:
    """The user's alerts in queue order (lazy; slice it). `query`: see alert_query."""
    from alerts.filters import AlertFilter

    alerts = AlertFilter(query if query is not None else alert_query(), queryset=Alert.objects.restrict(user))
    if not alerts.is_valid():
        raise ValueError("; ".join(f"{name}: {' '.join(errors)}" for name, errors in alerts.errors.items()))
    return (
        alerts.qs.select_related("camera__dvr__site", "person", "alert_rule", "acknowledged_by")
        .annotate(rank=MOST_SEVERE_FIRST)
        .order_by("rank", "-created_at")
    )


def open_counts(user, query: dict | None = None) -> dict[str, int]:
    """Open alerts per severity under the same filter (for the queue's header)."""
    rows = alert_queue(user, query).order_by().values("severity").annotate(n=Count("id"))
    counts = dict.fromkeys((Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW), 0)
    counts.update({row["severity"]: row["n"] for row in rows})
    return counts


def _events_for(alerts: list[Alert]) -> dict:
    """The alerts' events (for snapshots), with a time window so partitions are pruned: an
    alert is raised when its event is stored, normally seconds after the event happened."""
    ids = [a.event_id for a in alerts if a.event_id]
    if not ids:
        return {}
    created = [a.created_at for a in alerts if a.event_id]
    events = Event.objects.filter(
        id__in=ids,
        timestamp__gte=min(created) - dt.timedelta(days=2),
        timestamp__lte=max(created) + dt.timedelta(hours=1),
    ).only("id", "image_path", "bounding_box", "metadata", "timestamp")
    return {e.id: e for e in events}


def alert_cards(alerts: Iterable[Alert], *, with_media: bool = True) -> list[dict]:
    """What the console shows of each alert (queue, dashboard, live feed); JSON-ready."""
    from surveillance.services.media_access import media_url

    alerts = list(alerts)
    events = _events_for(alerts) if with_media else {}
    cards = []
    for alert in alerts:
        camera = alert.camera
        site = camera.dvr.site
        event = events.get(alert.event_id)
        crop = face_crop_path(event) if event else None
        cards.append(
            {
                "kind": "alert",
                "id": str(alert.id),
                "severity": alert.severity,
                "status": alert.status,
                "status_label": alert.get_status_display(),
                "alert_type": alert.alert_type,
                "message": alert.message,
                "created_at": alert.created_at.isoformat(),
                "acknowledged_by": alert.acknowledged_by.get_username() if alert.acknowledged_by_id else None,
                "camera": {"id": str(camera.id), "name": camera.name},
                "site": {"id": str(site.id), "name": site.name},
                "person": {"id": str(alert.person_id), "name": str(alert.person)} if alert.person_id else None,
                "rule": alert.alert_rule.name if alert.alert_rule_id else None,
                "event_id": str(alert.event_id) if alert.event_id else None,
                "snapshot": media_url(event.image_path) if event and event.image_path else None,
                "crop": media_url(crop) if crop else None,
                "bbox": normalised_box(event.bounding_box) if event else None,
            }
        )
    return cards


def can_handle_alerts(user) -> bool:
    """Acknowledging, resolving and ignoring is the matrix's events.acknowledge."""
    return policy.can(user, "events", "acknowledge") and policy.can(user, "alerts", "read")


@dataclass
class BulkResult:
    done: list[Alert] = field(default_factory=list)
    refused: list[tuple[Alert, str]] = field(default_factory=list)
    missing: int = 0


def _resolve(alert: Alert, user, note: str) -> Alert:
    # Resolving an alert nobody acknowledged yet: the operator resolving it has seen it.
    if alert.status in (AlertStatus.PENDING, AlertStatus.SENT):
        alert = lifecycle.acknowledge_alert(alert, user, note)
    return lifecycle.resolve_alert(alert, user, note)


def handle_alerts(user, alert_ids: Iterable, action: str, note: str = "") -> BulkResult:
    """Acknowledge, resolve or ignore the user's alerts among `alert_ids`, in one transaction.
    Alerts another operator already moved on are reported back, not failed on; ids the user
    may not see count as missing."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    if not can_handle_alerts(user):
        raise PermissionDenied("your role may not acknowledge alerts")
    ids = list(dict.fromkeys(alert_ids))
    if len(ids) > MAX_BULK:
        raise ValueError(f"at most {MAX_BULK} alerts at a time")
    step = {"acknowledge": lifecycle.acknowledge_alert, "resolve": _resolve, "ignore": lifecycle.ignore_alert}[action]
    result = BulkResult()
    with transaction.atomic():
        alerts = list(Alert.objects.filter(id__in=ids).restrict(user).order_by("created_at"))
        result.missing = len(ids) - len(alerts)
        for alert in alerts:
            try:
                result.done.append(step(alert, user, note))
            except lifecycle.TransitionError as exc:
                result.refused.append((alert, str(exc)))
    return result
