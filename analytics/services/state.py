"""One camera's analysis within one batch: its configuration, the states of its tracks (loaded
from `TrackState`, written back at the end), and what the batch produces — new activities,
updates of earlier ones, line counts.

State lives in PostgreSQL rather than Redis: it is written in the transaction that stores the
activities, under a per-camera advisory lock, so two workers never analyse one camera at once,
and a batch that rolls back forgets its "already reported" marks together with its rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from analytics.services.config import CameraConfig
from surveillance.models import SuspiciousActivityEvent
from surveillance.services.tracks import TrackPoint

CAMERA_KEY = ""  # TrackState row of the camera itself (crowds, entries, debounce)
HISTORY_SECONDS = 5.0
HISTORY_POINTS = 30


def xy(point: tuple[float, float]) -> dict:
    return {"x": round(point[0], 4), "y": round(point[1], 4)}


def new_track(point: TrackPoint) -> dict:
    return {
        "label": point.label,
        "first": point.timestamp.timestamp(),
        "last": None,
        "n": 0,
        "hist": [],  # [t, x, y] of the anchor, last few seconds
        "box": None,
        "zones": {},  # zone id → {"in", "streak", "first", "since"}
        "lines": {},  # line id → [side, x, y] of the last point off the line
        "rep": {},  # "type:zone-or-line" → {"id", "ts", "at", "open", "since"}
        "still": None,  # [box, since] while the box stays put
        "ended": False,
    }


@dataclass
class CameraAnalysis:
    config: CameraConfig
    tracks: dict[str, dict]
    camera: dict
    activities: list[SuspiciousActivityEvent] = field(default_factory=list)
    updates: list[tuple[uuid.UUID, str, dict]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    dirty: set[str] = field(default_factory=set)

    def active_tracks(self, now: float, label: str | None = None):
        ttl = self.config.settings["present_ttl_s"]
        for track_id, track in self.tracks.items():
            if track["ended"] or track["last"] is None or now - track["last"] > ttl:
                continue
            if label is None or track["label"] == label:
                yield track_id, track

    def report(
        self,
        activity: str,
        point: TrackPoint,
        *,
        severity: str,
        details: dict,
        zone_id=None,
        track: dict | None = None,
        key: str | None = None,
    ) -> dict | None:
        """A new activity row; returns its mark ({"id", "ts", "at"}) or None when switched off or
        folded into the same type's activity of another track on this zone within `debounce_s`."""
        if not self.config.enabled(activity):
            return None
        now = point.timestamp.timestamp()
        debounce = self.camera.setdefault("debounce", {})
        place = f"{activity}:{zone_id or key or ''}"
        last = debounce.get(place)
        if (
            track is not None
            and last
            and last[1] != point.track_id
            and now - last[0] < self.config.settings["debounce_s"]
        ):
            mark = {"id": None, "ts": None, "at": now, "open": False, "folded": True}
            return mark
        debounce[place] = [now, point.track_id]
        self.dirty.add(CAMERA_KEY)
        row = SuspiciousActivityEvent(
            id=uuid.uuid4(),
            camera_id=point.camera_id,
            event_id=point.event_id,
            activity_type=activity,
            zone_id=zone_id,
            confidence=Decimal(str(min(max(point.confidence, 0.0), 1.0))).quantize(Decimal("0.001"), ROUND_HALF_UP),
            severity=severity,
            details={**details, "track_id": point.track_id},
            image_path=point.image_path,
            timestamp=point.timestamp,
        )
        self.activities.append(row)
        return {"id": str(row.id), "ts": point.timestamp.isoformat(), "at": now, "open": True}

    def update(self, mark: dict | None, patch: dict) -> None:
        """Add `patch` to an earlier activity's details (e.g. its final duration)."""
        if not mark or not mark.get("id"):
            return
        for row in self.activities:  # still unsaved: patch it in place
            if str(row.id) == mark["id"]:
                row.details = {**row.details, **patch}
                return
        self.updates.append((uuid.UUID(mark["id"]), mark["ts"], patch))

    def count(self, line_id, when: dt.datetime, label: str, direction: str) -> None:
        self.counts[(line_id, self.config.local(when).date(), label, direction)] += 1
