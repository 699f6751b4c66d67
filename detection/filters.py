"""One filter set for detection events, shared by the API and the console page."""

import django_filters

from surveillance.models import Event, EventType

DETECTION_TYPES = [EventType.HUMAN_DETECTED, EventType.OBJECT_DETECTED, EventType.MOTION_DETECTED]


def detection_events():
    return Event.objects.filter(event_type__in=DETECTION_TYPES)


class DetectionFilter(django_filters.FilterSet):
    label = django_filters.CharFilter(field_name="metadata__label", help_text="COCO class, or motion")
    guard = django_filters.UUIDFilter(method="by_guard", help_text="the guard that caught it")
    camera = django_filters.UUIDFilter(field_name="camera_id")
    track = django_filters.CharFilter(field_name="metadata__track_id")
    event_type = django_filters.ChoiceFilter(choices=[(t.value, t.label) for t in DETECTION_TYPES])
    since = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")
    reviewed = django_filters.BooleanFilter()

    class Meta:
        model = Event
        fields = ["label", "guard", "camera", "track", "event_type", "since", "until", "reviewed"]

    def by_guard(self, queryset, name, value):
        return queryset.filter(metadata__guard_id=str(value))
