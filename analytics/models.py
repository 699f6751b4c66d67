"""Behaviour analytics: counting lines and their daily counts, per-camera / per-zone settings,
opening hours per site, and the per-track state the analysis keeps between batches.

The activities themselves are rows of surveillance's `suspicious_activity_events` (seed 004 §6).
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models

from accounts.scoping import scoped_manager
from surveillance.models import ActivityType, Camera, CameraZone, Severity, Site


class LineDirection(models.TextChoices):
    BOTH = "both", "both ways (count only)"
    A_TO_B = "a_to_b", "A → B only"
    B_TO_A = "b_to_a", "B → A only"


class Heading(models.TextChoices):
    """Allowed way into an entry/exit zone, as seen on the screen."""

    ANY = "any"
    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"


def validate_fraction(value: float) -> None:
    if not 0 <= value <= 1:
        raise ValidationError("a fraction of the frame, between 0 and 1")


class CountingLine(models.Model):
    """A virtual tripwire (Hikvision/Dahua "line crossing"): from point 1 to point 2, normalised.
    Side A is on the left of the arrow 1→2 as seen on the screen, side B on its right."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="counting_lines")
    name = models.CharField(max_length=100)
    x1 = models.FloatField(validators=[validate_fraction])
    y1 = models.FloatField(validators=[validate_fraction])
    x2 = models.FloatField(validators=[validate_fraction])
    y2 = models.FloatField(validators=[validate_fraction])
    allowed_direction = models.CharField(
        max_length=10,
        choices=LineDirection.choices,
        default=LineDirection.BOTH,
        help_text="A crossing the other way is a zone_breach; every crossing is counted",
    )
    labels = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, help_text="Classes counted; empty = every class"
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("cameras", camera="camera")

    class Meta:
        db_table = "analytics_counting_lines"
        ordering = ["camera__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(x1=models.F("x2")) & models.Q(y1=models.F("y2"))),
                name="chk_counting_line_length",
            )
        ]

    def __str__(self) -> str:
        return f"{self.camera} / {self.name}"

    def clean(self) -> None:
        if (self.x1, self.y1) == (self.x2, self.y2):
            raise ValidationError("the two points of a line must differ")


class LineCount(models.Model):
    """Crossings of a line per local day (the site's timezone), class and direction."""

    line = models.ForeignKey(CountingLine, on_delete=models.CASCADE, related_name="counts")
    day = models.DateField(help_text="Local date at the site")
    label = models.CharField(max_length=50)
    direction = models.CharField(max_length=10, choices=[("a_to_b", "A → B"), ("b_to_a", "B → A")])
    count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager("events", camera="line__camera")

    class Meta:
        db_table = "analytics_line_counts"
        ordering = ["-day", "line__name", "label", "direction"]
        constraints = [
            models.UniqueConstraint(fields=["line", "day", "label", "direction"], name="uq_line_count_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.line.name} {self.day} {self.label} {self.direction}: {self.count}"


class CameraAnalytics(models.Model):
    """Per-camera settings: activity types switched off and threshold overrides."""

    camera = models.OneToOneField(Camera, on_delete=models.CASCADE, primary_key=True, related_name="analytics")
    disabled_types = ArrayField(models.CharField(max_length=30, choices=ActivityType.choices), default=list, blank=True)
    thresholds = models.JSONField(default=dict, blank=True, help_text="Overrides of the defaults (docs/analytics.md)")

    objects = scoped_manager("cameras", camera="camera")

    class Meta:
        db_table = "analytics_camera_settings"
        verbose_name = "camera analytics settings"
        verbose_name_plural = "camera analytics settings"

    def __str__(self) -> str:
        return f"analytics of {self.camera}"

    def clean(self) -> None:
        from analytics.services.config import validate_thresholds

        validate_thresholds(self.thresholds)


class ZoneAnalytics(models.Model):
    """Per-zone settings: threshold overrides, intrusion only outside opening hours, and the
    allowed heading into an entry/exit zone."""

    zone = models.OneToOneField(CameraZone, on_delete=models.CASCADE, primary_key=True, related_name="analytics")
    thresholds = models.JSONField(default=dict, blank=True, help_text="Overrides of the camera's values")
    intrusion_outside_hours_only = models.BooleanField(default=False)
    allowed_heading = models.CharField(max_length=10, choices=Heading.choices, default=Heading.ANY)

    objects = scoped_manager("cameras", camera="zone__camera")

    class Meta:
        db_table = "analytics_zone_settings"
        verbose_name = "zone analytics settings"
        verbose_name_plural = "zone analytics settings"

    def __str__(self) -> str:
        return f"analytics of {self.zone}"

    def clean(self) -> None:
        from analytics.services.config import validate_thresholds

        validate_thresholds(self.thresholds)


class OpeningHours(models.Model):
    """When a site is open, in its own timezone; a person seen outside is `after_hours`."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, primary_key=True, related_name="opening_hours")
    schedule = models.JSONField(help_text='{"days": [1, 2, 3, 4, 5], "start_time": "08:00", "end_time": "18:00"}')

    objects = scoped_manager("sites", site="site")

    class Meta:
        db_table = "analytics_opening_hours"
        verbose_name_plural = "opening hours"

    def __str__(self) -> str:
        return f"opening hours of {self.site}"

    def clean(self) -> None:
        from alerts.services.schedules import schedule_window

        schedule_window(self.schedule)
        if "timezone" in self.schedule:
            raise ValidationError({"schedule": "opening hours follow the site's timezone; remove “timezone”"})


class TrackState(models.Model):
    """What the analysis remembers of a track (or, with an empty track id, of a camera) between
    batches. Kept in PostgreSQL, written in the same transaction as the activities it reports, so
    a rolled-back batch forgets its reports too and a committed report is never repeated."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="+")
    track_id = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict)
    last_seen = models.DateTimeField()

    objects = scoped_manager("events", camera="camera")

    class Meta:
        db_table = "analytics_track_states"
        constraints = [models.UniqueConstraint(fields=["camera", "track_id"], name="uq_track_state")]
        indexes = [models.Index(fields=["camera", "last_seen"], name="idx_track_state_seen")]

    def __str__(self) -> str:
        return f"{self.camera_id}/{self.track_id or '*'}"
