"""List filters of the analytics API (shared with the console)."""

from __future__ import annotations

import django_filters

from analytics.models import CameraAnalytics, CountingLine, LineCount, OpeningHours, ZoneAnalytics


class CountingLineFilter(django_filters.FilterSet):
    camera = django_filters.UUIDFilter(field_name="camera_id")
    site = django_filters.UUIDFilter(field_name="camera__dvr__site_id")

    class Meta:
        model = CountingLine
        fields = ["camera", "site", "is_active", "allowed_direction"]


class LineCountFilter(django_filters.FilterSet):
    line = django_filters.UUIDFilter(field_name="line_id")
    camera = django_filters.UUIDFilter(field_name="line__camera_id")
    site = django_filters.UUIDFilter(field_name="line__camera__dvr__site_id")
    day = django_filters.DateFilter()
    day_after = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    day_before = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = LineCount
        fields = ["line", "camera", "site", "day", "label", "direction"]


class CameraAnalyticsFilter(django_filters.FilterSet):
    site = django_filters.UUIDFilter(field_name="camera__dvr__site_id")

    class Meta:
        model = CameraAnalytics
        fields = ["site"]


class ZoneAnalyticsFilter(django_filters.FilterSet):
    camera = django_filters.UUIDFilter(field_name="zone__camera_id")

    class Meta:
        model = ZoneAnalytics
        fields = ["camera"]


class OpeningHoursFilter(django_filters.FilterSet):
    class Meta:
        model = OpeningHours
        fields = ["site"]
