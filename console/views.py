"""Console screens for events: the dashboard (admin index), the event browser and its export,
person / cluster timelines, and the policy-checked media view. Thin views over
`console.services.dashboard`, `.sightings` and `.media_access`."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts import policy
from accounts.services.audit import record_access
from alerts.services.queue import alert_cards, alert_queue, can_handle_alerts
from analytics.services.links import activities_of_events
from console.forms import EventFilterForm, TimelineForm
from console.services import dashboard
from faces.models import Person, PersonCluster
from surveillance.services import media_access, sightings

NEWEST_ALERTS = 8


def dashboard_data(user) -> dict:
    """Everything the dashboard shows, limited to what the user's role may read."""
    data: dict = {
        "stats": dashboard.dashboard_stats(user),
        "generated_at": timezone.now().isoformat(),
        "events_per_hour": None,
        "alerts_by_severity": None,
        "newest_alerts": None,
        "cameras": None,
        "incidents": None,
        "line_counts": None,
    }
    if policy.can(user, "events", "read"):
        data["events_per_hour"] = dashboard.events_per_hour(user)
        data["line_counts"] = dashboard.line_counts_today(user)
    if policy.can(user, "alerts", "read"):
        data["alerts_by_severity"] = dashboard.alerts_by_severity(user)
        data["newest_alerts"] = alert_cards(alert_queue(user)[:NEWEST_ALERTS])
    if policy.can(user, "incidents", "read"):
        from incidents.services.overview import incident_overview

        data["incidents"] = incident_overview(user)
    if policy.can(user, "cameras", "read"):
        data["cameras"] = [
            {**vars(camera), "last_frame": camera.last_frame.isoformat() if camera.last_frame else None}
            for camera in dashboard.camera_health(user)
        ]
    return data


def dashboard_context(request) -> dict:
    data = dashboard_data(request.user)
    return {"dashboard": data, "can_handle_alerts": can_handle_alerts(request.user)}


def dashboard_json(request):
    return JsonResponse(dashboard_data(request.user))


def _with_local_time(card: dict, event) -> dict:
    card["when"] = timezone.localtime(event.timestamp).strftime("%Y-%m-%d %H:%M:%S")
    return card


def _with_activities(user, cards: list[dict], events) -> list[dict]:
    """Badges for the suspicious activities an event led to (behaviour analytics)."""
    found = activities_of_events(user, events)
    for card in cards:
        card["activities"] = found.get(card["id"], [])
    return cards


def _browser_context(request, form, events, cursor) -> dict:
    query = request.GET.copy()
    query.pop("before", None)
    next_query = None
    if cursor is not None:
        older = query.copy()
        older["before"] = f"{cursor[0].isoformat()}|{cursor[1]}"
        next_query = older.urlencode()
    with_media = policy.can(request.user, "media", "read")
    return {
        "form": form,
        "events": _with_activities(
            request.user,
            [_with_local_time(sightings.event_card(event, with_media=with_media), event) for event in events],
            events,
        ),
        "next_query": next_query,
        "first_query": query.urlencode(),
        "paged": bool(request.GET.get("before")),
    }


def _person_filter(request, form) -> dict | None:
    """The person searched for (the filter has no visible field: it comes from person links)."""
    person_id = form.cleaned_data.get("person") if form.is_valid() else None
    if not person_id:
        return None
    query = request.GET.copy()
    query.pop("person", None)
    query.pop("before", None)
    return {"name": str(Person.objects.get(pk=person_id)), "clear_query": query.urlencode()}


def event_browser(request):
    if not policy.can(request.user, "events", "read"):
        raise PermissionDenied
    form = EventFilterForm(request.GET, user=request.user)
    events, cursor = [], None
    if form.is_valid():
        events, cursor = sightings.find_events(request.user, form.query, before=form.cleaned_data.get("before"))
    context = {
        **admin.site.each_context(request),
        "title": "Events",
        **_browser_context(request, form, events, cursor),
        "person_filter": _person_filter(request, form),
    }
    return TemplateResponse(request, "admin/console/events.html", context)


def event_export(request):
    if not policy.can(request.user, "events", "read"):
        raise PermissionDenied
    form = EventFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    record_access(request.user, "events_export", "event", None, request=request, query=request.GET.urlencode())

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())
    rows = (writer.writerow(row) for row in sightings.export_events(request.user, form.query))
    response = StreamingHttpResponse(rows, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="orin-events-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response


def _timeline(request, *, title: str, subject: dict, flt_kwargs: dict):
    form = TimelineForm(request.GET)
    events, truncated, since, until = [], False, None, None
    if form.is_valid():
        try:
            since, until = form.time_window()
        except ValidationError as exc:  # an incomplete custom range
            form.add_error(None, exc)
        else:
            query = sightings.event_query(since, until, **flt_kwargs)
            try:
                events, truncated = sightings.sightings(request.user, query)
            except sightings.RangeError as exc:
                form.add_error("until", str(exc))
    with_media = policy.can(request.user, "media", "read")
    # Every sighting is a dot on the timeline; only the newest get a card with a thumbnail.
    dots = [
        {
            "id": str(e.id),
            "timestamp": e.timestamp.isoformat(),
            "site": {"name": e.camera.dvr.site.name},
            "camera": {"name": e.camera.name},
        }
        for e in events
    ]
    newest = events[-sightings.TIMELINE_CARDS :]
    cards = _with_activities(
        request.user,
        [_with_local_time(sightings.event_card(event, with_media=with_media), event) for event in newest],
        newest,
    )
    cameras = sorted({(d["site"]["name"], d["camera"]["name"]) for d in dots})
    context = {
        **admin.site.each_context(request),
        "title": title,
        "subject": subject,
        "form": form,
        "count": len(events),
        "cards_shown": len(cards),
        "truncated": truncated,
        "timeline": {
            "events": dots,
            "lanes": [f"{site} · {camera}" for site, camera in cameras],
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
        "days": _by_day(cards),
        "sites_seen": sorted({d["site"]["name"] for d in dots}),
    }
    return TemplateResponse(request, "admin/console/timeline.html", context)


def _by_day(cards: list[dict]) -> list[tuple[str, list[dict]]]:
    days: dict[str, list[dict]] = {}
    for card in reversed(cards):  # newest day first
        days.setdefault(card["when"][:10], []).append(card)
    return list(days.items())


def person_timeline(request, person_id):
    if not policy.can(request.user, "events", "read"):
        raise PermissionDenied
    person = get_object_or_404(Person.objects.all().restrict(request.user), pk=person_id)
    subject = {"kind": "person", "id": str(person.pk), "name": str(person), "status": person.status}
    return _timeline(request, title=f"Sightings of {person}", subject=subject, flt_kwargs={"person": person.pk})


def cluster_timeline(request, cluster_id):
    if not policy.can(request.user, "events", "read"):
        raise PermissionDenied
    cluster = get_object_or_404(PersonCluster.objects.all().restrict(request.user), pk=cluster_id)
    # Clusters merged into this one keep their events: "where else was Unknown-00042 seen?"
    cluster_ids = [cluster.pk, *PersonCluster.objects.filter(merged_into_cluster=cluster).values_list("pk", flat=True)]
    subject = {"kind": "cluster", "id": str(cluster.pk), "name": cluster.cluster_label, "status": cluster.status}
    return _timeline(
        request, title=f"Sightings of {cluster.cluster_label}", subject=subject, flt_kwargs={"clusters": cluster_ids}
    )


def media(request, name: str):
    visible = media_access.find_visible_media(request.user, name)
    if visible is None:
        raise Http404("No such media file.")
    width = request.GET.get("w")
    try:
        if width:
            size = int(width) if width.isdigit() else 0
            size = min(media_access.THUMBNAIL_WIDTHS, key=lambda w: abs(w - size))
            response = HttpResponse(media_access.thumbnail(name, size), content_type="image/jpeg")
        else:
            record_access(
                request.user, "media_download", visible.resource_type, visible.resource_id, request=request, name=name
            )
            response = FileResponse(media_access.open_media(name))
    except media_access.MediaUnavailable as exc:
        raise Http404("The file is no longer in storage.") from exc
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
