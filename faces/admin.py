from django.contrib import admin

from faces.models import (
    FaceEmbedding,
    ModelVersion,
    Person,
    PersonAlias,
    PersonCluster,
    PersonLabel,
    PersonRecognitionSummary,
    ReviewAction,
    TrainingDataset,
    TrainingJob,
    UnknownClusterForReview,
    Watchlist,
    WatchlistEntry,
)
from orin.admin_tools import ReadOnlyAdminMixin


class PersonAliasInline(admin.TabularInline):
    model = PersonAlias
    extra = 0
    readonly_fields = ["created_at"]


class PersonLabelInline(admin.TabularInline):
    model = PersonLabel
    extra = 0
    readonly_fields = ["created_by", "created_at"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "role", "department", "company", "updated_at"]
    list_filter = ["status", "labels__label", "department"]
    search_fields = ["name", "aliases__alias_name", "role", "company", "department"]
    readonly_fields = [
        "primary_face_embedding",
        "created_by",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    inlines = [PersonAliasInline, PersonLabelInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PersonAlias)
class PersonAliasAdmin(admin.ModelAdmin):
    list_display = ["alias_name", "person", "created_at"]
    search_fields = ["alias_name", "person__name"]
    autocomplete_fields = ["person"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"


@admin.register(PersonLabel)
class PersonLabelAdmin(admin.ModelAdmin):
    list_display = ["person", "label", "created_by", "created_at"]
    list_filter = ["label"]
    search_fields = ["person__name"]
    autocomplete_fields = ["person"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "created_at"


@admin.register(FaceEmbedding)
class FaceEmbeddingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "person",
        "cluster",
        "face_quality",
        "confidence",
        "model_version",
        "is_primary",
        "created_at",
    ]
    list_filter = ["model_version", "is_primary"]
    search_fields = ["person__name", "cluster__cluster_label", "source_image_path"]
    autocomplete_fields = ["person", "cluster"]
    list_select_related = ["person", "cluster"]
    exclude = ["embedding"]
    readonly_fields = [
        "source_image_path",
        "face_quality",
        "confidence",
        "model_version",
        "created_at",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        # Embeddings come from enrolment and recognition, never from a hand-typed vector.
        return False


@admin.register(PersonCluster)
class PersonClusterAdmin(admin.ModelAdmin):
    list_display = [
        "cluster_label",
        "status",
        "sample_count",
        "first_seen",
        "last_seen",
        "merged_into_cluster",
    ]
    list_filter = ["status"]
    search_fields = ["cluster_label"]
    autocomplete_fields = ["merged_into_cluster"]
    readonly_fields = [
        "representative_embedding",
        "sample_count",
        "first_seen",
        "last_seen",
        "created_at",
    ]
    date_hierarchy = "last_seen"


class WatchlistEntryInline(admin.TabularInline):
    model = WatchlistEntry
    extra = 0
    autocomplete_fields = ["person"]
    readonly_fields = ["added_by", "added_at"]


@admin.register(Watchlist)
class WatchlistAdmin(admin.ModelAdmin):
    list_display = ["name", "watch_type", "is_active", "created_by", "created_at"]
    list_filter = ["watch_type", "is_active"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "created_at"
    inlines = [WatchlistEntryInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for entry in formset.save(commit=False):
            if not entry.added_by_id:
                entry.added_by = request.user
            entry.save()
        for entry in formset.deleted_objects:
            entry.delete()


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(admin.ModelAdmin):
    list_display = ["person", "watchlist", "added_by", "added_at"]
    list_filter = ["watchlist"]
    search_fields = ["person__name", "watchlist__name"]
    autocomplete_fields = ["person", "watchlist", "added_by"]
    date_hierarchy = "added_at"


@admin.register(ReviewAction)
class ReviewActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "action",
        "reviewer",
        "from_person",
        "to_person",
        "event_id",
    ]
    list_filter = ["action"]
    search_fields = [
        "reviewer__username",
        "from_person__name",
        "to_person__name",
        "notes",
    ]
    date_hierarchy = "created_at"


@admin.register(TrainingDataset)
class TrainingDatasetAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "version",
        "status",
        "sample_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["name", "version", "description"]
    autocomplete_fields = ["created_by"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"


@admin.register(TrainingJob)
class TrainingJobAdmin(admin.ModelAdmin):
    list_display = [
        "dataset",
        "model_version_from",
        "model_version_to",
        "status",
        "started_at",
        "completed_at",
    ]
    list_filter = ["status"]
    search_fields = ["model_version_from", "model_version_to", "dataset__name"]
    autocomplete_fields = ["dataset", "approved_by"]
    readonly_fields = ["started_at", "completed_at", "created_at"]
    date_hierarchy = "created_at"


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "version_string",
        "is_production",
        "is_rollback_available",
        "deployed_at",
        "created_at",
    ]
    list_filter = ["is_production", "is_rollback_available"]
    search_fields = ["version_string"]
    autocomplete_fields = ["training_job"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"


@admin.register(PersonRecognitionSummary)
class PersonRecognitionSummaryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "status",
        "total_detections",
        "detections_last_24h",
        "last_seen",
        "cameras_seen_on",
    ]
    list_filter = ["status"]
    search_fields = ["name"]


@admin.register(UnknownClusterForReview)
class UnknownClusterForReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "cluster_label",
        "sample_count",
        "total_events",
        "first_seen",
        "last_seen",
    ]
    search_fields = ["cluster_label"]
