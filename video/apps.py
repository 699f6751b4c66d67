from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "video"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Video evidence"

    def ready(self) -> None:
        from alerts.signals import alerts_changed
        from surveillance.services.camera_settings import CameraSetting, register_camera_settings
        from surveillance.services.partitions import PartitionedTable, register_partitioned_table
        from surveillance.services.retention import register_media_protection
        from video.services import clips

        # The camera config keys video reads (recorder, clips, retention); docs/video.md.
        register_camera_settings(
            CameraSetting("recording", bool),
            CameraSetting("live_view", bool),
            CameraSetting("recording_mode", str, choices=("all", "motion", "detections")),
            CameraSetting("recording_retention_days", float, 0.01, 3650),
            CameraSetting("recording_idle_retention_days", float, 0, 3650),
            CameraSetting("clip_pre_seconds", float, 0, 300),
            CameraSetting("clip_post_seconds", float, 0, 300),
        )

        # Rows leave through video retention (files first, locks respected); a month is dropped
        # whole only long after every unlocked segment in it is gone.
        register_partitioned_table(PartitionedTable("recordings", "120 months", column="start_time"))
        register_media_protection("evidence_locks", clips.LOCKED_MEDIA_SQL)
        alerts_changed.connect(clips.on_alerts_changed, dispatch_uid="video.clips")
