"""List filters for recordings and clip requests (shared with nothing else yet; the console's
recordings page shows one camera's last hours)."""

import django_filters

from accounts.rest.filters import TimeBoundFilterSet, any_of, time_range
from video.models import ClipRequest, ClipStatus, Recording, RecordingKind

SITE_OF_CAMERA = "camera__dvr__site_id"


class RecordingFilter(TimeBoundFilterSet):
    time_filter = "start_time"
    start_time = time_range("start_time")
    camera = django_filters.UUIDFilter(field_name="camera_id")
    site = django_filters.UUIDFilter(field_name=SITE_OF_CAMERA)
    kind = django_filters.ChoiceFilter(choices=RecordingKind.choices)

    class Meta:
        model = Recording
        fields = ["start_time", "camera", "site", "kind"]


class ClipRequestFilter(django_filters.FilterSet):
    created_at = time_range("created_at")
    camera = django_filters.UUIDFilter(field_name="camera_id")
    alert = django_filters.UUIDFilter(field_name="alert_id")
    event = django_filters.UUIDFilter(field_name="event_id")
    status = any_of(ClipStatus.choices)

    class Meta:
        model = ClipRequest
        fields = ["created_at", "camera", "alert", "event", "status"]
