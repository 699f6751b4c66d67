"""Serializers of counting lines, their counts and the analytics settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.rest.access import ScopedRelatedField
from accounts.rest.fields import JSONObjectField
from alerts.services.schedules import schedule_window
from analytics.models import CameraAnalytics, CountingLine, LineCount, OpeningHours, ZoneAnalytics
from analytics.services.config import validate_thresholds
from surveillance.models import Camera, CameraZone, Site


def _django_to_drf(check, value):
    try:
        check(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc
    return value


class CountingLineSerializer(serializers.ModelSerializer):
    camera = ScopedRelatedField(queryset=Camera.objects.all())
    x1 = serializers.FloatField(min_value=0, max_value=1)
    y1 = serializers.FloatField(min_value=0, max_value=1)
    x2 = serializers.FloatField(min_value=0, max_value=1)
    y2 = serializers.FloatField(min_value=0, max_value=1)

    class Meta:
        model = CountingLine
        fields = [
            "id",
            "camera",
            "name",
            "x1",
            "y1",
            "x2",
            "y2",
            "allowed_direction",
            "labels",
            "severity",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict) -> dict:
        current = self.instance
        ends = [attrs.get(k, getattr(current, k, None)) for k in ("x1", "y1", "x2", "y2")]
        if None not in ends and (ends[0], ends[1]) == (ends[2], ends[3]):
            raise serializers.ValidationError({"x2": ["the two points of a line must differ"]})
        return attrs


class LineCountSerializer(serializers.ModelSerializer):
    line_name = serializers.CharField(source="line.name", read_only=True)
    camera = serializers.UUIDField(source="line.camera_id", read_only=True)

    class Meta:
        model = LineCount
        fields = ["id", "line", "line_name", "camera", "day", "label", "direction", "count", "updated_at"]


class CameraAnalyticsSerializer(serializers.ModelSerializer):
    camera = ScopedRelatedField(queryset=Camera.objects.all())
    thresholds = JSONObjectField(required=False, help_text="Overrides of the defaults (docs/analytics.md)")

    class Meta:
        model = CameraAnalytics
        fields = ["camera", "disabled_types", "thresholds"]

    def validate_thresholds(self, value: dict) -> dict:
        return _django_to_drf(validate_thresholds, value)


class ZoneAnalyticsSerializer(serializers.ModelSerializer):
    zone = ScopedRelatedField(queryset=CameraZone.objects.all())
    thresholds = JSONObjectField(required=False, help_text="Overrides of the camera's values")

    class Meta:
        model = ZoneAnalytics
        fields = ["zone", "thresholds", "intrusion_outside_hours_only", "allowed_heading"]

    def validate_thresholds(self, value: dict) -> dict:
        return _django_to_drf(validate_thresholds, value)


class OpeningHoursSerializer(serializers.ModelSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all())
    schedule = JSONObjectField(help_text='{"days": [1, 2, 3, 4, 5], "start_time": "08:00", "end_time": "18:00"}')

    class Meta:
        model = OpeningHours
        fields = ["site", "schedule"]

    def validate_schedule(self, value: dict) -> dict:
        if "timezone" in value:
            raise serializers.ValidationError("opening hours follow the site's timezone; remove “timezone”")
        return _django_to_drf(schedule_window, value)
