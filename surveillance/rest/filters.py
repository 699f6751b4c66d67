"""List filters: time ranges, camera, site, type, person, status, severity."""

from __future__ import annotations

import django_filters

from accounts.rest.filters import TimeBoundFilterSet, any_of, time_range
from surveillance.models import (
    DVR,
    ActivityType,
    Camera,
    CameraZone,
    ConnectivityEvent,
    DeviceConnectivityLog,
    DeviceStatus,
    Event,
    EventType,
    MediaFile,
    RecentEvent,
    Severity,
    Site,
    SuspiciousActivityEvent,
    SystemHealthLog,
    VideoClip,
)

SITE_OF_CAMERA = "camera__dvr__site_id"


class SiteFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Site
        fields = ["name", "timezone"]


class DVRFilter(django_filters.FilterSet):
    site = django_filters.UUIDFilter(field_name="site_id")
    status = any_of(DeviceStatus.choices)

    class Meta:
        model = DVR
        fields = ["site", "status"]


class CameraFilter(django_filters.FilterSet):
    dvr = django_filters.UUIDFilter(field_name="dvr_id")
    site = django_filters.UUIDFilter(field_name="dvr__site_id")
    status = any_of(DeviceStatus.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Camera
        fields = ["dvr", "site", "status", "is_active", "name"]


class ZoneFilter(django_filters.FilterSet):
    camera = django_filters.UUIDFilter(field_name="camera_id")
    site = django_filters.UUIDFilter(field_name=SITE_OF_CAMERA)

    class Meta:
        model = CameraZone
        fields = ["camera", "site", "zone_type", "is_active"]


class UUIDInFilter(django_filters.BaseInFilter, django_filters.UUIDFilter):
    """One id, or several separated by commas."""


class EventFilter(TimeBoundFilterSet):
    """The one definition of how an event list is narrowed: the REST list and the console's
    event browser, export and timelines (surveillance.services.sightings) all use it."""

    timestamp = time_range()
    camera = django_filters.UUIDFilter(field_name="camera_id")
    site = django_filters.UUIDFilter(field_name=SITE_OF_CAMERA)
    event_type = any_of(EventType.choices)
    person = django_filters.UUIDFilter(field_name="person_id")
    cluster = UUIDInFilter(field_name="cluster_id", help_text="A cluster id, or several separated by commas")
    min_confidence = django_filters.NumberFilter(field_name="confidence", lookup_expr="gte", min_value=0, max_value=1)

    class Meta:
        model = Event
        fields = ["timestamp", "camera", "site", "event_type", "person", "cluster", "reviewed", "min_confidence"]


class SuspiciousActivityFilter(TimeBoundFilterSet):
    timestamp = time_range()
    camera = django_filters.UUIDFilter(field_name="camera_id")
    site = django_filters.UUIDFilter(field_name=SITE_OF_CAMERA)
    zone = django_filters.UUIDFilter(field_name="zone_id")
    activity_type = any_of(ActivityType.choices)
    severity = any_of(Severity.choices)

    class Meta:
        model = SuspiciousActivityEvent
        fields = ["timestamp", "camera", "site", "zone", "activity_type", "severity", "alert_sent"]


class MediaFileFilter(django_filters.FilterSet):
    timestamp = time_range()
    camera = django_filters.UUIDFilter(field_name="camera_id")
    site = django_filters.UUIDFilter(field_name=SITE_OF_CAMERA)
    event = django_filters.UUIDFilter(field_name="event_id")

    class Meta:
        model = MediaFile
        fields = ["timestamp", "camera", "site", "event", "file_type"]


class VideoClipFilter(django_filters.FilterSet):
    start_time = time_range("start_time")
    camera = django_filters.UUIDFilter(field_name="camera_id")
    site = django_filters.UUIDFilter(field_name=SITE_OF_CAMERA)
    event = django_filters.UUIDFilter(field_name="event_id")

    class Meta:
        model = VideoClip
        fields = ["start_time", "camera", "site", "event"]


class SystemHealthLogFilter(TimeBoundFilterSet):
    timestamp = time_range()
    status = any_of(DeviceStatus.choices)

    class Meta:
        model = SystemHealthLog
        fields = ["timestamp", "component", "status"]


class DeviceConnectivityLogFilter(TimeBoundFilterSet):
    timestamp = time_range()
    device_id = django_filters.UUIDFilter()
    event = any_of(ConnectivityEvent.choices)

    class Meta:
        model = DeviceConnectivityLog
        fields = ["timestamp", "device_type", "device_id", "event"]


class RecentEventFilter(django_filters.FilterSet):
    camera = django_filters.UUIDFilter(field_name="camera_id")
    person = django_filters.UUIDFilter(field_name="person_id")
    event_type = any_of(EventType.choices)

    class Meta:
        model = RecentEvent
        fields = ["camera", "person", "event_type", "reviewed"]
