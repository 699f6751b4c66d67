from django.contrib import admin

from detection.models import DetectionReview, Guard, GuardCamera
from detection.services.guards import guard_catches, success_rate, with_stats
from orin.admin_tools import ReadOnlyAdminMixin, ScopedModelAdmin, ScopedTabularInline


class GuardCameraInline(ScopedTabularInline):
    model = GuardCamera
    extra = 1
    autocomplete_fields = ["camera"]


@admin.register(Guard)
class GuardAdmin(ScopedModelAdmin):
    list_display = [
        "name", "site", "guard_type", "sensitivity", "notify", "is_active", "catches", "false_positives",
        "success",
    ]  # fmt: skip
    list_filter = ["guard_type", "is_active", "notify"]
    search_fields = ["name", "site__name"]
    autocomplete_fields = ["site"]
    filter_horizontal = ["zones"]
    inlines = [GuardCameraInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return with_stats(super().get_queryset(request).select_related("site"))

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # one grouped query for the page's guards instead of one per row
            self._catches = guard_catches([guard.id for guard in changelist.result_list])
        return response

    def _catch_count(self, guard) -> int:
        catches = getattr(self, "_catches", None)
        if catches is None or str(guard.id) not in catches:
            return guard_catches([guard.id]).get(str(guard.id), 0)
        return catches[str(guard.id)]

    @admin.display(description="catches")
    def catches(self, guard) -> int:
        return self._catch_count(guard)

    @admin.display(description="false positives", ordering="false_positives")
    def false_positives(self, guard) -> int:
        return guard.false_positives

    @admin.display(description="success rate")
    def success(self, guard) -> str:
        rate = success_rate(self._catch_count(guard), guard.false_positives)
        return "—" if rate is None else f"{rate:.0%}"


@admin.register(DetectionReview)
class DetectionReviewAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["event_timestamp", "camera", "label", "guard", "verdict", "reviewer", "created_at"]
    list_filter = ["verdict", "label"]
    list_select_related = ["camera", "guard", "reviewer"]
    date_hierarchy = "created_at"
