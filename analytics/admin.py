"""Admin of counting lines (with today's counts) and the analytics settings."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from alerts.services.schedules import zone as timezone_of
from analytics.models import CameraAnalytics, CountingLine, LineCount, OpeningHours, ZoneAnalytics
from orin.admin_tools import ReadOnlyAdminMixin, ScopedModelAdmin


@admin.register(CountingLine)
class CountingLineAdmin(ScopedModelAdmin):
    list_display = ["name", "camera", "allowed_direction", "severity", "is_active", "today"]
    list_filter = ["allowed_direction", "is_active"]
    search_fields = ["name", "camera__name"]
    autocomplete_fields = ["camera"]
    readonly_fields = ["created_at"]

    @admin.display(description="Today (A→B / B→A)")
    def today(self, line: CountingLine) -> str:
        day = timezone.now().astimezone(timezone_of(line.camera.dvr.site.timezone or "UTC")).date()
        counts = dict.fromkeys(("a_to_b", "b_to_a"), 0)
        for direction, count in line.counts.filter(day=day).values_list("direction", "count"):
            counts[direction] += count
        return f"{counts['a_to_b']} / {counts['b_to_a']}"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("camera__dvr__site")


@admin.register(LineCount)
class LineCountAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["line", "day", "label", "direction", "count", "updated_at"]
    list_filter = ["day", "direction", "label"]
    date_hierarchy = "day"


@admin.register(CameraAnalytics)
class CameraAnalyticsAdmin(ScopedModelAdmin):
    list_display = ["camera", "disabled_types", "thresholds"]
    autocomplete_fields = ["camera"]


@admin.register(ZoneAnalytics)
class ZoneAnalyticsAdmin(ScopedModelAdmin):
    list_display = ["zone", "intrusion_outside_hours_only", "allowed_heading", "thresholds"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(ScopedModelAdmin):
    list_display = ["site", "schedule"]
