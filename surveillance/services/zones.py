"""Zone polygons: refused when their edges cross (a "bow tie" has no clear inside, and the
even-odd point test would report half of it as outside)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

Point = tuple[float, float]


def cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(a: Point, b: Point, c: Point) -> bool:
    return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])


def segments_cross(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """Whether segments p1p2 and q1q2 cross or touch."""
    d1, d2 = cross(q1, q2, p1), cross(q1, q2, p2)
    d3, d4 = cross(p1, p2, q1), cross(p1, p2, q2)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _on_segment(q1, q2, p1))
        or (d2 == 0 and _on_segment(q1, q2, p2))
        or (d3 == 0 and _on_segment(p1, p2, q1))
        or (d4 == 0 and _on_segment(p1, p2, q2))
    )


def polygon_crosses_itself(points: list[Point]) -> bool:
    """True when two non-adjacent edges of the closed polygon touch or cross."""
    n = len(points)
    edges = [(points[i], points[(i + 1) % n]) for i in range(n)]
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue  # adjacent through the closing edge
            if segments_cross(*edges[i], *edges[j]):
                return True
    return False


def validate_polygon(points) -> None:
    """Model-level check (admin forms): 3+ points of {"x", "y"} in 0..1 that do not cross."""
    if not isinstance(points, list) or len(points) < 3:
        raise ValidationError('at least 3 points: [{"x": 0.1, "y": 0.2}, ...]')
    parsed = []
    for point in points:
        if not isinstance(point, dict) or set(point) != {"x", "y"}:
            raise ValidationError('each point is {"x": number, "y": number}')
        x, y = point["x"], point["y"]
        if any(isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1 for v in (x, y)):
            raise ValidationError("coordinates are fractions of the frame, between 0 and 1")
        parsed.append((float(x), float(y)))
    if polygon_crosses_itself(parsed):
        raise ValidationError("the polygon crosses itself; list its points in order around the edge")
