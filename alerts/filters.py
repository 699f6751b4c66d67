"""The one definition of how an alert list is narrowed: the REST list and the console's alert
queue (alerts.services.queue) both use it."""

from __future__ import annotations

import django_filters

from accounts.rest.filters import any_of, time_range
from alerts.models import Alert, AlertStatus
from surveillance.models import Severity


class AlertFilter(django_filters.FilterSet):
    created_at = time_range("created_at")
    status = any_of(AlertStatus.choices)
    severity = any_of(Severity.choices)
    camera = django_filters.UUIDFilter(field_name="camera_id")
    site = django_filters.UUIDFilter(field_name="camera__dvr__site_id")
    person = django_filters.UUIDFilter(field_name="person_id")
    cluster = django_filters.UUIDFilter(field_name="cluster_id")
    alert_rule = django_filters.UUIDFilter(field_name="alert_rule_id")
    event = django_filters.UUIDFilter(field_name="event_id")

    class Meta:
        model = Alert
        fields = ["created_at", "status", "severity", "camera", "site", "person", "cluster", "alert_rule", "event"]
