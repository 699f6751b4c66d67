from django.apps import AppConfig


class DetectionConfig(AppConfig):
    """Object detection: the built-in detector, motion gate, tracker and AI guards."""

    name = "detection"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Object detection"

    def ready(self) -> None:
        from detection.services.face_tracks import join_face_tracks, name_tracks
        from detection.services.guards import assign_guards
        from detection.services.notify import notify_guard_catches
        from detection.services.pipeline import detect_stream_frame
        from surveillance.services.camera_settings import CameraSetting, register_camera_settings
        from surveillance.services.events import register_event_enricher, register_event_processor
        from surveillance.services.streams import register_frame_analyzer

        register_camera_settings(CameraSetting("object_detection", bool))

        register_event_enricher("detection.guards", assign_guards)
        register_event_enricher("detection.face_tracks", join_face_tracks)
        register_event_processor("detection.name_tracks", name_tracks, order=50)
        register_event_processor("detection.guard_alerts", notify_guard_catches, order=150)
        register_frame_analyzer("detection", detect_stream_frame)
