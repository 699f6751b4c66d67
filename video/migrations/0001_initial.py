"""Video evidence: `recordings` range-partitioned by month on start_time (seed 000), its
partitions for this month and three ahead (the daily maintenance adds later ones), evidence
locks, clip requests, and the recording-retention beat entry."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


RECORDINGS_SQL = """
CREATE TABLE recordings (
    id               uuid NOT NULL,
    camera_id        uuid NOT NULL REFERENCES cameras (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    kind             varchar(10) NOT NULL DEFAULT 'segment',
    start_time       timestamptz NOT NULL,
    end_time         timestamptz NOT NULL,
    duration_seconds numeric(10,3) NOT NULL,
    file_size_bytes  bigint,
    resolution       varchar(20),
    fps              integer,
    codec            varchar(20),
    storage_path     text NOT NULL DEFAULT '',
    reason           text NOT NULL DEFAULT '',
    is_archived      boolean NOT NULL DEFAULT false,
    archived_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, start_time),
    CONSTRAINT chk_recordings_range CHECK (end_time > start_time)
) PARTITION BY RANGE (start_time);
CREATE TABLE recordings_default PARTITION OF recordings DEFAULT;
CREATE INDEX idx_recordings_camera_id ON recordings (camera_id, start_time DESC);
CREATE INDEX idx_recordings_timerange ON recordings (start_time, end_time);
CREATE INDEX idx_recordings_camera_end ON recordings (camera_id, end_time DESC);
"""

BEAT_ENTRY = "Recording retention"


def create_partitions(apps, schema_editor):
    from surveillance.services.partitions import PARTITIONED_TABLES, ensure_future_partitions

    if "recordings" in PARTITIONED_TABLES:  # registered by VideoConfig.ready()
        ensure_future_partitions(months_ahead=3, tables=["recordings"])


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if not PeriodicTask.objects.filter(name=BEAT_ENTRY).exists():
        every, _ = IntervalSchedule.objects.get_or_create(every=600, period="seconds")
        PeriodicTask.objects.create(
            name=BEAT_ENTRY,
            task="video.tasks.apply_recording_retention",
            interval=every,
            expire_seconds=550,
            description="Every 10 minutes: recorded segments past their camera's retention deleted (locked footage kept).",
        )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=BEAT_ENTRY).delete()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("alerts", "0004_beat_schedule"),
        ("surveillance", "0004_beat_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Recording",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        (
                            "kind",
                            models.CharField(
                                choices=[("segment", "Segment"), ("gap", "Gap")], default="segment", max_length=10
                            ),
                        ),
                        ("start_time", models.DateTimeField()),
                        ("end_time", models.DateTimeField()),
                        ("duration_seconds", models.DecimalField(decimal_places=3, max_digits=10)),
                        ("file_size_bytes", models.BigIntegerField(blank=True, null=True)),
                        ("resolution", models.CharField(blank=True, max_length=20, null=True)),
                        ("fps", models.IntegerField(blank=True, null=True)),
                        ("codec", models.CharField(blank=True, max_length=20, null=True)),
                        (
                            "storage_path",
                            models.TextField(blank=True, default="", help_text="Relative to ORIN_RECORDINGS_ROOT"),
                        ),
                        ("reason", models.TextField(blank=True, default="")),
                        ("is_archived", models.BooleanField(default=False)),
                        ("archived_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "camera",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="recordings",
                                to="surveillance.camera",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "recordings",
                        "ordering": ["-start_time"],
                    },
                ),
            ],
            database_operations=[migrations.RunSQL(RECORDINGS_SQL, "DROP TABLE IF EXISTS recordings CASCADE")],
        ),
        migrations.RunPython(create_partitions, migrations.RunPython.noop),
        migrations.CreateModel(
            name="ClipRequest",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("event_id", models.UUIDField(blank=True, null=True)),
                ("start_time", models.DateTimeField()),
                ("end_time", models.DateTimeField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("waiting", "Waiting"),
                            ("cutting", "Cutting"),
                            ("ready", "Ready"),
                            ("partial", "Partial"),
                            ("missing", "Missing"),
                            ("no_recording", "No Recording"),
                            ("failed", "Failed"),
                        ],
                        default="waiting",
                        max_length=20,
                    ),
                ),
                ("message", models.TextField(blank=True, default="")),
                ("progress", models.PositiveSmallIntegerField(default=0, help_text="percent")),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("reason", models.CharField(blank=True, default="", max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "alert",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="clip_request",
                        to="alerts.alert",
                    ),
                ),
                (
                    "camera",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="clip_requests",
                        to="surveillance.camera",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "video_clip",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="requests",
                        to="surveillance.videoclip",
                    ),
                ),
            ],
            options={
                "db_table": "clip_requests",
                "ordering": ["-created_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("end_time__gt", models.F("start_time"))), name="chk_clip_requests_range"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="EvidenceLock",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("start_time", models.DateTimeField()),
                ("end_time", models.DateTimeField()),
                ("reason", models.CharField(max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("released_at", models.DateTimeField(blank=True, null=True)),
                (
                    "alert",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="evidence_locks",
                        to="alerts.alert",
                    ),
                ),
                (
                    "camera",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="evidence_locks",
                        to="surveillance.camera",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "evidence_locks",
                "ordering": ["-start_time"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("released_at__isnull", True)),
                        fields=["camera", "start_time", "end_time"],
                        name="idx_evidence_locks_active",
                    )
                ],
            },
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
