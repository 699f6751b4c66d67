"""Console screens of scene descriptions: the search ("described as …", reached from the event
browser) and the 'describe this' action of the event and alert pages."""

from __future__ import annotations

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import policy
from alerts.models import Alert
from scenes.filters import SceneDescriptionFilter
from scenes.models import SceneDescription
from scenes.services import describing
from scenes.services.budget import BudgetExhausted
from scenes.services.frames import is_clip
from surveillance.models import Event
from surveillance.services.media_access import media_url

RESULTS = 100


def description_card(description: SceneDescription, *, with_media: bool) -> dict:
    image = next((name for name in description.image_paths or [] if not is_clip(name)), None)
    return {
        "d": description,
        "site": description.camera.dvr.site.name,
        "snapshot": media_url(image) if with_media and image else None,
    }


def scene_search(request):
    if not policy.can(request.user, "events", "read"):
        raise PermissionDenied
    rows = SceneDescription.objects.restrict(request.user).select_related("camera__dvr__site")
    filterset = SceneDescriptionFilter(request.GET or None, queryset=rows, request=request)
    cards = []
    if filterset.is_bound and filterset.is_valid():
        with_media = policy.can(request.user, "media", "read")
        found = filterset.qs.order_by("-created_at")[:RESULTS]
        cards = [description_card(d, with_media=with_media) for d in found]
    context = {
        **admin.site.each_context(request),
        "title": "Described scenes",
        "filterset": filterset,
        "cards": cards,
        "limit": RESULTS,
    }
    return TemplateResponse(request, "admin/console/scenes.html", context)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def describe_this(request):
    """POST event=<id> or alert=<id> (and next=<page>): queue a description, say what happened."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not policy.can(request.user, "events", "acknowledge"):
        raise PermissionDenied
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "../"
    event_id, alert_id = _uuid(request.POST.get("event")), _uuid(request.POST.get("alert"))
    try:
        if event_id:
            event = Event.objects.restrict(request.user).filter(pk=event_id).first()
            if event is None:
                raise Http404("no such event")
            describing.describe_event(event, request.user)
        else:
            alert = Alert.objects.restrict(request.user).filter(pk=alert_id).first() if alert_id else None
            if alert is None:
                raise Http404("no such alert")
            describing.describe_alert(alert, request.user)
    except (describing.DescribeRefused, BudgetExhausted) as exc:
        messages.error(request, f"Not described: {exc}.")
    else:
        messages.success(request, "Description requested; it appears here once the model answers.")
    return HttpResponseRedirect(target)
