"""Line counts for people: today's crossings per line, where "today" is the local day of each
line's site (counts reset at the site's midnight, as the buckets are local dates)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from alerts.services.schedules import zone
from analytics.models import CountingLine, LineCount


def line_counts_today(user, now: dt.datetime | None = None, limit: int = 100) -> list[dict]:
    """[{"line", "name", "camera", "site", "day", "a_to_b", "b_to_a", "by_label": {label: {dir: n}}}]."""
    now = now or timezone.now()
    lines = list(
        CountingLine.objects.filter(is_active=True)
        .restrict(user)
        .select_related("camera__dvr__site")
        .order_by("camera__dvr__site__name", "camera__name", "name")[:limit]
    )
    days = {line.id: now.astimezone(zone(line.camera.dvr.site.timezone or "UTC")).date() for line in lines}
    rows = LineCount.objects.filter(line__in=lines, day__in=set(days.values())).restrict(user)
    counts: dict = {}
    for row in rows.values("line_id", "day", "label", "direction", "count"):
        if days.get(row["line_id"]) == row["day"]:
            counts.setdefault(row["line_id"], {}).setdefault(row["label"], {})[row["direction"]] = row["count"]
    summary = []
    for line in lines:
        by_label = counts.get(line.id, {})
        summary.append(
            {
                "line": str(line.id),
                "name": line.name,
                "camera": line.camera.name,
                "site": line.camera.dvr.site.name,
                "day": days[line.id].isoformat(),
                "allowed_direction": line.allowed_direction,
                "a_to_b": sum(d.get("a_to_b", 0) for d in by_label.values()),
                "b_to_a": sum(d.get("b_to_a", 0) for d in by_label.values()),
                "by_label": by_label,
            }
        )
    return summary
