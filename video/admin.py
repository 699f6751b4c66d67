from django.contrib import admin

from orin.admin_tools import PartitionedModelAdmin, ReadOnlyAdminMixin, ScopedModelAdmin, TimeRangeFilter
from video.models import ClipRequest, EvidenceLock, Recording


class StartTimeRangeFilter(TimeRangeFilter):
    field_name = "start_time"


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdminMixin, PartitionedModelAdmin):
    time_filter = StartTimeRangeFilter
    list_display = [
        "start_time",
        "end_time",
        "camera",
        "kind",
        "duration_seconds",
        "file_size_bytes",
        "codec",
        "reason",
    ]
    list_filter = ["kind"]
    list_select_related = ["camera"]


@admin.register(EvidenceLock)
class EvidenceLockAdmin(ScopedModelAdmin):
    # Locks are created by alerts; releasing one is the only change, and it stays on record.
    list_display = ["start_time", "end_time", "camera", "reason", "alert", "released_at"]
    list_filter = ["released_at"]
    list_select_related = ["camera"]
    raw_id_fields = ["alert"]
    readonly_fields = ["camera", "start_time", "end_time", "alert", "reason", "created_by", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClipRequest)
class ClipRequestAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["created_at", "camera", "alert", "start_time", "end_time", "status", "message"]
    list_filter = ["status"]
    list_select_related = ["camera"]
