"""Rule evaluation: which active rules each stored event matches, and the alerts that follow.

The hot path of ingest (`surveillance.services.events.record_events` calls `evaluate_events`
inside the transaction that COPYs the events). Per batch, whatever its size: one query for the
rules (+ one for their channels), one for the cameras and their sites, one for the persons and
one for their watchlists when rules need them; then matching is pure Python over rules compiled
once per batch and indexed by (camera, event type), and `alerts.services.raising` folds and
writes the alerts in a few set-based statements.

A rule matches an event when every condition it sets holds (an empty field matches anything):
camera, event type, person, person role, person status ("unknown" = a face nobody has named),
watchlist membership, zone (bounding box bottom-centre inside the polygon), confidence at or
above the threshold, the schedule's days and hours in the rule's timezone (default: the site's),
and outside the rule's quiet hours.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from alerts.models import Alert, AlertRule
from alerts.services.geometry import Polygon, anchor_point, parse_polygon, parse_resolution, point_in_polygon
from alerts.services.schedules import Window, quiet_window, schedule_window, zone
from faces.models import PersonStatus, WatchlistType
from surveillance.models import SEVERITY_RANK, EventType, Severity

logger = logging.getLogger(__name__)

STATUS_SEVERITY = {PersonStatus.BLACKLISTED: Severity.CRITICAL, PersonStatus.VIP: Severity.MEDIUM}
WATCHLIST_SEVERITY = {
    WatchlistType.BLACKLIST: Severity.CRITICAL,
    WatchlistType.SUSPECT: Severity.HIGH,
    WatchlistType.VIP: Severity.MEDIUM,
}
FACE_EVENT_TYPES = frozenset({EventType.FACE_DETECTED, EventType.PERSON_RECOGNIZED})
SUBJECT_LABELS = {EventType.MOTION_DETECTED: "Motion", EventType.OBJECT_DETECTED: "Object"}


def milli(value) -> int:
    """Confidence as an exact integer of thousandths (both sides are DECIMAL(4,3))."""
    return round(float(value) * 1000)


@dataclass(slots=True)
class CompiledRule:
    id: object
    camera_id: object
    event_type: str | None
    person_id: object
    person_role: str | None
    person_status: str | None
    watchlist_id: object
    polygon: Polygon | None
    zone_camera_id: object
    zone_name: str | None
    threshold: int
    severity: str | None
    window: Window | None  # None: always active
    quiet: Window | None
    timezone: str | None  # None: the site's
    cooldown: int
    channel_ids: tuple = ()
    escalates: bool = False
    guard_id: str | None = None


@dataclass(slots=True)
class CameraInfo:
    name: str
    location: str | None
    site_name: str
    site_timezone: str
    frame_size: tuple[float, float] | None


@dataclass(slots=True)
class PersonInfo:
    name: str | None
    status: str
    role: str | None
    watchlists: dict = field(default_factory=dict)  # watchlist id → watch type


@dataclass(slots=True)
class Match:
    rule: CompiledRule
    event: object
    severity: str


def compile_rule(rule: AlertRule, channel_ids: tuple = ()) -> CompiledRule | None:
    """A rule ready for matching; None (logged) when its stored definition is unusable."""
    try:
        window = schedule_window(rule.schedule)
        quiet = quiet_window(rule.quiet_hours)
    except ValidationError as exc:
        logger.error("alert rule %s (%s) skipped: %s", rule.pk, rule.name, "; ".join(exc.messages))
        return None
    polygon = zone_camera_id = zone_name = None
    if rule.zone_id:
        polygon = parse_polygon(rule.zone.polygon_points)
        if polygon is None or not rule.zone.is_active:
            # A rule about a zone that is switched off (or broken) must not fire for the whole frame.
            logger.info("alert rule %s skipped: its zone is inactive or has no usable polygon", rule.pk)
            return None
        zone_camera_id, zone_name = rule.zone.camera_id, rule.zone.name
    timezone_name = (rule.schedule or {}).get("timezone") if isinstance(rule.schedule, dict) else None
    return CompiledRule(
        id=rule.pk,
        camera_id=rule.camera_id,
        event_type=rule.event_type or None,
        person_id=rule.person_id,
        person_role=(rule.person_role or "").strip().casefold() or None,
        person_status=rule.person_status or None,
        watchlist_id=rule.watchlist_id,
        polygon=polygon,
        zone_camera_id=zone_camera_id,
        zone_name=zone_name,
        threshold=milli(rule.confidence_threshold),
        severity=rule.severity or None,
        window=None if window.is_always else window,
        quiet=quiet,
        timezone=timezone_name,
        cooldown=rule.cooldown_seconds,
        channel_ids=channel_ids,
        escalates=bool(rule.escalate_after_seconds),
        guard_id=str(rule.guard_id) if rule.guard_id else None,
    )


def load_rules() -> list[CompiledRule]:
    """Active rules, compiled (two queries)."""
    rules = list(AlertRule.objects.filter(is_active=True).select_related("zone"))
    if not rules:
        return []
    channels: dict = {}
    through = AlertRule.channels.through.objects.filter(
        alertrule_id__in=[r.pk for r in rules], notificationchannel__is_active=True
    )
    for rule_id, channel_id in through.values_list("alertrule_id", "notificationchannel_id"):
        channels.setdefault(rule_id, []).append(channel_id)
    compiled = (compile_rule(rule, tuple(channels.get(rule.pk, ()))) for rule in rules)
    return [rule for rule in compiled if rule is not None]


def load_cameras(camera_ids) -> dict:
    from surveillance.models import Camera

    rows = Camera.objects.filter(id__in=camera_ids).values_list(
        "id", "name", "location", "dvr__site__name", "dvr__site__timezone", "resolution"
    )
    return {
        cid: CameraInfo(name, location, site_name, site_tz or "UTC", parse_resolution(resolution))
        for cid, name, location, site_name, site_tz, resolution in rows
    }


def load_persons(person_ids, with_watchlists: bool) -> dict:
    from faces.models import Person, WatchlistEntry

    if not person_ids:
        return {}
    persons = {
        pid: PersonInfo(name, status, (role or "").strip().casefold() or None)
        for pid, name, status, role in Person.objects.filter(id__in=person_ids).values_list(
            "id", "name", "status", "role"
        )
    }
    if with_watchlists:
        entries = WatchlistEntry.objects.filter(person_id__in=person_ids, watchlist__is_active=True).values_list(
            "person_id", "watchlist_id", "watchlist__watch_type"
        )
        for person_id, watchlist_id, watch_type in entries:
            persons[person_id].watchlists[watchlist_id] = watch_type
    return persons


def person_severity(person: PersonInfo | None) -> str:
    """The seed trigger's fallback, with watchlists: blacklisted → critical, suspect → high, VIP → medium."""
    if person is None:
        return Severity.LOW
    candidates = [STATUS_SEVERITY.get(person.status, Severity.LOW)]
    candidates += [WATCHLIST_SEVERITY.get(t, Severity.LOW) for t in person.watchlists.values()]
    return max(candidates, key=SEVERITY_RANK.__getitem__)


def is_unknown_face(event, person: PersonInfo | None) -> bool:
    if event.person_id is None:
        return event.cluster_id is not None or event.event_type == EventType.FACE_DETECTED
    return person is not None and person.status == PersonStatus.UNKNOWN


class _Candidates:
    """Rules that can match a (camera, event type), worked out once per pair per batch."""

    def __init__(self, rules: list[CompiledRule]):
        self.rules = rules
        self.cache: dict = {}

    def get(self, camera_id, event_type) -> list[CompiledRule]:
        key = (camera_id, event_type)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = [
                r
                for r in self.rules
                if (r.camera_id is None or r.camera_id == camera_id)
                and (r.event_type is None or r.event_type == event_type)
                and (r.zone_camera_id is None or r.zone_camera_id == camera_id)
            ]
        return found


def match_events(events: Sequence, rules: list[CompiledRule]) -> tuple[list[Match], dict, dict]:
    """Every (rule, event) pair that matches; also returns the cameras and persons it loaded."""
    candidates = _Candidates(rules)
    relevant = [e for e in events if candidates.get(e.camera_id, e.event_type)]
    if not relevant:
        return [], {}, {}
    cameras = load_cameras({e.camera_id for e in relevant})
    person_ids = {e.person_id for e in relevant if e.person_id is not None}
    persons = load_persons(person_ids, any(r.watchlist_id or r.severity is None for r in rules))
    matches: list[Match] = []
    for event in relevant:
        camera = cameras.get(event.camera_id)
        if camera is None:
            continue
        confidence = milli(event.confidence)
        person = persons.get(event.person_id) if event.person_id is not None else None
        point = None
        local_times: dict = {}
        for rule in candidates.get(event.camera_id, event.event_type):
            if confidence < rule.threshold:
                continue
            if rule.person_id is not None and rule.person_id != event.person_id:
                continue
            if rule.person_status is not None:
                if rule.person_status == PersonStatus.UNKNOWN:
                    if not is_unknown_face(event, person):
                        continue
                elif person is None or person.status != rule.person_status:
                    continue
            if rule.person_role is not None and (person is None or person.role != rule.person_role):
                continue
            if rule.watchlist_id is not None and (person is None or rule.watchlist_id not in person.watchlists):
                continue
            if rule.guard_id is not None and (event.metadata or {}).get("guard_id") != rule.guard_id:
                continue
            if rule.polygon is not None:
                if point is None:
                    point = anchor_point(event.bounding_box, camera.frame_size) or False
                if point is False or not point_in_polygon(point, rule.polygon):
                    continue
            if rule.window is not None or rule.quiet is not None:
                tz_name = rule.timezone or camera.site_timezone
                local = local_times.get(tz_name)
                if local is None:
                    local = local_times[tz_name] = event.timestamp.astimezone(zone(tz_name))
                if rule.window is not None and not rule.window.contains(local):
                    continue
                if rule.quiet is not None and rule.quiet.contains(local):
                    continue
            matches.append(Match(rule, event, rule.severity or person_severity(person)))
    return matches, cameras, persons


def evaluate_events(events: Sequence) -> list[Alert]:
    """Raise (or fold) the alerts for a batch of stored events; returns the newly created alerts."""
    from alerts.services.raising import raise_rule_alerts

    if not events:
        return []
    rules = load_rules()
    if not rules:
        return []
    matches, cameras, persons = match_events(events, rules)
    if not matches:
        return []
    return raise_rule_alerts(matches, cameras, persons)


def rule_matches(rule: AlertRule, event) -> bool:
    """Whether one saved rule matches one event (admin previews, tests); the batch path is faster."""
    compiled = compile_rule(rule) if rule.is_active else None
    if compiled is None:
        return False
    matches, _, _ = match_events([event], [compiled])
    return bool(matches)
