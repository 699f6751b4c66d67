"""AI guards (seed 000): detection profiles assigned to cameras, and reviewers' verdicts on what
they caught. The detections themselves are ordinary events (surveillance's partitioned `events`
table) whose metadata carries `label`, `track_id` and `guard_id`."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.scoping import scoped_manager
from alerts.services.schedules import validate_schedule
from surveillance.models import Camera, CameraZone, Site


class GuardType(models.TextChoices):
    PEOPLE = "people"
    VEHICLES = "vehicles"
    PACKAGES = "packages"
    PETS = "pets"
    MOTION = "motion"
    CUSTOM = "custom"


GUARD_CLASSES: dict[str, frozenset[str]] = {
    GuardType.PEOPLE: frozenset({"person"}),
    GuardType.VEHICLES: frozenset({"bicycle", "car", "motorcycle", "bus", "truck"}),
    GuardType.PACKAGES: frozenset({"backpack", "handbag", "suitcase"}),
    GuardType.PETS: frozenset({"dog", "cat"}),
}


class Guard(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="guards")
    name = models.CharField(max_length=100)
    guard_type = models.CharField(max_length=20, choices=GuardType.choices, default=GuardType.PEOPLE)
    classes = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, help_text="COCO class names, for custom guards"
    )
    sensitivity = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="1-100; higher catches more (minimum confidence 0.80 at 1 … 0.25 at 100)",
    )
    schedule = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_schedule],
        help_text='Empty: always. {"days": [1,2,3,4,5], "start_time": "18:00", "end_time": "06:00"} '
        "in the site's timezone (0 = Sunday)",
    )
    zones = models.ManyToManyField(CameraZone, blank=True, related_name="guards", help_text="Empty: the whole frame")
    cameras = models.ManyToManyField(Camera, through="GuardCamera", related_name="guards")
    notify = models.BooleanField(default=True, help_text="Raise an alert for what this guard catches")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager("cameras", site="site")

    class Meta:
        db_table = "detection_guards"
        ordering = ["site__name", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="uq_detection_guards_site_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def min_confidence(self) -> float:
        return round(0.80 - 0.55 * (self.sensitivity - 1) / 99, 3)

    @property
    def labels(self) -> frozenset[str]:
        """COCO classes this guard watches (empty for motion guards)."""
        if self.guard_type == GuardType.CUSTOM:
            return frozenset(c.strip().lower() for c in self.classes if c.strip())
        return GUARD_CLASSES.get(self.guard_type, frozenset())

    def clean(self) -> None:
        from detection.services.detector import COCO_CLASSES

        if self.guard_type == GuardType.CUSTOM:
            unknown = sorted(self.labels - set(COCO_CLASSES))
            if not self.labels:
                raise ValidationError({"classes": "A custom guard needs at least one class."})
            if unknown:
                raise ValidationError({"classes": f"Unknown COCO classes: {', '.join(unknown)}."})


class GuardCamera(models.Model):
    guard = models.ForeignKey(Guard, on_delete=models.CASCADE, related_name="assignments")
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="guard_assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("cameras", camera="camera")

    class Meta:
        db_table = "detection_guard_cameras"
        constraints = [models.UniqueConstraint(fields=["guard", "camera"], name="uq_detection_guard_camera")]

    def __str__(self) -> str:
        return f"{self.guard} @ {self.camera}"

    def clean(self) -> None:
        if self.guard_id and self.camera_id and self.camera.dvr.site_id != self.guard.site_id:
            raise ValidationError({"camera": "The camera belongs to another site than the guard."})


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed"
    FALSE_POSITIVE = "false_positive"


class DetectionReview(models.Model):
    """A reviewer's verdict on one detection event (the latest verdict per event counts)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_id = models.UUIDField(db_index=True)  # events is partitioned: no foreign key to it
    event_timestamp = models.DateTimeField()
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="detection_reviews")
    guard = models.ForeignKey(Guard, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews")
    label = models.CharField(max_length=40, blank=True)
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    note = models.TextField(blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("events", camera="camera")

    class Meta:
        db_table = "detection_reviews"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["event_id"], name="uq_detection_reviews_event")]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} {self.label} @ {self.event_timestamp:%Y-%m-%d %H:%M}"
