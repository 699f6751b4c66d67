"""The dashboard's view of incidents: open ones, overdue ones (SLA breached or past due)."""

from __future__ import annotations

from django.utils import timezone

from incidents.models import OPEN_STATUSES, Incident
from incidents.services.automation import overdue_incidents
from surveillance.services.localtime import local_time

OVERDUE_LISTED = 5


def incident_overview(user) -> dict:
    visible = Incident.objects.restrict(user, "read")
    now = timezone.now()
    overdue = overdue_incidents(visible, now).select_related("site").order_by("resolve_due_at")
    return {
        "open": visible.filter(status__in=OPEN_STATUSES).count(),
        "mine": visible.filter(status__in=OPEN_STATUSES, assigned_to=user).count(),
        "overdue": overdue.count(),
        "overdue_list": [
            {
                "id": str(i.pk),
                "number": i.number,
                "title": i.title,
                "priority": i.priority,
                "status": i.status,
                "due": local_time(i.acknowledge_due_at if i.status == "new" else i.resolve_due_at, i.site.timezone),
            }
            for i in overdue[:OVERDUE_LISTED]
        ],
    }
