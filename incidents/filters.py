"""The incident list's filters: one FilterSet for the REST list and the console list."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from accounts.rest.filters import any_of, time_range
from incidents.models import OPEN_STATUSES, PRIORITY_LABELS, Incident, IncidentStatus, IncidentType
from incidents.services.automation import overdue_incidents
from surveillance.models import Site

STATE_CHOICES = [("open", "Open"), ("done", "Resolved, closed or cancelled")]


def _visible_sites(request):
    if request is None:
        return Site.objects.none()
    return Site.objects.restrict(request.user)


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Number or title")
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method="by_state", empty_label="Any state")
    status = any_of(IncidentStatus.choices)
    priority = any_of(sorted(PRIORITY_LABELS.items()))
    site = django_filters.ModelChoiceFilter(queryset=_visible_sites, empty_label="All my sites")
    incident_type = django_filters.ModelChoiceFilter(queryset=IncidentType.objects.all(), empty_label="Any type")
    assigned_to = django_filters.UUIDFilter(field_name="assigned_to_id")
    mine = django_filters.BooleanFilter(method="assigned_to_me", label="Assigned to me")
    overdue = django_filters.BooleanFilter(method="past_target", label="Overdue (past an SLA target)")
    created_at = time_range("created_at")

    class Meta:
        model = Incident
        fields = ["q", "state", "status", "priority", "site", "incident_type", "assigned_to", "mine", "overdue"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__iexact=value) | Q(title__icontains=value)) if value else queryset

    def by_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    def assigned_to_me(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return queryset
        return queryset.filter(assigned_to=user) if value else queryset.exclude(assigned_to=user)

    def past_target(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = overdue_incidents(queryset)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))
