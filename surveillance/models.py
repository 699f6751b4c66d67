"""Sites, recorders, cameras, zones, events, media and device logs (seed 004 §3, §6, §10, §13).

The five time-series tables (events, suspicious activity, health and connectivity logs, and
accounts' audit log) are range-partitioned by month in PostgreSQL with primary key
(id, timestamp); Django keeps `id` as its pk so the ORM and admin work unchanged, and foreign
keys *into* them carry no database constraint, as in the seed.
"""

import uuid

from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.crypto import EncryptedTextField
from accounts.scoping import Viewer, scoped_manager


class DeviceStatus(models.TextChoices):
    ONLINE = "online"
    OFFLINE = "offline"
    DEGRADED = "degraded"
    UNKNOWN = "unknown"
    MAINTENANCE = "maintenance"


class EventType(models.TextChoices):
    HUMAN_DETECTED = "human_detected"
    FACE_DETECTED = "face_detected"
    PERSON_RECOGNIZED = "person_recognized"
    MOTION_DETECTED = "motion_detected"
    OBJECT_DETECTED = "object_detected"


class ActivityType(models.TextChoices):
    INTRUSION = "intrusion"
    LOITERING = "loitering"
    RUNNING = "running"
    CROWDING = "crowding"
    FALL = "fall"
    ABANDONED_OBJECT = "abandoned_object"
    AFTER_HOURS = "after_hours"
    ZONE_BREACH = "zone_breach"
    REPEATED_ENTRY = "repeated_entry"
    DWELL_TIME = "dwell_time"


class Severity(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# 0 (low) … 3 (critical): the one ordering of severities every app compares by.
SEVERITY_RANK = {severity.value: rank for rank, severity in enumerate(Severity)}


class ReviewActionType(models.TextChoices):
    CONFIRM = "confirm"
    REJECT = "reject"
    CORRECT_NAME = "correct_name"
    MERGE = "merge"
    DELETE = "delete"


class ZoneType(models.TextChoices):
    RESTRICTED = "restricted"
    INTEREST = "interest"
    ENTRY = "entry"
    EXIT = "exit"


class MediaFileType(models.TextChoices):
    IMAGE = "image"
    VIDEO = "video"


class ConnectivityEvent(models.TextChoices):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECT_FAILED = "reconnect_failed"


def confidence_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": 1}), name=name)


class Site(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    address = models.TextField(blank=True, null=True)
    timezone = models.CharField(max_length=50, default="UTC", db_index=True)
    vpn_config = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("sites", site="pk")

    class Meta:
        db_table = "sites"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DVR(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="dvrs")
    name = models.CharField(max_length=100)
    brand = models.CharField(max_length=50, blank=True, null=True)
    model = models.CharField(max_length=100, blank=True, null=True)
    ip_address = models.GenericIPAddressField(db_index=True)
    ports = models.JSONField(default=dict, blank=True)
    firmware_version = models.CharField(max_length=50, blank=True, null=True)
    username = EncryptedTextField(db_column="username_encrypted", null=True, blank=True)
    password = EncryptedTextField(db_column="password_encrypted", null=True, blank=True)
    status = models.CharField(
        max_length=20,
        choices=DeviceStatus.choices,
        default=DeviceStatus.UNKNOWN,
        db_index=True,
    )
    last_seen = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager("cameras", site="site")

    class Meta:
        db_table = "dvrs"
        verbose_name = "DVR / NVR"
        verbose_name_plural = "DVRs / NVRs"
        ordering = ["site__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.site})" if self.site_id else self.name


class Camera(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dvr = models.ForeignKey(DVR, on_delete=models.CASCADE, related_name="cameras")
    channel_number = models.IntegerField(db_index=True)
    name = models.CharField(max_length=100)
    location = models.CharField(max_length=200, blank=True, null=True)
    # Encrypted at rest: a stream URL usually embeds the camera's password.
    rtsp_url = EncryptedTextField(
        db_column="rtsp_url_encrypted", blank=True, null=True, help_text="RTSP/HTTP URL or a video file path"
    )
    resolution = models.CharField(max_length=20, blank=True, null=True)
    fps = models.IntegerField(default=25, null=True, blank=True)
    status = models.CharField(
        max_length=20,
        choices=DeviceStatus.choices,
        default=DeviceStatus.UNKNOWN,
        db_index=True,
    )
    is_active = models.BooleanField(default=True)
    last_frame_time = models.DateTimeField(null=True, blank=True)
    config = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager("cameras", camera="pk")

    class Meta:
        db_table = "cameras"
        ordering = ["dvr__site__name", "name"]
        constraints = [models.UniqueConstraint(fields=["dvr", "channel_number"], name="uq_cameras_dvr_channel")]
        indexes = [
            models.Index(
                fields=["is_active"],
                name="idx_cameras_is_active",
                condition=Q(is_active=True),
            ),
            GinIndex(fields=["config"], name="idx_cameras_config"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from surveillance.services.camera_settings import validate_camera_config

        try:
            validate_camera_config(self.config)
        except ValidationError as exc:
            raise ValidationError({"config": exc.messages}) from exc


class CameraZone(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(max_length=100)
    zone_type = models.CharField(max_length=20, choices=ZoneType.choices, db_index=True)
    polygon_points = models.JSONField(help_text='Normalised vertices: [{"x": 0.1, "y": 0.2}, ...]')
    color = models.CharField(max_length=7, default="#FF0000", null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("cameras", camera="camera")

    class Meta:
        db_table = "camera_zones"
        ordering = ["camera__name", "name"]
        indexes = [
            models.Index(
                fields=["is_active"],
                name="idx_camera_zones_active",
                condition=Q(is_active=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.camera} / {self.name}"

    def clean(self) -> None:
        from surveillance.services.zones import validate_polygon

        try:
            validate_polygon(self.polygon_points)
        except ValidationError as exc:
            raise ValidationError({"polygon_points": exc.messages}) from exc


class Event(models.Model):
    """AI detection; partitioned monthly on `timestamp` (see module docstring)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.DO_NOTHING, related_name="events")
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    person = models.ForeignKey(
        "faces.Person",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="events",
    )
    cluster = models.ForeignKey(
        "faces.PersonCluster",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="events",
    )
    confidence = models.DecimalField(max_digits=4, decimal_places=3)
    bounding_box = models.JSONField()
    image_path = models.TextField(null=True, blank=True)
    video_clip_path = models.TextField(null=True, blank=True)
    timestamp = models.DateTimeField()
    frame_number = models.BigIntegerField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    reviewed = models.BooleanField(default=False)
    review_action = models.CharField(max_length=20, choices=ReviewActionType.choices, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("events", camera="camera")

    class Meta:
        db_table = "events"
        ordering = ["-timestamp"]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"


class SuspiciousActivityEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.DO_NOTHING, related_name="suspicious_events")
    event = models.ForeignKey(
        Event,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    activity_type = models.CharField(max_length=30, choices=ActivityType.choices)
    zone = models.ForeignKey(CameraZone, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+")
    confidence = models.DecimalField(max_digits=4, decimal_places=3)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    details = models.JSONField(default=dict, blank=True)
    image_path = models.TextField(null=True, blank=True)
    video_clip_path = models.TextField(null=True, blank=True)
    timestamp = models.DateTimeField()
    alert_sent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("events", camera="camera")

    class Meta:
        db_table = "suspicious_activity_events"
        ordering = ["-timestamp"]

    def __str__(self) -> str:
        return f"{self.get_activity_type_display()} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"


class MediaFile(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file_type = models.CharField(max_length=10, choices=MediaFileType.choices)
    storage_path = models.TextField(help_text="Name of the object in the configured storage")
    file_size = models.BigIntegerField()
    checksum = models.CharField(max_length=64, help_text="SHA-256 hex digest")
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="media_files")
    event = models.ForeignKey(
        Event,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    timestamp = models.DateTimeField()
    retention_until = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("media", camera="camera")

    class Meta:
        db_table = "media_files"
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["-timestamp"], name="idx_media_files_timestamp"),
            models.Index(
                fields=["event"],
                name="idx_media_files_event_id",
                condition=Q(event__isnull=False),
            ),
            models.Index(fields=["retention_until"], name="idx_media_files_retention"),
        ]

    def __str__(self) -> str:
        return self.storage_path


class VideoClip(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    media_file = models.ForeignKey(MediaFile, on_delete=models.CASCADE, related_name="clips")
    duration = models.DecimalField(max_digits=8, decimal_places=2, help_text="seconds")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="video_clips")
    event = models.ForeignKey(
        Event,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    format = models.CharField(max_length=10, default="mp4")
    size_bytes = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("media", camera="camera")

    class Meta:
        db_table = "video_clips"
        ordering = ["-start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(duration__gt=0), name="chk_clips_duration"),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="chk_clips_time_range",
            ),
        ]
        indexes = [
            models.Index(fields=["-start_time"], name="idx_video_clips_start_time"),
            models.Index(fields=["camera", "-start_time"], name="idx_video_clips_camera_time"),
            models.Index(
                fields=["event"],
                name="idx_video_clips_event_id",
                condition=Q(event__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camera} {self.start_time:%Y-%m-%d %H:%M:%S} ({self.duration}s)"


class SystemHealthLog(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    component = models.CharField(max_length=50)
    status = models.CharField(max_length=20, choices=DeviceStatus.choices)
    metrics = models.JSONField(default=dict, blank=True)
    message = models.TextField(null=True, blank=True)
    timestamp = models.DateTimeField()

    objects = scoped_manager("system", all_sites=True)

    class Meta:
        db_table = "system_health_logs"
        ordering = ["-timestamp"]

    def __str__(self) -> str:
        return f"{self.component} {self.status} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"


def _device_ids(viewer: Viewer) -> list:
    dvrs = DVR.objects.filter(site_id__in=viewer.site_ids).values_list("id", flat=True)
    return [*viewer.camera_ids, *dvrs]


class DeviceConnectivityLog(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device_type = models.CharField(max_length=20, help_text="dvr, camera or edge")
    device_id = models.UUIDField()
    event = models.CharField(max_length=20, choices=ConnectivityEvent.choices)
    details = models.JSONField(default=dict, blank=True)
    timestamp = models.DateTimeField()

    objects = scoped_manager(
        "system",
        rule=lambda rows, viewer: rows.filter(device_id__in=_device_ids(viewer)),
        why="A device's connectivity log is seen where the device (camera or DVR) is.",
    )

    class Meta:
        db_table = "device_connectivity_logs"
        ordering = ["-timestamp"]

    def __str__(self) -> str:
        return f"{self.device_type} {self.device_id} {self.event}"


class DashboardStats(models.Model):
    """Read-only: the seed's `vw_dashboard_stats` (one row)."""

    total_cameras = models.BigIntegerField(primary_key=True)
    online_cameras = models.BigIntegerField()
    offline_cameras = models.BigIntegerField()
    camera_uptime_pct = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    events_today = models.BigIntegerField()
    recognized_today = models.BigIntegerField()
    faces_today = models.BigIntegerField()
    humans_today = models.BigIntegerField()
    unreviewed_events = models.BigIntegerField()
    pending_alerts = models.BigIntegerField()
    acknowledged_alerts = models.BigIntegerField()
    critical_alerts = models.BigIntegerField()
    total_persons = models.BigIntegerField()
    known_persons = models.BigIntegerField()
    unknown_persons = models.BigIntegerField()
    blacklisted_persons = models.BigIntegerField()
    vip_persons = models.BigIntegerField()
    suspicious_today = models.BigIntegerField()
    critical_suspicious = models.BigIntegerField()

    objects = scoped_manager("system", all_sites=True)

    class Meta:
        managed = False
        db_table = "vw_dashboard_stats"
        verbose_name_plural = "dashboard stats"


class RecentEvent(models.Model):
    """Read-only: the seed's `vw_recent_events` (last 24 hours)."""

    event_id = models.UUIDField(primary_key=True)
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    confidence = models.DecimalField(max_digits=4, decimal_places=3)
    bounding_box = models.JSONField()
    image_path = models.TextField(null=True)
    event_timestamp = models.DateTimeField()
    reviewed = models.BooleanField()
    review_action = models.CharField(max_length=20, null=True)
    metadata = models.JSONField()
    camera_id = models.UUIDField(null=True)
    camera_name = models.CharField(max_length=100, null=True)
    camera_location = models.CharField(max_length=200, null=True)
    resolution = models.CharField(max_length=20, null=True)
    dvr_name = models.CharField(max_length=100, null=True)
    site_name = models.CharField(max_length=100, null=True)
    person_id = models.UUIDField(null=True)
    person_name = models.CharField(max_length=200, null=True)
    person_status = models.CharField(max_length=20, null=True)
    person_role = models.CharField(max_length=100, null=True)
    cluster_label = models.CharField(max_length=50, null=True)

    objects = scoped_manager("events", all_sites=True)

    class Meta:
        managed = False
        db_table = "vw_recent_events"
        ordering = ["-event_timestamp"]


class PartitionArchive(models.Model):
    """A time-series partition exported to media storage (gzip CSV) before it was dropped.

    `checksum` is the SHA-256 of the stored bytes; the export is read back and verified against
    it and `row_count` before the partition may be dropped.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    table_name = models.CharField(max_length=63, db_index=True)
    partition_name = models.CharField(max_length=63, unique=True)
    month = models.DateField()
    storage_path = models.TextField(help_text="Name of the archive in the configured storage")
    row_count = models.BigIntegerField()
    size_bytes = models.BigIntegerField()
    checksum = models.CharField(max_length=64, help_text="SHA-256 hex digest of the stored file")
    archived_at = models.DateTimeField()
    dropped_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager("system", all_sites=True)

    class Meta:
        db_table = "partition_archives"
        ordering = ["table_name", "-month"]

    def __str__(self) -> str:
        return self.partition_name
