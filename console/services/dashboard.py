"""The operator dashboard's numbers, scoped to the viewer's sites.

The seed's `vw_dashboard_stats` counts every site; these are the same figures with the same
definitions (cameras = active ones) over `policy.restrict`ed rows, except that "today" is each
site's own day (since midnight in the site's timezone), not UTC's.
Every query on a partitioned table is bounded in time, so PostgreSQL prunes partitions and
nothing counts the whole history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from alerts.models import Alert, AlertStatus
from analytics.services.counts import line_counts_today  # noqa: F401  (the dashboard's line counts)
from faces.models import Person
from surveillance.models import Camera, DeviceStatus, Event, EventType, Severity, SuspiciousActivityEvent

ACTIVE_ALERT_STATUSES = (AlertStatus.PENDING, AlertStatus.SENT, AlertStatus.ACKNOWLEDGED)
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
# A camera whose reader has not delivered a frame for this long is shown as degraded.
STALE_FRAME_SECONDS = 120


def start_of_day(now: dt.datetime | None = None) -> dt.datetime:
    now = now or timezone.now()
    return now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def site_today(user, time_field: str, now: dt.datetime | None = None) -> Q:
    """Rows of "today" at each of the user's sites: since midnight in that site's timezone (one
    condition per timezone, plus the earliest midnight as a plain bound for partition pruning)."""
    from surveillance.models import Site
    from surveillance.services.localtime import local_day_start

    now = now or timezone.now()
    zones = set(Site.objects.restrict(user).values_list("timezone", flat=True)) or {"UTC"}
    starts = {name: local_day_start(name, now) for name in zones}
    per_zone = Q()
    for name, start in starts.items():
        per_zone |= Q(camera__dvr__site__timezone=name, **{f"{time_field}__gte": start})
    return Q(**{f"{time_field}__gte": min(starts.values())}) & per_zone


def dashboard_stats(user) -> dict[str, int | float | None]:
    """The `vw_dashboard_stats` columns for the user's sites."""
    cameras = (
        Camera.objects.filter(is_active=True)
        .restrict(user)
        .aggregate(
            total_cameras=Count("id"),
            online_cameras=Count("id", filter=Q(status=DeviceStatus.ONLINE)),
            offline_cameras=Count("id", filter=Q(status=DeviceStatus.OFFLINE)),
        )
    )
    events = (
        Event.objects.filter(site_today(user, "timestamp"))
        .restrict(user)
        .aggregate(
            events_today=Count("id"),
            recognized_today=Count("id", filter=Q(event_type=EventType.PERSON_RECOGNIZED)),
            faces_today=Count("id", filter=Q(event_type=EventType.FACE_DETECTED)),
            humans_today=Count("id", filter=Q(event_type=EventType.HUMAN_DETECTED)),
            unreviewed_events=Count("id", filter=Q(reviewed=False)),
        )
    )
    alerts = (
        Alert.objects.filter(site_today(user, "created_at"))
        .restrict(user)
        .aggregate(
            pending_alerts=Count("id", filter=Q(status=AlertStatus.PENDING)),
            acknowledged_alerts=Count("id", filter=Q(status=AlertStatus.ACKNOWLEDGED)),
            critical_alerts=Count(
                "id", filter=Q(severity=Severity.CRITICAL, status__in=[AlertStatus.PENDING, AlertStatus.SENT])
            ),
        )
    )
    persons = (
        Person.objects.all()
        .restrict(user)
        .aggregate(
            total_persons=Count("id"),
            known_persons=Count("id", filter=Q(status="known")),
            unknown_persons=Count("id", filter=Q(status="unknown")),
            blacklisted_persons=Count("id", filter=Q(status="blacklisted")),
            vip_persons=Count("id", filter=Q(status="vip")),
        )
    )
    suspicious = (
        SuspiciousActivityEvent.objects.filter(site_today(user, "timestamp"))
        .restrict(user)
        .aggregate(
            suspicious_today=Count("id"),
            critical_suspicious=Count("id", filter=Q(severity=Severity.CRITICAL)),
        )
    )
    total = cameras["total_cameras"]
    # Rounded half away from zero, like the view's ROUND(numeric, 1).
    uptime = (
        float((Decimal(100 * cameras["online_cameras"]) / total).quantize(Decimal("0.1"), ROUND_HALF_UP))
        if total
        else None
    )
    return {**cameras, "camera_uptime_pct": uptime, **events, **alerts, **persons, **suspicious}


def events_per_hour(user, hours: int = 24, now: dt.datetime | None = None) -> dict:
    """Event counts per hour and type over the last `hours` whole hours (plus the current one)."""
    now = now or timezone.now()
    current_hour = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    first = current_hour - dt.timedelta(hours=hours - 1)
    buckets = [first + dt.timedelta(hours=i) for i in range(hours)]
    rows = (
        Event.objects.filter(timestamp__gte=first)
        .restrict(user)
        .annotate(hour=TruncHour("timestamp", tzinfo=dt.UTC))
        .values("hour", "event_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {(row["hour"], row["event_type"]): row["n"] for row in rows}
    series = {event_type: [counts.get((hour, event_type), 0) for hour in buckets] for event_type in EventType.values}
    return {"hours": [hour.isoformat() for hour in buckets], "series": series}


def alerts_by_severity(user, hours: int = 24) -> dict:
    """Alerts raised in the last `hours`, per severity: still open vs closed."""
    since = timezone.now() - dt.timedelta(hours=hours)
    rows = (
        Alert.objects.filter(created_at__gte=since)
        .restrict(user)
        .values("severity")
        .annotate(
            open=Count("id", filter=Q(status__in=ACTIVE_ALERT_STATUSES)),
            closed=Count("id", filter=~Q(status__in=ACTIVE_ALERT_STATUSES)),
        )
        .order_by()
    )
    by_severity = {row["severity"]: row for row in rows}
    return {
        severity: {
            "open": by_severity.get(severity, {}).get("open", 0),
            "closed": by_severity.get(severity, {}).get("closed", 0),
        }
        for severity in SEVERITY_ORDER
    }


@dataclass(frozen=True)
class CameraHealth:
    id: str
    name: str
    site: str
    location: str
    status: str
    last_frame: dt.datetime | None
    fps: float | None


def _live_states(camera_ids) -> dict[str, dict]:
    try:
        from surveillance.services.live_state import camera_states
    except ImportError:  # pragma: no cover - the live state module ships with the stream reader
        return {}
    return camera_states(camera_ids)


def camera_health(user, limit: int = 500) -> list[CameraHealth]:
    """Active cameras with their live state (Redis, written by the stream reader), falling back
    to the database columns for cameras no reader has reported on."""
    cameras = list(
        Camera.objects.filter(is_active=True)
        .restrict(user)
        .select_related("dvr__site")
        .order_by("dvr__site__name", "name")[:limit]
    )
    states = _live_states([camera.id for camera in cameras])
    now = timezone.now()
    health = []
    for camera in cameras:
        state = states.get(str(camera.id), {})
        status = state.get("status") or camera.status
        last_frame = camera.last_frame_time
        if state.get("last_frame_at"):
            last_frame = dt.datetime.fromtimestamp(state["last_frame_at"], tz=dt.UTC)
        if (
            status == DeviceStatus.ONLINE
            and last_frame is not None
            and (now - last_frame).total_seconds() > STALE_FRAME_SECONDS
        ):
            status = DeviceStatus.DEGRADED
        health.append(
            CameraHealth(
                id=str(camera.id),
                name=camera.name,
                site=camera.dvr.site.name,
                location=camera.location or "",
                status=status,
                last_frame=last_frame,
                fps=state.get("fps_current"),
            )
        )
    return health
