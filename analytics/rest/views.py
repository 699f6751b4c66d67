"""Counting lines and their daily counts, and the analytics settings, over REST."""

from __future__ import annotations

from rest_framework import viewsets

from accounts.rest.access import PolicyViewSetMixin
from analytics.models import CameraAnalytics, CountingLine, LineCount, OpeningHours, ZoneAnalytics
from analytics.rest import filters
from analytics.rest import serializers as s


class CountingLineViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    queryset = CountingLine.objects.all()
    serializer_class = s.CountingLineSerializer
    filterset_class = filters.CountingLineFilter


class LineCountViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Crossings per line, local day at the site, class and direction (A→B / B→A)."""

    queryset = LineCount.objects.select_related("line")
    lookup_value_regex = "[0-9]+"
    serializer_class = s.LineCountSerializer
    filterset_class = filters.LineCountFilter
    lookup_value_regex = r"[0-9]+"


class CameraAnalyticsViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    queryset = CameraAnalytics.objects.order_by("camera__name", "camera_id")
    serializer_class = s.CameraAnalyticsSerializer
    filterset_class = filters.CameraAnalyticsFilter


class ZoneAnalyticsViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    queryset = ZoneAnalytics.objects.order_by("zone__camera__name", "zone__name", "zone_id")
    serializer_class = s.ZoneAnalyticsSerializer
    filterset_class = filters.ZoneAnalyticsFilter


class OpeningHoursViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    queryset = OpeningHours.objects.order_by("site__name", "site_id")
    serializer_class = s.OpeningHoursSerializer
    filterset_class = filters.OpeningHoursFilter
