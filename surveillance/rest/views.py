"""Sites, recorders, cameras, zones, events, media and device logs."""

from __future__ import annotations

from django.db.models import F
from drf_spectacular.utils import extend_schema
from rest_framework import generics, viewsets
from rest_framework.exceptions import NotFound

from accounts import policy
from accounts.models import UserSiteAssignment
from accounts.rest.access import PolicyViewSetMixin
from accounts.rest.filters import ListFiltersOnlyMixin
from accounts.rest.pagination import KeysetPagination
from surveillance.models import (
    DVR,
    Camera,
    CameraZone,
    DashboardStats,
    DeviceConnectivityLog,
    Event,
    MediaFile,
    RecentEvent,
    Site,
    SuspiciousActivityEvent,
    SystemHealthLog,
    VideoClip,
)
from surveillance.rest import filters
from surveillance.rest import serializers as s


class SiteViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    queryset = Site.objects.all()
    serializer_class = s.SiteSerializer
    filterset_class = filters.SiteFilter

    def perform_create(self, serializer):
        site = serializer.save()
        if not policy.is_unrestricted(self.request.user):
            # A site-scoped administrator keeps seeing the site they just created.
            UserSiteAssignment.objects.create(user=self.request.user, site=site)


class DVRViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    queryset = DVR.objects.all()
    serializer_class = s.DVRSerializer
    filterset_class = filters.DVRFilter


class CameraViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    queryset = Camera.objects.select_related("dvr")
    serializer_class = s.CameraSerializer
    filterset_class = filters.CameraFilter


class ZoneViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    queryset = CameraZone.objects.all()
    serializer_class = s.ZoneSerializer
    filterset_class = filters.ZoneFilter


class TimeSeriesViewSet(ListFiltersOnlyMixin, PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Newest first, keyset-paged, time-bounded (partitioned tables: no count(*))."""

    pagination_class = KeysetPagination
    cursor_time_field = "timestamp"


class EventViewSet(TimeSeriesViewSet):
    queryset = Event.objects.annotate(site_id=F("camera__dvr__site_id"))
    serializer_class = s.EventSerializer
    filterset_class = filters.EventFilter


class SuspiciousActivityEventViewSet(TimeSeriesViewSet):
    queryset = SuspiciousActivityEvent.objects.annotate(site_id=F("camera__dvr__site_id"))
    serializer_class = s.SuspiciousActivityEventSerializer
    filterset_class = filters.SuspiciousActivityFilter


class MediaFileViewSet(TimeSeriesViewSet):
    queryset = MediaFile.objects.all()
    serializer_class = s.MediaFileSerializer
    filterset_class = filters.MediaFileFilter


class VideoClipViewSet(TimeSeriesViewSet):
    queryset = VideoClip.objects.select_related("media_file")
    serializer_class = s.VideoClipSerializer
    filterset_class = filters.VideoClipFilter
    cursor_time_field = "start_time"


class SystemHealthLogViewSet(TimeSeriesViewSet):
    queryset = SystemHealthLog.objects.all()
    serializer_class = s.SystemHealthLogSerializer
    filterset_class = filters.SystemHealthLogFilter


class DeviceConnectivityLogViewSet(TimeSeriesViewSet):
    queryset = DeviceConnectivityLog.objects.all()
    serializer_class = s.DeviceConnectivityLogSerializer
    filterset_class = filters.DeviceConnectivityLogFilter


class RecentEventViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The seed's vw_recent_events (last 24 hours; every site, so super admins only)."""

    queryset = RecentEvent.objects.all()
    serializer_class = s.RecentEventSerializer
    filterset_class = filters.RecentEventFilter
    pagination_class = KeysetPagination
    cursor_time_field = "event_timestamp"
    cursor_id_field = "event_id"


class DashboardStatsView(PolicyViewSetMixin, generics.RetrieveAPIView):
    """The seed's vw_dashboard_stats: platform-wide totals (super admins; others get 404)."""

    queryset = DashboardStats.objects.all()
    serializer_class = s.DashboardStatsSerializer

    @extend_schema(tags=["dashboard"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        stats = self.get_queryset().first()
        if stats is None:
            raise NotFound("dashboard totals span every site; they are shown to super admins only")
        return stats
