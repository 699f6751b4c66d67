"""Times as operators read them: in the site's timezone, to the second, with the zone's name
("2026-12-01 16:01:51 +08"), never UTC with microseconds."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FORMAT = "%Y-%m-%d %H:%M:%S %Z"


@lru_cache(maxsize=256)
def site_zone(name: str | None) -> dt.tzinfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        # A broken site timezone must not stop a message: fall back to UTC, which says so.
        return dt.UTC


def local_time(moment: dt.datetime | None, tz_name: str | None, fmt: str = FORMAT) -> str:
    """`moment` in the zone `tz_name`, without microseconds; "" for None."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(site_zone(tz_name)).strftime(fmt).strip()


def local_day_start(tz_name: str | None, now: dt.datetime) -> dt.datetime:
    """Midnight of `now`'s day in the zone, as an aware datetime."""
    local = now.astimezone(site_zone(tz_name))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)
