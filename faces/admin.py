from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts import policy
from faces.models import (
    FaceEmbedding,
    FaceObservation,
    IngestFrame,
    ModelVersion,
    NegativeExample,
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
from faces.services import review
from faces.services.model_pack import ModelPackError
from orin.admin_tools import (
    ReadOnlyAdminMixin,
    ScopedModelAdmin,
    ScopedTabularInline,
)
from surveillance.services.media_access import THUMBNAIL_WIDTHS, media_url


def crop_thumbnail(storage_name: str, size: int = 64) -> str:
    if not storage_name:
        return "-"
    return format_html(
        '<img src="{}" alt="face" style="height:{}px;border-radius:4px">',
        media_url(storage_name, width=next((w for w in THUMBNAIL_WIDTHS if w >= size), None)),
        size,
    )


ADMIN_NAMES = {"person": "person", "cluster": "personcluster"}


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class PersonForm(forms.ModelForm):
    photos = MultiplePhotoField(
        required=False,
        help_text="Reference photos, one face each: every good face is enrolled; the rest are listed with the reason.",
    )

    class Meta:
        model = Person
        fields = ["name", "status", "role", "department", "company", "notes"]


class FaceEmbeddingInline(ScopedTabularInline):
    """The person's gallery, with crops, so a reviewer can spot a face that does not belong."""

    model = FaceEmbedding
    fk_name = "person"
    extra = 0
    fields = ["crop", "face_quality", "confidence", "source", "is_primary", "model_version", "created_at"]
    readonly_fields = fields
    can_delete = False  # faces leave a gallery through the review services, which fix the primary
    show_change_link = True

    @admin.display(description="face")
    def crop(self, obj):
        return crop_thumbnail(obj.source_image_path)

    def has_add_permission(self, request, obj=None):
        return False


class WhoIsThisForm(forms.Form):
    image = forms.FileField(help_text="A photo with the face to look for")
    top_k = forms.IntegerField(min_value=1, max_value=50, initial=5)


class PersonAliasInline(ScopedTabularInline):
    model = PersonAlias
    extra = 0
    readonly_fields = ["created_at"]


class PersonLabelInline(ScopedTabularInline):
    model = PersonLabel
    extra = 0
    readonly_fields = ["created_by", "created_at"]


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
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
    inlines = [PersonAliasInline, PersonLabelInline, FaceEmbeddingInline]
    form = PersonForm
    change_list_template = "admin/faces/person/change_list.html"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        photos = form.cleaned_data.get("photos") or []
        if photos:
            self.enrol(request, form.instance, photos)

    def enrol(self, request, person, photos) -> None:
        try:
            report = review.enrol_faces(person, [(p.name, p.read()) for p in photos], user=request.user)
        except ModelPackError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        if report.added:
            self.message_user(request, f"{report.faces_found} face(s) enrolled for {person}.", messages.SUCCESS)
        for name, reason in report.rejected:
            self.message_user(request, f"{name}: not enrolled, {reason}.", messages.WARNING)

    def get_urls(self):
        return [
            path(
                "who-is-this/",
                self.admin_site.admin_view(self.who_is_this_view),
                name="faces_person_who_is_this",
            ),
            *super().get_urls(),
        ]

    def who_is_this_view(self, request):
        """ "Who is this?": upload a photo, see the nearest persons and unknown clusters."""
        if not policy.can(request.user, "persons", "read"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = WhoIsThisForm(request.POST or None, request.FILES or None)
        matches, error = None, None
        if request.method == "POST" and form.is_valid():
            try:
                matches = review.identify_face(
                    request.user, form.cleaned_data["image"].read(), form.cleaned_data["top_k"], request=request
                )
            except (review.NoFaceFound, ModelPackError) as exc:
                form.add_error("image", str(exc))
        rows = [
            {
                "match": m,
                "url": reverse(
                    f"admin:faces_{'person' if m.kind == 'person' else 'personcluster'}_change", args=[m.id]
                ),
                "thumbnail": crop_thumbnail(m.crop_path, 96),
            }
            for m in matches or []
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Who is this?",
            "opts": self.opts,
            "form": form,
            "rows": rows,
            "searched": matches is not None,
            "error": error,
        }
        return TemplateResponse(request, "admin/faces/who_is_this.html", context)


@admin.register(PersonAlias)
class PersonAliasAdmin(ScopedModelAdmin):
    list_display = ["alias_name", "person", "created_at"]
    search_fields = ["alias_name", "person__name"]
    autocomplete_fields = ["person"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"


@admin.register(PersonLabel)
class PersonLabelAdmin(ScopedModelAdmin):
    list_display = ["person", "label", "created_by", "created_at"]
    list_filter = ["label"]
    search_fields = ["person__name"]
    autocomplete_fields = ["person"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "created_at"


@admin.register(FaceEmbedding)
class FaceEmbeddingAdmin(ScopedModelAdmin):
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
class PersonClusterAdmin(ScopedModelAdmin):
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
    actions = ["merge_into_first", "reject_as_not_a_face"]

    @admin.action(description="Merge selected clusters into the one seen first")
    def merge_into_first(self, request, queryset):
        clusters = list(queryset.order_by("first_seen"))
        if len(clusters) < 2:
            self.message_user(request, "Select at least two clusters to merge.", messages.WARNING)
            return
        try:
            target = review.merge_clusters(clusters[0], clusters[1:], reviewer=request.user)
        except review.ReviewError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Merged {len(clusters) - 1} cluster(s) into {target}.", messages.SUCCESS)

    @admin.action(description="Reject: not a face / false positive")
    def reject_as_not_a_face(self, request, queryset):
        for cluster in queryset:
            review.reject_cluster(cluster, reviewer=request.user)
        self.message_user(request, f"{queryset.count()} cluster(s) rejected; look-alikes will be suppressed.")


class WatchlistEntryInline(ScopedTabularInline):
    model = WatchlistEntry
    extra = 0
    autocomplete_fields = ["person"]
    readonly_fields = ["added_by", "added_at"]


@admin.register(Watchlist)
class WatchlistAdmin(ScopedModelAdmin):
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
class WatchlistEntryAdmin(ScopedModelAdmin):
    list_display = ["person", "watchlist", "added_by", "added_at"]
    list_filter = ["watchlist"]
    search_fields = ["person__name", "watchlist__name"]
    autocomplete_fields = ["person", "watchlist", "added_by"]
    date_hierarchy = "added_at"


@admin.register(ReviewAction)
class ReviewActionAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
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
class TrainingDatasetAdmin(ScopedModelAdmin):
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
class TrainingJobAdmin(ScopedModelAdmin):
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
class ModelVersionAdmin(ScopedModelAdmin):
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
class PersonRecognitionSummaryAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
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
class UnknownClusterForReviewAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = [
        "cluster_label",
        "sample_count",
        "total_events",
        "first_seen",
        "last_seen",
    ]
    search_fields = ["cluster_label"]


@admin.register(IngestFrame)
class IngestFrameAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["frame_key", "camera", "timestamp", "status", "face_count", "processing_ms", "source"]
    list_filter = ["status", "source"]
    search_fields = ["frame_key"]
    date_hierarchy = "timestamp"
    list_select_related = ["camera"]
    show_full_result_count = False


@admin.register(NegativeExample)
class NegativeExampleAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["person", "model_version", "event_id", "created_by", "created_at"]
    search_fields = ["person__name"]
    exclude = ["embedding"]
    date_hierarchy = "created_at"


@admin.register(FaceObservation)
class FaceObservationAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["face", "camera", "face_quality", "confidence", "model_version", "created_at"]
    exclude = ["embedding"]
    date_hierarchy = "created_at"
    list_select_related = ["camera"]
    show_full_result_count = False

    @admin.display(description="face")
    def face(self, obj):
        return crop_thumbnail(obj.source_image_path, 48)
