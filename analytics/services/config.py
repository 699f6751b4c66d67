"""What the analysis needs to know about a camera, loaded once per batch: its active zones and
lines, its thresholds (defaults ← camera overrides ← zone overrides), the activity types switched
off, the site's timezone and opening hours."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from alerts.services.geometry import Polygon, parse_polygon
from alerts.services.schedules import Window, schedule_window, zone
from surveillance.models import ActivityType, Severity, ZoneType

# Installer-facing defaults (vendor practice; docs/analytics.md explains each one).
DEFAULTS: dict[str, float | int] = {
    "inertia_points": 3,  # consecutive points on the other side before presence flips
    "track_timeout_s": 10,  # a track unseen this long has ended
    "present_ttl_s": 3,  # a track counts as present (crowding, owner nearby) this long after its last point
    "debounce_s": 10,  # same type and zone on a camera: a new track within this is the same activity
    "intrusion_dwell_s": 0,
    "loitering_s": 30,
    "loitering_realert_s": 120,  # 0: once per track and zone
    "dwell_s": 60,
    "crowd_count": 5,
    "crowd_s": 10,
    "running_speed": 0.5,  # frame widths/heights per second
    "running_min_s": 1.0,
    "repeat_count": 3,
    "repeat_window_s": 600,
    "abandoned_s": 30,
    "stationary_iou": 0.6,
    "owner_distance": 0.15,
    "heading_min_move": 0.02,
}
DEFAULT_SEVERITY: dict[str, str] = {
    ActivityType.INTRUSION: Severity.HIGH,
    ActivityType.ZONE_BREACH: Severity.MEDIUM,
    ActivityType.LOITERING: Severity.MEDIUM,
    ActivityType.DWELL_TIME: Severity.LOW,
    ActivityType.CROWDING: Severity.MEDIUM,
    ActivityType.AFTER_HOURS: Severity.HIGH,
    ActivityType.RUNNING: Severity.LOW,
    ActivityType.REPEATED_ENTRY: Severity.MEDIUM,
    ActivityType.ABANDONED_OBJECT: Severity.HIGH,
}
ABANDONABLE = frozenset({"backpack", "handbag", "suitcase"})
PERSON = "person"


def validate_thresholds(values) -> None:
    """Known keys with non-negative numbers, plus an optional {"severity": {type: level}}."""
    if not isinstance(values, dict):
        raise ValidationError("thresholds must be an object")
    for key, value in values.items():
        if key == "severity":
            if not isinstance(value, dict):
                raise ValidationError('"severity" must map activity types to low/medium/high/critical')
            for activity, level in value.items():
                if activity not in ActivityType.values or level not in Severity.values:
                    raise ValidationError(f'"severity": unknown activity type or level: {activity!r}: {level!r}')
            continue
        if key not in DEFAULTS:
            raise ValidationError(f"unknown threshold {key!r}; known: {', '.join(sorted(DEFAULTS))}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValidationError(f"{key} must be a number ≥ 0")


@dataclass(slots=True)
class Settings:
    values: dict
    severity: dict

    def __getitem__(self, key: str):
        return self.values[key]

    def severity_of(self, activity: str) -> str:
        return self.severity.get(activity, DEFAULT_SEVERITY.get(activity, Severity.MEDIUM))

    def merged(self, overrides: dict | None) -> Settings:
        if not overrides:
            return self
        values = {**self.values, **{k: v for k, v in overrides.items() if k != "severity"}}
        return Settings(values, {**self.severity, **(overrides.get("severity") or {})})


@dataclass(slots=True)
class ZoneConfig:
    id: object
    name: str
    zone_type: str
    polygon: Polygon
    settings: Settings
    outside_hours_only: bool
    heading: str
    box: tuple[float, float, float, float] = (0, 0, 1, 1)  # bounding box: a cheap reject first


@dataclass(slots=True)
class LineConfig:
    id: object
    name: str
    a: tuple[float, float]
    b: tuple[float, float]
    allowed: str
    labels: frozenset[str]
    severity: str


@dataclass(slots=True)
class CameraConfig:
    camera_id: object
    name: str
    resolution: str | None
    timezone: str
    settings: Settings
    disabled: frozenset[str]
    opening: Window | None
    zones: list[ZoneConfig] = field(default_factory=list)
    lines: list[LineConfig] = field(default_factory=list)

    def enabled(self, activity: str) -> bool:
        return activity not in self.disabled

    def local(self, when: dt.datetime) -> dt.datetime:
        return when.astimezone(zone(self.timezone))

    def is_open(self, when: dt.datetime) -> bool:
        """No opening hours configured: always open (nothing is after hours)."""
        return self.opening is None or self.opening.contains(self.local(when))


def _polygon_box(polygon: Polygon) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    return min(xs), min(ys), max(xs), max(ys)


# Configuration is read on every batch; cached per process for CONFIG_TTL seconds. A change
# saved in this process clears the cache at once (signals wired in AnalyticsConfig.ready());
# other processes pick it up within the TTL.
CONFIG_TTL = 10.0
_cache: dict = {}


def forget_camera_configs(**_) -> None:
    _cache.clear()


def load_camera_configs(camera_ids) -> dict:
    """{camera_id: CameraConfig}, cached for CONFIG_TTL seconds."""
    now = time.monotonic()
    found = {cid: hit[1] for cid in camera_ids if (hit := _cache.get(cid)) and hit[0] > now}
    missing = [cid for cid in camera_ids if cid not in found]
    if missing:
        loaded = _load_camera_configs(missing)
        for cid, config in loaded.items():
            _cache[cid] = (now + CONFIG_TTL, config)
        found.update(loaded)
    return found


def _load_camera_configs(camera_ids) -> dict:
    """{camera_id: CameraConfig} in a handful of queries, whatever the number of cameras."""
    from analytics.models import CameraAnalytics, CountingLine, OpeningHours, ZoneAnalytics
    from surveillance.models import Camera, CameraZone

    cameras = list(Camera.objects.filter(id__in=camera_ids).select_related("dvr__site"))
    camera_settings = {c.camera_id: c for c in CameraAnalytics.objects.filter(camera_id__in=camera_ids)}
    site_ids = {c.dvr.site_id for c in cameras}
    opening = {o.site_id: o.schedule for o in OpeningHours.objects.filter(site_id__in=site_ids)}
    zones = list(CameraZone.objects.filter(camera_id__in=camera_ids, is_active=True))
    zone_settings = {z.zone_id: z for z in ZoneAnalytics.objects.filter(zone__in=zones)}
    lines = list(CountingLine.objects.filter(camera_id__in=camera_ids, is_active=True))
    base = Settings(dict(DEFAULTS), {})
    configs = {}
    for camera in cameras:
        own = camera_settings.get(camera.id)
        try:
            window = schedule_window(opening[camera.dvr.site_id]) if camera.dvr.site_id in opening else None
        except ValidationError:
            window = None  # refused by the admin/API; a row written around them is ignored, not fatal
        configs[camera.id] = CameraConfig(
            camera_id=camera.id,
            name=camera.name,
            resolution=camera.resolution,
            timezone=camera.dvr.site.timezone or "UTC",
            settings=base.merged(own.thresholds if own else None),
            disabled=frozenset(own.disabled_types if own else ()),
            opening=window,
        )
    for camera_zone in zones:
        config = configs.get(camera_zone.camera_id)
        polygon = parse_polygon(camera_zone.polygon_points)
        if config is None or polygon is None:
            continue
        extra = zone_settings.get(camera_zone.id)
        config.zones.append(
            ZoneConfig(
                id=camera_zone.id,
                name=camera_zone.name,
                zone_type=camera_zone.zone_type,
                polygon=polygon,
                settings=config.settings.merged(extra.thresholds if extra else None),
                outside_hours_only=bool(extra and extra.intrusion_outside_hours_only),
                heading=extra.allowed_heading if extra else "any",
                box=_polygon_box(polygon),
            )
        )
    for line in lines:
        config = configs.get(line.camera_id)
        if config is not None:
            config.lines.append(
                LineConfig(
                    id=line.id,
                    name=line.name,
                    a=(line.x1, line.y1),
                    b=(line.x2, line.y2),
                    allowed=line.allowed_direction,
                    labels=frozenset(line.labels),
                    severity=line.severity,
                )
            )
    return configs


RESTRICTED = ZoneType.RESTRICTED
INTEREST = ZoneType.INTEREST
DIRECTED = frozenset({ZoneType.ENTRY, ZoneType.EXIT})
