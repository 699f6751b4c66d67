"""Serializers for persons, faces, clusters, watchlists, review and training.

Face embeddings are described, never exported: the 512-d vectors stay in the database."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from accounts.rest.serializers import UUIDRelatedField
from faces.models import (
    FaceEmbedding,
    MatchSuggestion,
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
from surveillance.rest.media import signed_download


class PersonSerializer(serializers.ModelSerializer):
    labels = serializers.SerializerMethodField()
    aliases = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "status",
            "role",
            "department",
            "company",
            "notes",
            "labels",
            "aliases",
            "primary_face_embedding",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["primary_face_embedding", "created_by", "created_at", "updated_at"]

    def get_labels(self, person) -> list[str]:
        return [label.label for label in person.labels.all()]

    def get_aliases(self, person) -> list[str]:
        return [alias.alias_name for alias in person.aliases.all()]


class PersonAliasSerializer(serializers.ModelSerializer):
    person = UUIDRelatedField(queryset=Person.objects.all())

    class Meta:
        model = PersonAlias
        fields = ["id", "person", "alias_name", "created_at"]
        read_only_fields = ["created_at"]


class PersonLabelSerializer(serializers.ModelSerializer):
    person = UUIDRelatedField(queryset=Person.objects.all())

    class Meta:
        model = PersonLabel
        fields = ["id", "person", "label", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]


class FaceEmbeddingSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField(help_text="Signed link to the face crop (expires)")

    class Meta:
        model = FaceEmbedding
        fields = [
            "id",
            "person",
            "cluster",
            "face_quality",
            "confidence",
            "model_version",
            "is_primary",
            "source",
            "crop",
            "event",
            "created_at",
            "image_url",
        ]
        read_only_fields = fields

    def get_image_url(self, face) -> str | None:
        return signed_download(self.context.get("request"), face.source_image_path)[0]


class EnrolmentSerializer(serializers.Serializer):
    images = serializers.ListField(
        child=serializers.FileField(), min_length=1, max_length=20, help_text="Reference photos, one face each"
    )
    allow_outliers = serializers.BooleanField(
        default=False, help_text="Keep faces that do not look like the person's other faces"
    )

    def validate_images(self, images):
        limit = settings.ORIN_MAX_FRAME_BYTES
        for image in images:
            if image.size is not None and image.size > limit:
                raise serializers.ValidationError(f"{image.name} is {image.size} bytes; the limit is {limit}")
        return images


class RejectedPhotoSerializer(serializers.Serializer):
    photo = serializers.CharField()
    reason = serializers.CharField()


class EnrolmentReportSerializer(serializers.Serializer):
    added = FaceEmbeddingSerializer(many=True)
    rejected = RejectedPhotoSerializer(many=True)


class EnrolmentFailedSerializer(EnrolmentReportSerializer):
    """422: not one photo had a usable face; `rejected` says why for each (nothing was added)."""

    detail = serializers.CharField()
    code = serializers.CharField()


class ClusterSerializer(serializers.ModelSerializer):
    representative_image_url = serializers.SerializerMethodField()

    class Meta:
        model = PersonCluster
        fields = [
            "id",
            "cluster_label",
            "sample_count",
            "first_seen",
            "last_seen",
            "status",
            "merged_into_cluster",
            "representative_embedding",
            "representative_image_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_representative_image_url(self, cluster) -> str | None:
        face = cluster.representative_embedding
        return signed_download(self.context.get("request"), face.source_image_path if face else None)[0]


class NameClusterSerializer(serializers.Serializer):
    person = UUIDRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    new_person_name = serializers.CharField(required=False, allow_blank=False, max_length=200)
    exclude_outliers = serializers.BooleanField(
        default=True, help_text="Keep faces unlike the person's enrolled faces in the cluster"
    )

    def validate(self, attrs):
        if bool(attrs.get("person")) == bool(attrs.get("new_person_name")):
            raise serializers.ValidationError("give either an existing person or a new person's name")
        return attrs


class MergeClustersSerializer(serializers.Serializer):
    sources = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=100, help_text="Clusters merged into this one"
    )


class ReviewNotesSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class MoveEmbeddingsSerializer(serializers.Serializer):
    embeddings = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=1000)
    to_person = UUIDRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    to_cluster = serializers.UUIDField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate(self, attrs):
        if bool(attrs.get("to_person")) == bool(attrs.get("to_cluster")):
            raise serializers.ValidationError("move the faces to exactly one person or one cluster")
        return attrs


class MovedSerializer(serializers.Serializer):
    moved = serializers.IntegerField()


class WatchlistSerializer(serializers.ModelSerializer):
    class Meta:
        model = Watchlist
        fields = ["id", "name", "description", "watch_type", "is_active", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]


class WatchlistEntrySerializer(serializers.ModelSerializer):
    watchlist = UUIDRelatedField(queryset=Watchlist.objects.all())
    person = UUIDRelatedField(queryset=Person.objects.all())

    class Meta:
        model = WatchlistEntry
        fields = ["id", "watchlist", "person", "added_by", "added_at", "notes"]
        read_only_fields = ["added_by", "added_at"]


class ReviewActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewAction
        fields = ["id", "event", "reviewer", "action", "from_person", "to_person", "notes", "created_at"]
        read_only_fields = fields


class RecognitionReviewSerializer(serializers.Serializer):
    """Confirm or reject (\"not this person\") the recognition in an event."""

    event = serializers.UUIDField()
    action = serializers.ChoiceField(choices=["confirm", "reject"])
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class TrainingDatasetSerializer(serializers.ModelSerializer):
    person_ids = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=100_000)

    class Meta:
        model = TrainingDataset
        fields = [
            "id",
            "name",
            "description",
            "person_ids",
            "sample_count",
            "version",
            "status",
            "quality_floor",
            "validation_fraction",
            "progress",
            "summary",
            "error",
            "created_by",
            "created_at",
        ]
        read_only_fields = [
            "sample_count",
            "version",
            "status",
            "progress",
            "summary",
            "error",
            "created_by",
            "created_at",
        ]
        extra_kwargs = {
            "quality_floor": {"min_value": 0.0, "max_value": 1.0},
            "validation_fraction": {"min_value": 0.05, "max_value": 0.95},
        }

    def validate_person_ids(self, ids):
        ids = list(dict.fromkeys(ids))
        known = set(Person.objects.filter(id__in=ids).values_list("id", flat=True))
        unknown = [str(i) for i in ids if i not in known]
        if unknown:
            raise serializers.ValidationError(f"unknown persons: {', '.join(unknown[:5])}")
        return [str(i) for i in ids]


class TrainingJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingJob
        fields = [
            "id",
            "dataset",
            "model_version_from",
            "model_version_to",
            "kind",
            "model_version",
            "target_precision",
            "status",
            "progress",
            "cancel_requested",
            "error",
            "started_at",
            "completed_at",
            "metrics",
            "approved_by",
            "approved_at",
            "created_at",
        ]
        read_only_fields = [f for f in fields if f not in ("dataset", "model_version", "target_precision")]
        extra_kwargs = {"target_precision": {"min_value": 0.5, "max_value": 0.9999}}


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "version_string",
            "training_job",
            "metrics",
            "is_production",
            "is_rollback_available",
            "deployed_at",
            "pack_path",
            "gallery_version",
            "match_threshold",
            "cluster_threshold",
            "gallery_policy",
            "gallery_status",
            "gallery_done",
            "gallery_total",
            "gallery_error",
            "previous",
            "deployed_by",
            "created_at",
        ]
        read_only_fields = fields


class MatchSuggestionSerializer(serializers.ModelSerializer):
    cluster_label = serializers.CharField(source="cluster.cluster_label", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True, allow_null=True)

    class Meta:
        model = MatchSuggestion
        fields = [
            "id",
            "cluster",
            "cluster_label",
            "person",
            "person_name",
            "similarity",
            "model_version",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class QualityFiguresSerializer(serializers.Serializer):
    model_version = serializers.CharField()
    true_matches = serializers.IntegerField()
    false_matches = serializers.IntegerField()
    missed_matches = serializers.IntegerField()
    merges = serializers.IntegerField()
    splits = serializers.IntegerField()
    reviews = serializers.IntegerField()
    precision = serializers.FloatField(allow_null=True)
    recall = serializers.FloatField(allow_null=True)


class QualityWeekSerializer(QualityFiguresSerializer):
    week = serializers.DateField()


class QualityCameraSerializer(QualityFiguresSerializer):
    camera_id = serializers.UUIDField()
    camera = serializers.CharField()


class QualityReportSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    versions = QualityFiguresSerializer(many=True)
    weeks = QualityWeekSerializer(many=True)
    cameras = QualityCameraSerializer(many=True)


class ThresholdsSerializer(serializers.Serializer):
    match_threshold = serializers.FloatField(min_value=0.01, max_value=0.99)
    cluster_threshold = serializers.FloatField(min_value=0.01, max_value=0.99)


class PersonRecognitionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonRecognitionSummary
        fields = "__all__"
        read_only_fields = [f.name for f in PersonRecognitionSummary._meta.fields]


class UnknownClusterForReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnknownClusterForReview
        exclude = ["representative_face"]
        read_only_fields = [f.name for f in UnknownClusterForReview._meta.fields]
