from django.contrib import admin

from orin.admin_tools import (
    PartitionedModelAdmin,
    ReadOnlyAdminMixin,
    ScopedModelAdmin,
    ScopedTabularInline,
)
from surveillance.models import (
    DVR,
    Camera,
    CameraZone,
    DashboardStats,
    DeviceConnectivityLog,
    Event,
    MediaFile,
    PartitionArchive,
    RecentEvent,
    Site,
    SuspiciousActivityEvent,
    SystemHealthLog,
    VideoClip,
)
from surveillance.widgets import PolygonWidget, latest_snapshot_url


@admin.register(Site)
class SiteAdmin(ScopedModelAdmin):
    list_display = ["name", "timezone", "address", "created_at"]
    list_filter = ["timezone"]
    search_fields = ["name", "address"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"


@admin.register(DVR)
class DVRAdmin(ScopedModelAdmin):
    list_display = [
        "name",
        "site",
        "brand",
        "model",
        "ip_address",
        "status",
        "last_seen",
    ]
    list_filter = ["status", "brand", "site"]
    search_fields = ["name", "brand", "model", "ip_address", "site__name"]
    autocomplete_fields = ["site"]
    list_select_related = ["site"]
    readonly_fields = ["status", "last_seen", "created_at", "updated_at"]
    date_hierarchy = "created_at"


class CameraZoneInline(ScopedTabularInline):
    model = CameraZone
    extra = 0
    readonly_fields = ["created_at"]


@admin.register(Camera)
class CameraAdmin(ScopedModelAdmin):
    list_display = [
        "name",
        "dvr",
        "channel_number",
        "location",
        "status",
        "is_active",
        "last_frame_time",
    ]
    list_filter = ["status", "is_active", "dvr__site"]
    search_fields = ["name", "location", "dvr__name", "dvr__site__name"]
    autocomplete_fields = ["dvr"]
    list_select_related = ["dvr__site"]
    readonly_fields = ["status", "last_frame_time", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [CameraZoneInline]


@admin.register(CameraZone)
class CameraZoneAdmin(ScopedModelAdmin):
    list_display = ["name", "camera", "zone_type", "is_active", "created_at"]
    list_filter = ["zone_type", "is_active"]
    search_fields = ["name", "camera__name"]
    autocomplete_fields = ["camera"]
    list_select_related = ["camera"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "polygon_points":
            kwargs["widget"] = PolygonWidget()
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # Drawn over the camera's newest snapshot when there is one.
        form.base_fields["polygon_points"].widget.snapshot_url = latest_snapshot_url(obj.camera_id if obj else None)
        return form


@admin.register(Event)
class EventAdmin(PartitionedModelAdmin):
    list_display = [
        "timestamp",
        "event_type",
        "camera",
        "person",
        "cluster",
        "confidence",
        "reviewed",
    ]
    list_filter = ["event_type", "reviewed", "camera__dvr__site"]
    search_fields = ["=id", "camera__name", "person__name", "cluster__cluster_label"]
    autocomplete_fields = ["camera", "person", "cluster"]
    list_select_related = ["camera", "person", "cluster"]
    readonly_fields = ["created_at"]


@admin.register(SuspiciousActivityEvent)
class SuspiciousActivityEventAdmin(PartitionedModelAdmin):
    list_display = [
        "timestamp",
        "activity_type",
        "severity",
        "camera",
        "zone",
        "confidence",
        "alert_sent",
    ]
    list_filter = ["activity_type", "severity", "alert_sent"]
    search_fields = ["=id", "camera__name", "zone__name"]
    autocomplete_fields = ["camera", "zone"]
    list_select_related = ["camera", "zone"]
    raw_id_fields = ["event"]
    readonly_fields = ["alert_sent", "created_at"]


@admin.register(MediaFile)
class MediaFileAdmin(ScopedModelAdmin):
    list_display = [
        "storage_path",
        "file_type",
        "camera",
        "file_size",
        "timestamp",
        "retention_until",
    ]
    list_filter = ["file_type"]
    search_fields = ["storage_path", "checksum", "camera__name"]
    autocomplete_fields = ["camera"]
    raw_id_fields = ["event"]
    list_select_related = ["camera"]
    readonly_fields = ["file_size", "checksum", "created_at"]
    date_hierarchy = "timestamp"
    show_full_result_count = False


@admin.register(VideoClip)
class VideoClipAdmin(ScopedModelAdmin):
    list_display = [
        "camera",
        "start_time",
        "end_time",
        "duration",
        "format",
        "size_bytes",
    ]
    list_filter = ["format"]
    search_fields = ["camera__name", "media_file__storage_path"]
    autocomplete_fields = ["camera"]
    raw_id_fields = ["media_file", "event"]
    list_select_related = ["camera"]
    readonly_fields = ["created_at"]
    date_hierarchy = "start_time"
    show_full_result_count = False


@admin.register(SystemHealthLog)
class SystemHealthLogAdmin(ReadOnlyAdminMixin, PartitionedModelAdmin):
    list_display = ["timestamp", "component", "status", "message"]
    list_filter = ["component", "status"]
    search_fields = ["component", "message"]


@admin.register(DeviceConnectivityLog)
class DeviceConnectivityLogAdmin(ReadOnlyAdminMixin, PartitionedModelAdmin):
    list_display = ["timestamp", "device_type", "device_id", "event"]
    list_filter = ["device_type", "event"]
    search_fields = ["=device_id"]


@admin.register(DashboardStats)
class DashboardStatsAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = [
        "total_cameras",
        "online_cameras",
        "offline_cameras",
        "camera_uptime_pct",
        "events_today",
        "recognized_today",
        "unreviewed_events",
        "pending_alerts",
        "critical_alerts",
        "suspicious_today",
    ]


@admin.register(RecentEvent)
class RecentEventAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = [
        "event_timestamp",
        "event_type",
        "camera_name",
        "site_name",
        "person_name",
        "cluster_label",
    ]
    list_filter = ["event_type", "site_name"]
    search_fields = ["camera_name", "person_name", "cluster_label"]
    paginator = PartitionedModelAdmin.paginator
    show_full_result_count = False


@admin.register(PartitionArchive)
class PartitionArchiveAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Exports of dropped partitions (written by the daily partition maintenance)."""

    list_display = ["partition_name", "table_name", "month", "row_count", "size_bytes", "archived_at", "dropped_at"]
    list_filter = ["table_name"]
    search_fields = ["partition_name", "storage_path", "checksum"]
    date_hierarchy = "archived_at"
