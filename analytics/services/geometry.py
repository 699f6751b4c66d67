"""Plane geometry the analysis needs beyond point-in-polygon (alerts.services.geometry):
which side of a line a point is on, whether a step crosses a segment, box overlap."""

from __future__ import annotations

from surveillance.services.zones import cross, segments_cross

__all__ = ["clip_box", "cross", "iou", "segments_cross", "side"]

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x, y, width, height


def side(a: Point, b: Point, p: Point) -> int:
    """-1: side A (left of the arrow a→b on a screen, whose y axis points down), 1: side B, 0: on it."""
    value = cross(a, b, p)
    return 0 if value == 0 else (1 if value > 0 else -1)


def iou(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (aw * ah + bw * bh - inter)


def clip_box(box: Box) -> Box | None:
    """The part of a normalised box inside the frame; None when nothing of it is."""
    x, y, w, h = box
    left, top = max(0.0, x), max(0.0, y)
    right, bottom = min(1.0, x + w), min(1.0, y + h)
    if right <= left or bottom <= top:
        return None
    return left, top, right - left, bottom - top
