"""The detections screen: AI guards with catches / false positives / success rate, and the latest
people, vehicles, objects and motion with their boxes drawn on the snapshot; filter by class,
guard and camera (the API's filter set); mark a detection as a false detection."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from detection.filters import DetectionFilter, detection_events
from detection.models import Guard
from detection.services.guards import guard_catches, success_rate, with_stats
from detection.services.reviews import ReviewRefused, review_detection
from surveillance.services.media_access import media_url

PAGE = 60
DEFAULT_WINDOW = dt.timedelta(days=7)  # keeps the query on the recent partitions


def _box(event) -> dict | None:
    box = event.bounding_box or {}
    try:
        fw, fh = float(box["frame_width"]), float(box["frame_height"])
        return {
            "x": float(box["x"]) / fw,
            "y": float(box["y"]) / fh,
            "w": float(box["width"]) / fw,
            "h": float(box["height"]) / fh,
        }
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def _guards(user) -> list[dict]:
    visible = Guard.objects.restrict(user, "read").select_related("site")
    guards = list(with_stats(visible).order_by("site__name", "name"))
    catches = guard_catches([g.id for g in guards])
    rows = []
    for guard in guards:
        caught = catches.get(str(guard.id), 0)
        rate = success_rate(caught, guard.false_positives)
        rows.append({"guard": guard, "catches": caught, "false_positives": guard.false_positives, "rate": rate})
    return rows


def detections_view(request):
    if not policy.can(request.user, "events", "read"):
        raise PermissionDenied
    since = timezone.now() - DEFAULT_WINDOW
    base = detection_events().restrict(request.user, "read").filter(timestamp__gte=since)
    filters = DetectionFilter(request.GET, queryset=base.select_related("camera"))
    events = list(filters.qs.order_by("-timestamp")[:PAGE]) if filters.is_valid() else []
    with_media = policy.can(request.user, "media", "read")
    guards = _guards(request.user)
    names = {str(row["guard"].id): row["guard"].name for row in guards}
    cards = [
        {
            "event": event,
            "label": (event.metadata or {}).get("label", event.event_type),
            "track": (event.metadata or {}).get("track_id"),
            "guard": names.get(str((event.metadata or {}).get("guard_id"))),
            "snapshot": media_url(event.image_path) if with_media and event.image_path else None,
            "box": _box(event),
            "percent": round(float(event.confidence) * 100),
        }
        for event in events
    ]
    context = {
        **admin.site.each_context(request),
        "title": "Detections",
        "filters": filters,
        "cards": cards,
        "guards": guards,
        "can_review": policy.can(request.user, "events", "acknowledge"),
    }
    return TemplateResponse(request, "admin/console/detections.html", context)


@require_POST
def review_view(request):
    if not policy.can(request.user, "events", "acknowledge"):
        raise PermissionDenied
    event = (
        detection_events()
        .restrict(request.user, "read")
        .filter(id=request.POST.get("event"), timestamp__gte=timezone.now() - DEFAULT_WINDOW * 5)
        .first()
        if request.POST.get("event", "").count("-") == 4
        else None
    )
    if event is None:
        messages.error(request, "No such detection (or not one of your sites').")
    else:
        try:
            verdict = request.POST.get("verdict", "")
            review_detection(event, verdict, user=request.user)
            messages.success(request, "Marked as a false detection." if verdict == "false_positive" else "Confirmed.")
        except ReviewRefused as exc:
            messages.error(request, str(exc))
    return redirect(f"{request.path.rsplit('review/', 1)[0]}?{request.POST.get('query', '')}")
