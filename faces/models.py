"""Persons, face embeddings (pgvector), unknown clusters, watchlists, review and training (seed 004 §4-5, §8, §11-12).

Unknown faces: the seed makes `face_embeddings.person_id` NOT NULL, which would force a
placeholder person per unknown face (persons polluted with thousands of "Unknown" rows, and
every person search wading through them). We keep identities honest instead: an embedding
belongs to exactly one of a person or an unknown cluster (CHECK chk_embedding_owner), so
searching known persons is `person IS NOT NULL` (with its own partial HNSW graph) and naming a
cluster moves its embeddings in one UPDATE, keeping their ids, crops and events.

Faces that join no gallery (recognised as a known person, or below the quality floor) keep their
vector in `face_observations` for review; "not this person" turns one into a
`face_negative_examples` row that the person search honours. `ingest_frames` makes recognition
idempotent per frame key.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from pgvector.django import HnswIndex, VectorField

from accounts.scoping import ScopedQuerySet, Viewer, apply_scope, scoped_manager
from faces.fields import HalfEmbeddingField
from surveillance.models import Event, ReviewActionType, confidence_check

EMBEDDING_DIMENSIONS = 512

# Written access rules of the models that are not bound to one site (accounts.scoping).
REGISTRY_RULE = (
    "The person registry is shared by every site: a watchlisted person must be recognised wherever they "
    "appear. Where a person was seen (events, snapshots, timelines) is site-bound and restricted."
)
WATCHLIST_RULE = "Watchlists hold persons of the shared registry and apply at every site."
TRAINING_RULE = "Recognition models and their training data serve every site; the role matrix (training) decides."


class PersonStatus(models.TextChoices):
    KNOWN = "known"
    UNKNOWN = "unknown"
    BLACKLISTED = "blacklisted"
    VIP = "vip"


class PersonLabelType(models.TextChoices):
    EMPLOYEE = "employee"
    VISITOR = "visitor"
    VENDOR = "vendor"
    DRIVER = "driver"
    STAFF = "staff"
    CONTRACTOR = "contractor"
    BLACKLISTED = "blacklisted"
    VIP = "vip"
    CUSTOM = "custom"


class ClusterStatus(models.TextChoices):
    ACTIVE = "active"
    MERGED = "merged"
    REVIEWED = "reviewed"
    # "Not a face / false positive": kept (with its embeddings) so look-alikes are recognised
    # as the same junk and suppressed instead of growing a fresh cluster each time.
    REJECTED = "rejected"


class WatchlistType(models.TextChoices):
    VIP = "vip"
    BLACKLIST = "blacklist"
    SUSPECT = "suspect"
    CUSTOM = "custom"


class TrainingStatus(models.TextChoices):
    BUILDING = "building"
    READY = "ready"
    TRAINING = "training"
    ARCHIVED = "archived"


class EmbeddingSource(models.TextChoices):
    ENROLMENT = "enrolment"
    RECOGNITION = "recognition"
    REVIEW = "review"


class FrameStatus(models.TextChoices):
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"


class TrainingJobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    ROLLBACK = "rollback"
    CANCELLED = "cancelled"


class TrainingJobKind(models.TextChoices):
    CALIBRATE = "calibrate"
    ADAPT = "adapt"


class GalleryStatus(models.TextChoices):
    PENDING = "pending"
    EMBEDDING = "embedding"
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELLED = "cancelled"


class SampleSplit(models.TextChoices):
    TRAIN = "train"
    VALIDATION = "validation"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Person(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, null=True, blank=True)
    status = models.CharField(
        max_length=20,
        choices=PersonStatus.choices,
        default=PersonStatus.UNKNOWN,
        db_index=True,
    )
    role = models.CharField(max_length=100, null=True, blank=True, help_text="Job role / title")
    department = models.CharField(max_length=100, null=True, blank=True)
    company = models.CharField(max_length=200, null=True, blank=True)
    notes = models.TextField(null=True, blank=True)
    primary_face_embedding = models.ForeignKey(
        "FaceEmbedding",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="created_by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(
        "persons",
        shared=True,
        why=REGISTRY_RULE,
    )

    class Meta:
        db_table = "persons"
        ordering = ["name"]
        indexes = [
            models.Index(
                fields=["name"],
                name="idx_persons_name",
                condition=Q(name__isnull=False),
            ),
            models.Index(
                fields=["role"],
                name="idx_persons_role",
                condition=Q(role__isnull=False),
            ),
            models.Index(fields=["status", "name"], name="idx_persons_status_name"),
        ]

    def __str__(self) -> str:
        return self.name or f"Unnamed person {str(self.id)[:8]}"


class PersonAlias(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    alias_name = models.CharField(max_length=200, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("persons", shared=True, why="Follows the shared person registry.")

    class Meta:
        db_table = "person_aliases"
        verbose_name_plural = "person aliases"
        constraints = [models.UniqueConstraint(fields=["person", "alias_name"], name="uq_aliases_person_name")]

    def __str__(self) -> str:
        return self.alias_name


class PersonLabel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="labels")
    label = models.CharField(max_length=20, choices=PersonLabelType.choices, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="created_by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("persons", shared=True, why="Follows the shared person registry.")

    class Meta:
        db_table = "person_labels"
        constraints = [models.UniqueConstraint(fields=["person", "label"], name="uq_labels_person_label")]

    def __str__(self) -> str:
        return self.get_label_display()


def _sightings(viewer: Viewer):
    return Event.objects.filter(cluster_id=OuterRef("pk"), camera_id__in=viewer.camera_ids)


def _event_seen(viewer: Viewer):
    """The row's event happened at one of the viewer's cameras (an index probe per row)."""
    return Event.objects.filter(id=OuterRef("event_id"), camera_id__in=viewer.camera_ids)


class PersonCluster(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cluster_label = models.CharField(max_length=50, unique=True, help_text='Persistent label, e.g. "Unknown-00042"')
    representative_embedding = models.ForeignKey(
        "FaceEmbedding",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sample_count = models.IntegerField(default=0)
    first_seen = models.DateTimeField(db_index=True)
    last_seen = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=20,
        choices=ClusterStatus.choices,
        default=ClusterStatus.ACTIVE,
        db_index=True,
    )
    merged_into_cluster = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_clusters",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(
        "persons",
        rule=lambda rows, viewer: rows.filter(Exists(_sightings(viewer))),
        why="An unknown face is seen where it was sighted: at the sites of the cluster's events.",
    )

    class Meta:
        db_table = "person_clusters"
        ordering = ["-last_seen"]
        indexes = [
            models.Index(
                fields=["merged_into_cluster"],
                name="idx_clusters_merged_into",
                condition=Q(merged_into_cluster__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.cluster_label


class FaceEmbeddingQuerySet(ScopedQuerySet):
    def of_persons(self):
        return self.filter(person__isnull=False)

    def of_clusters(self):
        return self.filter(cluster__isnull=False)

    def for_model(self, version: str):
        return self.filter(model_version=version)


class FaceEmbedding(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="embeddings",
    )
    cluster = models.ForeignKey(
        PersonCluster,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="embeddings",
    )
    embedding = HalfEmbeddingField(dimensions=EMBEDDING_DIMENSIONS)
    source_image_path = models.TextField(help_text="Storage name of the face crop")
    face_quality = models.DecimalField(max_digits=4, decimal_places=3, default=0)
    confidence = models.DecimalField(max_digits=4, decimal_places=3, default=0)
    model_version = models.CharField(max_length=20, db_index=True)
    is_primary = models.BooleanField(default=False)
    source = models.CharField(max_length=20, choices=EmbeddingSource.choices, default=EmbeddingSource.RECOGNITION)
    crop = models.ForeignKey(
        "surveillance.MediaFile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="media_files row of the face crop (camera crops; enrolment photos have no camera)",
    )
    event = models.ForeignKey(
        "surveillance.Event",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        help_text="The sighting this face came from (none for enrolment photos)",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(
        "persons",
        queryset=FaceEmbeddingQuerySet,
        rule=lambda rows, viewer: rows.filter(
            Q(crop__camera__in=viewer.camera_ids)
            | Q(crop__isnull=True, person__isnull=False)
            | Q(crop__isnull=True, cluster__in=apply_scope(PersonCluster.objects.all(), viewer).values("pk"))
        ),
        why="A face crop taken by a camera is seen where that camera is; a face without a stored crop "
        "follows its owner (the shared person registry, or the cluster's sightings).",
    )

    class Meta:
        db_table = "face_embeddings"
        ordering = ["-created_at"]
        constraints = [
            confidence_check("face_quality", "chk_embedding_quality"),
            confidence_check("confidence", "chk_embedding_confidence"),
            models.CheckConstraint(
                condition=Q(person__isnull=False, cluster__isnull=True) | Q(person__isnull=True, cluster__isnull=False),
                name="chk_embedding_owner",
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_primary"],
                name="idx_embeddings_primary",
                condition=Q(is_primary=True),
            ),
            # halfvec graphs (faces/fields.py). ef_construction=128 on both: on identity-clustered
            # vectors (bench/face_search.py) the seed's 64 caps recall@10 near 0.8 whatever the
            # ef_search; 128 with ef_search ORIN_HNSW_EF_SEARCH=128 reaches recall@10 0.99 at 500k.
            # Figures: docs/scale.md.
            HnswIndex(
                name="idx_embeddings_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=128,
                opclasses=["halfvec_cosine_ops"],
            ),
            # Every face is searched against known persons; unknown-cluster samples usually
            # outnumber them by far, so a filtered scan of the full graph would wade through
            # cluster vectors. The partial graph holds only the persons' embeddings.
            HnswIndex(
                name="idx_embeddings_person_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=128,
                opclasses=["halfvec_cosine_ops"],
                condition=Q(person__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        owner = self.person or self.cluster
        return f"Face of {owner} ({self.model_version})"


class Watchlist(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    description = models.TextField(null=True, blank=True)
    watch_type = models.CharField(max_length=20, choices=WatchlistType.choices, db_index=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="created_by",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    persons = models.ManyToManyField(Person, through="WatchlistEntry", related_name="watchlists")

    objects = scoped_manager("persons", shared=True, why=WATCHLIST_RULE)

    class Meta:
        db_table = "watchlists"
        ordering = ["name"]
        indexes = [
            models.Index(
                fields=["is_active"],
                name="idx_watchlists_is_active",
                condition=Q(is_active=True),
            )
        ]

    def __str__(self) -> str:
        return self.name


class WatchlistEntry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="watchlist_entries")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="added_by",
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(auto_now_add=True)
    notes = models.TextField(null=True, blank=True)

    objects = scoped_manager("persons", shared=True, why="Follows its watchlist.")

    class Meta:
        db_table = "watchlist_entries"
        verbose_name_plural = "watchlist entries"
        constraints = [models.UniqueConstraint(fields=["watchlist", "person"], name="uq_watchlist_entry")]

    def __str__(self) -> str:
        return f"{self.person} on {self.watchlist}"


class FaceObservation(models.Model):
    """The vector of a sighted face that does not join any gallery: faces recognised as a known
    person (auto-adding them would let one wrong match pull the person's gallery towards a
    stranger) and faces below the quality floor. Reviewers act on these: "not this person"
    turns the vector into a negative example, a confirmation may promote it to the gallery."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(
        "surveillance.Event",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    camera = models.ForeignKey("surveillance.Camera", on_delete=models.CASCADE, related_name="+")
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    model_version = models.CharField(max_length=20)
    face_quality = models.DecimalField(max_digits=4, decimal_places=3, default=0)
    confidence = models.DecimalField(max_digits=4, decimal_places=3, default=0)
    crop = models.ForeignKey(
        "surveillance.MediaFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_image_path = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("persons", camera="camera")

    class Meta:
        db_table = "face_observations"
        ordering = ["-created_at"]
        constraints = [
            confidence_check("face_quality", "chk_observation_quality"),
            confidence_check("confidence", "chk_observation_confidence"),
        ]

    def __str__(self) -> str:
        return f"Face sighted in event {self.event_id}"


class NegativeExample(models.Model):
    """ "Not this person": a face vector that must not be matched to `person` again. A later face
    is refused for that person when it is at least as close to one of the person's negative
    examples as to the person's own nearest embedding (a 1-nearest-neighbour rule)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="negative_examples")
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    model_version = models.CharField(max_length=20)
    event = models.ForeignKey(
        "surveillance.Event",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(
        "persons",
        rule=lambda rows, viewer: rows.filter(Q(event__isnull=True) | Q(Exists(_event_seen(viewer)))),
        why="'Not this person' made from a sighting is seen where the sighting was; others follow the registry.",
    )

    class Meta:
        db_table = "face_negative_examples"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["person", "model_version"], name="idx_negatives_person_model")]

    def __str__(self) -> str:
        return f"Not {self.person}"


class IngestFrame(models.Model):
    """One frame handed to recognition, keyed by the producer's frame key so that a re-posted
    frame or a redelivered task is recognised once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    frame_key = models.CharField(max_length=200, unique=True)
    camera = models.ForeignKey("surveillance.Camera", on_delete=models.CASCADE, related_name="+")
    timestamp = models.DateTimeField()
    media = models.ForeignKey("surveillance.MediaFile", on_delete=models.SET_NULL, null=True, related_name="+")
    source = models.CharField(max_length=20, default="api")
    detections = models.JSONField(null=True, blank=True, help_text="Face boxes sent by an edge detector")
    status = models.CharField(max_length=10, choices=FrameStatus.choices, default=FrameStatus.QUEUED)
    face_count = models.IntegerField(default=0)
    event_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    attempts = models.IntegerField(default=0)
    error = models.TextField(blank=True, default="")
    processing_ms = models.IntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager("events", camera="camera")

    class Meta:
        db_table = "ingest_frames"
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["camera", "-timestamp"], name="idx_frames_camera_time"),
            models.Index(
                fields=["received_at"],
                name="idx_frames_pending",
                condition=Q(status=FrameStatus.QUEUED),
            ),
        ]

    def __str__(self) -> str:
        return self.frame_key


class ReviewAction(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(
        "surveillance.Event",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=ReviewActionType.choices)
    from_person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    to_person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    notes = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(
        "persons",
        rule=lambda rows, viewer: rows.filter(Exists(_event_seen(viewer))),
        why="A review of a sighting is seen where the sighting was.",
    )

    class Meta:
        db_table = "review_actions"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"], name="idx_review_actions_created")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.reviewer}"


class TrainingDataset(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(null=True, blank=True)
    person_ids = models.JSONField(default=list, blank=True)
    sample_count = models.IntegerField(default=0)
    version = models.CharField(max_length=20)
    status = models.CharField(
        max_length=20,
        choices=TrainingStatus.choices,
        default=TrainingStatus.BUILDING,
        db_index=True,
    )
    quality_floor = models.FloatField(default=0.45)
    validation_fraction = models.FloatField(default=0.3)
    progress = models.FloatField(default=0.0, help_text="0..1 while building")
    summary = models.JSONField(default=dict, blank=True, help_text="Counts per split and label")
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="created_by",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("training", shared=True, why=TRAINING_RULE)

    class Meta:
        db_table = "training_datasets"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class TrainingJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(TrainingDataset, on_delete=models.PROTECT, related_name="jobs")
    model_version_from = models.CharField(max_length=20, null=True, blank=True)
    model_version_to = models.CharField(max_length=20)
    status = models.CharField(
        max_length=20,
        choices=TrainingJobStatus.choices,
        default=TrainingJobStatus.QUEUED,
        db_index=True,
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="approved_by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=TrainingJobKind.choices, default=TrainingJobKind.CALIBRATE)
    model_version = models.ForeignKey(
        "ModelVersion", on_delete=models.CASCADE, null=True, blank=True, related_name="jobs", help_text="Calibrated"
    )
    target_precision = models.FloatField(default=0.995)
    progress = models.FloatField(default=0.0)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("training", shared=True, why=TRAINING_RULE)

    class Meta:
        db_table = "training_jobs"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.model_version_from or 'scratch'} → {self.model_version_to} ({self.status})"


class ModelVersion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version_string = models.CharField(max_length=20, unique=True)
    training_job = models.ForeignKey(
        TrainingJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="model_versions",
    )
    metrics = models.JSONField(default=dict, blank=True)
    is_production = models.BooleanField(default=False)
    is_rollback_available = models.BooleanField(default=True)
    deployed_at = models.DateTimeField(null=True, blank=True)
    pack_path = models.CharField(max_length=500, default="", help_text="Folder of the insightface model pack")
    gallery_version = models.CharField(
        max_length=20,
        default="",
        help_text="face_embeddings.model_version of its gallery: its own name for a new pack, the "
        "earlier version's for the same pack with other thresholds",
    )
    match_threshold = models.FloatField(default=0.5)
    cluster_threshold = models.FloatField(default=0.5)
    gallery_policy = models.JSONField(default=dict, blank=True, help_text='e.g. {"min_quality": 0.45}')
    gallery_status = models.CharField(max_length=20, choices=GalleryStatus.choices, default=GalleryStatus.PENDING)
    gallery_done = models.IntegerField(default=0)
    gallery_total = models.IntegerField(default=0)
    gallery_error = models.TextField(blank=True, default="")
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Rollback target"
    )
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("training", shared=True, why=TRAINING_RULE)

    class Meta:
        db_table = "model_versions"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_production"],
                condition=Q(is_production=True),
                name="idx_model_versions_one_production",
            )
        ]
        indexes = [
            models.Index(
                fields=["is_rollback_available"],
                name="idx_model_versions_rollback",
                condition=Q(is_rollback_available=True),
            )
        ]

    def __str__(self) -> str:
        return self.version_string + (" (production)" if self.is_production else "")


class PersonRecognitionSummary(models.Model):
    """Read-only: the seed's `vw_person_recognition_summary`."""

    person_id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=200, null=True)
    status = models.CharField(max_length=20, choices=PersonStatus.choices)
    role = models.CharField(max_length=100, null=True)
    company = models.CharField(max_length=200, null=True)
    total_detections = models.BigIntegerField()
    detections_last_7d = models.BigIntegerField()
    detections_last_24h = models.BigIntegerField()
    avg_confidence = models.DecimalField(max_digits=4, decimal_places=3, null=True)
    first_seen = models.DateTimeField(null=True)
    last_seen = models.DateTimeField(null=True)
    cameras_seen_on = models.BigIntegerField()
    labels = ArrayField(models.CharField(max_length=20), null=True)
    has_embedding = models.BooleanField()

    objects = scoped_manager("persons", all_sites=True)

    class Meta:
        managed = False
        db_table = "vw_person_recognition_summary"
        verbose_name_plural = "person recognition summaries"


class UnknownClusterForReview(models.Model):
    """Read-only: the seed's `vw_unknown_clusters_for_review`."""

    cluster_id = models.UUIDField(primary_key=True)
    cluster_label = models.CharField(max_length=50)
    sample_count = models.IntegerField()
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    span_hours = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    status = models.CharField(max_length=20)
    representative_face = models.TextField(null=True)
    representative_quality = models.DecimalField(max_digits=4, decimal_places=3, null=True)
    total_events = models.BigIntegerField()
    seen_on_cameras = ArrayField(models.CharField(max_length=100), null=True)
    seen_at_sites = ArrayField(models.CharField(max_length=100), null=True)

    objects = scoped_manager("persons", all_sites=True)

    class Meta:
        managed = False
        db_table = "vw_unknown_clusters_for_review"
        verbose_name = "unknown cluster for review"
        verbose_name_plural = "unknown clusters for review"


class DatasetSample(models.Model):
    """One frozen sample of a dataset: which face, whose it is (by the reviewers' word), and its
    split. Identities never straddle splits, so validation measures faces of unseen people."""

    id = models.BigAutoField(primary_key=True)
    dataset = models.ForeignKey(TrainingDataset, on_delete=models.CASCADE, related_name="samples")
    embedding = models.ForeignKey(FaceEmbedding, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_image_path = models.TextField()
    identity = models.CharField(max_length=60, help_text='"person:<uuid>" or "cluster:<uuid>"')
    label = models.CharField(max_length=20, help_text="confirmed, corrected, merged, enrolled, rejected")
    split = models.CharField(max_length=20, choices=SampleSplit.choices)
    quality = models.FloatField(default=0.0)

    objects = scoped_manager("training", shared=True, why=TRAINING_RULE)

    class Meta:
        db_table = "training_dataset_samples"
        indexes = [models.Index(fields=["dataset", "split"], name="idx_dataset_samples_split")]


class MatchSuggestion(models.Model):
    """ "Unknown-00042 looks like Marcus Webb, 0.71": found by re-matching, decided by a reviewer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cluster = models.ForeignKey(PersonCluster, on_delete=models.CASCADE, related_name="suggestions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="suggestions")
    similarity = models.FloatField()
    model_version = models.CharField(max_length=20)
    reason = models.CharField(max_length=30, help_text="enrolled, named, threshold")
    status = models.CharField(max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("persons", via="cluster", why="A suggestion shows an unknown cluster: seen where it was.")

    class Meta:
        db_table = "face_match_suggestions"
        ordering = ["-similarity"]
        constraints = [models.UniqueConstraint(fields=["cluster", "person"], name="uniq_suggestion_cluster_person")]

    def __str__(self) -> str:
        return f"{self.cluster} looks like {self.person}, {self.similarity:.2f}"
