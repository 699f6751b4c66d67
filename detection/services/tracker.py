"""Detections become tracks: greedy IoU matching per class with a centroid-distance fallback.

Hand-written (about 60 lines) rather than Roboflow's `trackers`: at 1-2 analysed frames a second
ByteTrack's Kalman motion model buys little, and this keeps the dependency list as it is.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field

Box = tuple[float, float, float, float]  # normalised x, y, width, height


def iou(a: Box, b: Box) -> float:
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax2, bx2) - max(a[0], b[0]))
    ih = max(0.0, min(ay2, by2) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def centre_distance(a: Box, b: Box) -> float:
    """Distance of the centres in units of the larger box's diagonal."""
    dx = (a[0] + a[2] / 2) - (b[0] + b[2] / 2)
    dy = (a[1] + a[3] / 2) - (b[1] + b[3] / 2)
    scale = max((a[2] ** 2 + a[3] ** 2) ** 0.5, (b[2] ** 2 + b[3] ** 2) ** 0.5, 1e-6)
    return (dx * dx + dy * dy) ** 0.5 / scale


@dataclass
class Track:
    track_id: str
    label: str
    box: Box
    confidence: float
    first_seen: float
    last_seen: float
    hits: int = 1
    last_event_at: float | None = None
    extra: dict = field(default_factory=dict)


class Tracker:
    """`update(detections, at)` -> the tracks seen in this frame, in detection order.

    A detection joins the unmatched track of its class with the highest IoU (>= `min_iou`), or
    else the nearest one whose centre lies within `max_jump` diagonals (a person walking between
    two sparse samples may not overlap their last box). Tracks unseen for `max_age` seconds end.
    """

    def __init__(self, min_iou: float = 0.2, max_jump: float = 1.0, max_age: float = 5.0):
        self.min_iou, self.max_jump, self.max_age = min_iou, max_jump, max_age
        self.tracks: dict[str, Track] = {}
        self._prefix = uuid.uuid4().hex[:8]
        self._numbers = itertools.count(1)

    def update(self, detections: list[tuple[str, Box, float]], at: float) -> list[tuple[Track, bool]]:
        """detections: (label, box, confidence). Returns (track, is_new) per detection."""
        for track_id in [t for t, track in self.tracks.items() if at - track.last_seen > self.max_age]:
            del self.tracks[track_id]
        free = dict(self.tracks)
        order = sorted(range(len(detections)), key=lambda i: -detections[i][2])
        result: list[tuple[Track, bool] | None] = [None] * len(detections)
        for i in order:
            label, box, confidence = detections[i]
            candidates = [t for t in free.values() if t.label == label]
            best = max(candidates, key=lambda t: iou(t.box, box), default=None)
            if best is None or iou(best.box, box) < self.min_iou:
                near = min(candidates, key=lambda t: centre_distance(t.box, box), default=None)
                best = near if near is not None and centre_distance(near.box, box) <= self.max_jump else None
            if best is None:
                track = Track(f"{self._prefix}-{next(self._numbers)}", label, box, confidence, at, at)
                self.tracks[track.track_id] = track
                result[i] = (track, True)
                continue
            del free[best.track_id]
            best.box, best.confidence, best.last_seen, best.hits = box, confidence, at, best.hits + 1
            result[i] = (best, False)
        return [r for r in result if r is not None]
