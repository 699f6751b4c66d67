"""Where a detection stands: the bounding box's bottom-centre (the feet) in normalised frame
coordinates, and whether it lies inside a zone polygon."""

from __future__ import annotations

Point = tuple[float, float]
Polygon = tuple[Point, ...]


def parse_resolution(resolution: str | None) -> tuple[float, float] | None:
    """'1920x1080' → (1920.0, 1080.0); None when absent or malformed."""
    if not resolution:
        return None
    width, _, height = resolution.lower().partition("x")
    try:
        size = float(width), float(height)
    except ValueError:
        return None
    return size if size[0] > 0 and size[1] > 0 else None


def anchor_point(bounding_box, frame_size: tuple[float, float] | None = None) -> Point | None:
    """Bottom-centre of the box, normalised to 0..1; None when the box can't be placed in the frame.

    Pixel boxes are scaled by the box's own frame_width/frame_height, else by the camera's
    resolution; a box whose coordinates are all within 0..1 is taken as already normalised.
    """
    if not isinstance(bounding_box, dict):
        return None
    try:
        x = float(bounding_box["x"])
        y = float(bounding_box["y"])
        width = float(bounding_box["width"])
        height = float(bounding_box["height"])
    except (KeyError, TypeError, ValueError):
        return None
    foot_x, foot_y = x + width / 2, y + height
    frame_width, frame_height = bounding_box.get("frame_width"), bounding_box.get("frame_height")
    if frame_width and frame_height:
        try:
            return foot_x / float(frame_width), foot_y / float(frame_height)
        except (TypeError, ValueError, ZeroDivisionError):
            return None
    if 0 <= x <= 1 and 0 <= y <= 1 and x + width <= 1 and y + height <= 1:
        return foot_x, foot_y
    if frame_size:
        return foot_x / frame_size[0], foot_y / frame_size[1]
    return None


def parse_polygon(points) -> Polygon | None:
    """[{"x": .., "y": ..}, ...] or [[x, y], ...] → tuple of points; None when unusable."""
    if not isinstance(points, list) or len(points) < 3:
        return None
    parsed = []
    for point in points:
        try:
            parsed.append(
                (float(point["x"]), float(point["y"])) if isinstance(point, dict) else tuple(map(float, point))
            )
        except (KeyError, TypeError, ValueError):
            return None
        if len(parsed[-1]) != 2:
            return None
    return tuple(parsed)


def point_in_polygon(point: Point, polygon: Polygon) -> bool:
    """Even-odd ray casting (a point exactly on an edge may fall either side)."""
    px, py = point
    inside = False
    x1, y1 = polygon[-1]
    for x2, y2 in polygon:
        if (y2 > py) != (y1 > py) and px < (x1 - x2) * (py - y2) / (y1 - y2) + x2:
            inside = not inside
        x1, y1 = x2, y2
    return inside
