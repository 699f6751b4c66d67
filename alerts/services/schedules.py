"""Time windows of rules and preferences: active schedules and quiet hours.

Seed format: schedule `{"days": [0..6] (0 = Sunday), "start_time": "18:00", "end_time": "06:00",
"timezone": "Asia/Singapore"}`, quiet hours `{"start": "12:00", "end": "13:00", "enabled": true}`.
A window is half-open [start, end) in local time; a start after the end crosses midnight and the
hours after midnight belong to the day the window opened (Friday 18:00 → Saturday 06:00 is
Friday's). The seed's default end "23:59" means the end of the day, so a whole-day rule has no
one-minute gap; start == end also means the whole day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError

DAY_MINUTES = 24 * 60
ALL_DAYS = frozenset(range(7))
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def validate_timezone(name) -> None:
    if not isinstance(name, str) or not name:
        raise ValidationError("A timezone name such as “Asia/Singapore”.")
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown timezone “{name}”.") from exc


def parse_minutes(value, label: str) -> int:
    match = _TIME.match(value) if isinstance(value, str) else None
    if not match:
        raise ValidationError(f"{label} must be a time as HH:MM, got {value!r}.")
    return int(match.group(1)) * 60 + int(match.group(2))


@dataclass(frozen=True, slots=True)
class Window:
    days: frozenset[int]
    start: int  # minutes after local midnight
    end: int  # exclusive; may be <= start (crosses midnight)

    @property
    def is_always(self) -> bool:
        return self.days == ALL_DAYS and (self.start == self.end or (self.start == 0 and self.end >= DAY_MINUTES))

    def contains(self, local: dt.datetime) -> bool:
        minute = local.hour * 60 + local.minute
        day = (local.weekday() + 1) % 7  # seed: 0 = Sunday
        if self.start == self.end:
            return day in self.days
        if self.start < self.end:
            return self.start <= minute < self.end and day in self.days
        if minute >= self.start:
            return day in self.days
        return minute < self.end and (day - 1) % 7 in self.days


def _end_minutes(value, label: str) -> int:
    minutes = parse_minutes(value, label)
    return DAY_MINUTES if minutes == DAY_MINUTES - 1 else minutes


def schedule_window(schedule: dict | None) -> Window:
    """The rule's active window; raises ValidationError with the reason when malformed."""
    if not schedule:
        return Window(ALL_DAYS, 0, DAY_MINUTES)
    if not isinstance(schedule, dict):
        raise ValidationError("The schedule must be an object with days, start_time and end_time.")
    unknown = set(schedule) - {"days", "start_time", "end_time", "timezone"}
    if unknown:
        raise ValidationError(f"Unknown schedule keys: {', '.join(sorted(unknown))}.")
    days = schedule.get("days", list(range(7)))
    if not isinstance(days, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in days):
        raise ValidationError("days must be a list of weekday numbers, 0 = Sunday … 6 = Saturday.")
    if any(d < 0 or d > 6 for d in days):
        raise ValidationError("days must be between 0 (Sunday) and 6 (Saturday).")
    if not days:
        raise ValidationError("days is empty: the rule would never fire (deactivate it instead).")
    start = parse_minutes(schedule.get("start_time", "00:00"), "start_time")
    end = _end_minutes(schedule.get("end_time", "23:59"), "end_time")
    if "timezone" in schedule and schedule["timezone"] is not None:
        validate_timezone(schedule["timezone"])
    return Window(frozenset(days), start, end)


def quiet_window(quiet_hours: dict | None) -> Window | None:
    """The suppression window, or None when quiet hours are off."""
    if not quiet_hours:
        return None
    if not isinstance(quiet_hours, dict):
        raise ValidationError('Quiet hours must be an object: {"start": "12:00", "end": "13:00", "enabled": true}.')
    unknown = set(quiet_hours) - {"start", "end", "enabled"}
    if unknown:
        raise ValidationError(f"Unknown quiet-hours keys: {', '.join(sorted(unknown))}.")
    enabled = quiet_hours.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValidationError("enabled must be true or false.")
    start = parse_minutes(quiet_hours.get("start"), "start")
    end = _end_minutes(quiet_hours.get("end"), "end")
    return Window(ALL_DAYS, start, end) if enabled else None


def validate_schedule(schedule) -> None:
    schedule_window(schedule)


def validate_quiet_hours(quiet_hours) -> None:
    quiet_window(quiet_hours)


def time_window(start: dt.time, end: dt.time) -> Window:
    """A daily window from two `time` values (personal quiet hours)."""
    end_minutes = end.hour * 60 + end.minute
    return Window(
        ALL_DAYS, start.hour * 60 + start.minute, DAY_MINUTES if end_minutes == DAY_MINUTES - 1 else end_minutes
    )
