"""Video evidence: the recordings index (seed 000's `recordings`, range-partitioned by month on
`start_time`), evidence locks that retention never crosses, and clip requests (a clip around an
alert, or an operator's export of a range) with their state, so a missing clip says why.

Clips themselves are surveillance's `media_files` + `video_clips` rows (seed 004).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.scoping import scoped_manager


class RecordingKind(models.TextChoices):
    SEGMENT = "segment"
    GAP = "gap"  # nothing was recorded between start and end; `reason` says why


class Recording(models.Model):
    """One recorded segment (or one gap) of a camera. Partitioned monthly on `start_time`;
    Django keeps `id` as its pk (the table's key is (id, start_time))."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    camera = models.ForeignKey("surveillance.Camera", on_delete=models.DO_NOTHING, related_name="recordings")
    kind = models.CharField(max_length=10, choices=RecordingKind.choices, default=RecordingKind.SEGMENT)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    duration_seconds = models.DecimalField(max_digits=10, decimal_places=3)
    file_size_bytes = models.BigIntegerField(null=True, blank=True)
    resolution = models.CharField(max_length=20, null=True, blank=True)
    fps = models.IntegerField(null=True, blank=True)
    codec = models.CharField(max_length=20, null=True, blank=True)
    storage_path = models.TextField(blank=True, default="", help_text="Relative to ORIN_RECORDINGS_ROOT")
    reason = models.TextField(blank=True, default="")
    is_archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("media", camera="camera")

    class Meta:
        db_table = "recordings"
        ordering = ["-start_time"]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.kind} {self.start_time:%Y-%m-%d %H:%M:%S} ({self.duration_seconds}s)"


class EvidenceLock(models.Model):
    """Footage of a camera between start and end that retention and the disk quota never delete
    while the lock is not released (an alert's window, an incident's, an operator's hold)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    camera = models.ForeignKey("surveillance.Camera", on_delete=models.CASCADE, related_name="evidence_locks")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    alert = models.ForeignKey(
        "alerts.Alert", on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence_locks"
    )
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager("media", camera="camera")

    class Meta:
        db_table = "evidence_locks"
        ordering = ["-start_time"]
        indexes = [
            models.Index(
                fields=["camera", "start_time", "end_time"],
                name="idx_evidence_locks_active",
                condition=Q(released_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"lock {self.camera_id} {self.start_time:%Y-%m-%d %H:%M:%S}–{self.end_time:%H:%M:%S}: {self.reason}"


class ClipStatus(models.TextChoices):
    WAITING = "waiting"  # for the post-roll to be recorded
    CUTTING = "cutting"
    READY = "ready"
    PARTIAL = "partial"  # cut, but footage is missing from part of the window (message says which)
    MISSING = "missing"  # nothing recorded in the window
    NO_RECORDING = "no_recording"  # the camera does not record
    FAILED = "failed"


class ClipRequest(models.Model):
    """A clip wanted for [start, end] of a camera: around an alert, or exported by an operator.
    Its status and message are what the console shows next to the alert."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    camera = models.ForeignKey("surveillance.Camera", on_delete=models.CASCADE, related_name="clip_requests")
    alert = models.OneToOneField(
        "alerts.Alert", on_delete=models.CASCADE, null=True, blank=True, related_name="clip_request"
    )
    event_id = models.UUIDField(null=True, blank=True)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    status = models.CharField(max_length=20, choices=ClipStatus.choices, default=ClipStatus.WAITING)
    message = models.TextField(blank=True, default="")
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent")
    attempts = models.PositiveSmallIntegerField(default=0)
    video_clip = models.ForeignKey(
        "surveillance.VideoClip", on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager("media", camera="camera")

    class Meta:
        db_table = "clip_requests"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="chk_clip_requests_range")
        ]

    def __str__(self) -> str:
        return f"clip {self.camera_id} {self.start_time:%Y-%m-%d %H:%M:%S} {self.status}"
