"""`{% scene_panel event=… alert=… incident=… %}`: the descriptions of an event, alert or
incident that the viewer may see, with a 'describe this' button for those who may ask."""

from __future__ import annotations

from django import template
from django.db.models import Q

from accounts import policy
from scenes.models import SceneDescription

register = template.Library()
SHOWN = 10


@register.inclusion_tag("scenes/_descriptions.html", takes_context=True)
def scene_panel(context, event=None, alert=None, incident=None, describable=True):
    request = context.get("request")
    user = getattr(request, "user", None)
    lookup = Q()
    if event is not None:
        lookup |= Q(event_id=getattr(event, "pk", event))
    if alert is not None:
        lookup |= Q(alert_id=getattr(alert, "pk", alert))
        if getattr(alert, "event_id", None):  # what was said about its event counts too
            lookup |= Q(event_id=alert.event_id)
    if incident is not None:
        lookup |= Q(incident_id=getattr(incident, "pk", incident))
    rows = []
    if user is not None and lookup:
        rows = list(SceneDescription.objects.restrict(user).filter(lookup).order_by("-created_at")[:SHOWN])
    return {
        "descriptions": rows,
        # The button describes the alert where there is one (its snapshot and its event's).
        "alert_id": getattr(alert, "pk", alert) if alert is not None else None,
        "event_id": getattr(event, "pk", event) if event is not None and alert is None else None,
        "can_describe": describable and user is not None and policy.can(user, "events", "acknowledge"),
        "next": request.get_full_path() if request else "",
        "csrf_token": context.get("csrf_token"),
    }
