"""The zone polygon editor of the admin: the polygon's JSON in a textarea (still editable by
hand) with an SVG editor drawn over the camera's latest snapshot (static/orin/polygon_editor.js):
click to add a vertex, drag to move one, double-click one to remove it."""

from __future__ import annotations

import json

from django import forms
from django.utils.html import format_html


class PolygonWidget(forms.Textarea):
    def __init__(self, attrs=None) -> None:
        super().__init__(attrs={"rows": 3, "cols": 60, **(attrs or {})})
        self.snapshot_url: str | None = None

    class Media:
        js = ["orin/polygon_editor.js"]

    def format_value(self, value):
        if isinstance(value, list | dict):
            return json.dumps(value)
        return super().format_value(value)

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="orin-polygon-editor" data-snapshot="{}">'
            '<svg viewBox="0 0 1000 562" width="640" role="img" aria-label="Zone polygon over the camera view"'
            ' style="background:#222;display:block;cursor:crosshair;max-width:100%"></svg>'
            '<p class="help">Click to add a point, drag a point to move it, double-click a point to remove it.'
            " Points are fractions of the frame (0–1).</p>{}</div>",
            self.snapshot_url or "",
            textarea,
        )


def latest_snapshot_url(camera_id) -> str | None:
    """The console URL of the camera's newest snapshot in the last week (policy-checked view)."""
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from surveillance.models import Event

    if not camera_id:
        return None
    since = timezone.now() - dt.timedelta(days=7)
    path = (
        Event.objects.filter(camera_id=camera_id, timestamp__gte=since)
        .exclude(image_path__isnull=True)
        .exclude(image_path="")
        .order_by("-timestamp")
        .values_list("image_path", flat=True)
        .first()
    )
    return reverse("admin:console_media", args=[path]) if path else None
