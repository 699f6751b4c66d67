"""Filter building blocks for the API's lists."""

from __future__ import annotations

import contextlib
import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.utils import timezone


class ListFiltersOnlyMixin:
    """List filters (and their default time bound) apply to lists only: an object found by its
    id, or acted on, is found whatever its age."""

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset


class TimeBoundFilterSet(django_filters.FilterSet):
    """Lists over partitioned tables always carry a time bound, so PostgreSQL prunes partitions:
    without `<time>_after` the window is ORIN_API_EVENT_WINDOW_DAYS days back from
    `<time>_before` (or now)."""

    time_filter = "timestamp"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        bounds = self.form.cleaned_data.get(self.time_filter)
        start = getattr(bounds, "start", None)
        if start is None:
            stop = getattr(bounds, "stop", None) or timezone.now()
            field = self.filters[self.time_filter].field_name
            window = dt.timedelta(days=settings.ORIN_API_EVENT_WINDOW_DAYS)
            with contextlib.suppress(OverflowError):  # `_before` near year 1: nothing older to cut off
                queryset = queryset.filter(**{f"{field}__gte": stop - window})
        return queryset


class UTCDateTimeField(forms.DateTimeField):
    """An ISO 8601 date-time converted to UTC: PostgreSQL refuses zone offsets beyond ±15:59
    that Python accepts (up to ±23:59), and dates it cannot shift into year 1 or later."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return result.astimezone(dt.UTC) if result.tzinfo else timezone.make_aware(result, dt.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("date-time out of range", code="invalid") from None


class UTCDateTimeRangeField(django_filters.fields.RangeField):
    widget = django_filters.widgets.DateRangeWidget

    def __init__(self, *args, **kwargs) -> None:
        super().__init__((UTCDateTimeField(), UTCDateTimeField()), *args, **kwargs)


class UTCDateTimeFromToRangeFilter(django_filters.DateTimeFromToRangeFilter):
    field_class = UTCDateTimeRangeField


def time_range(field_name: str = "timestamp") -> django_filters.DateTimeFromToRangeFilter:
    return UTCDateTimeFromToRangeFilter(
        field_name=field_name,
        help_text="ISO 8601 date-times: `<name>_after` (inclusive) and `<name>_before` (inclusive).",
    )


def any_of(choices, **kwargs) -> django_filters.MultipleChoiceFilter:
    """Any of several values of one column. Without a join there is nothing to deduplicate, and
    django-filter's default DISTINCT sorts every matching row (the alert queue at 10M events)."""
    return django_filters.MultipleChoiceFilter(choices=choices, distinct=False, **kwargs)
