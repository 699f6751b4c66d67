from django.apps import AppConfig


class FacesConfig(AppConfig):
    name = "faces"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Faces and persons"

    def ready(self) -> None:
        from faces.services.media import visible_crop
        from faces.services.stream_frames import recognise_stream_frame
        from surveillance.services.camera_settings import CameraSetting, register_camera_settings
        from surveillance.services.media_access import register_media_resolver
        from surveillance.services.streams import register_frame_analyzer

        # The camera config keys recognition and media retention read.
        register_camera_settings(
            CameraSetting("min_face_size", float, 0, 4096),
            CameraSetting("match_threshold", float, 0, 1),
            CameraSetting("cluster_threshold", float, 0, 1),
            CameraSetting("retention_days", int, 1, 3650),
            CameraSetting("face_crop_retention_days", int, 1, 3650),
        )

        register_media_resolver(visible_crop)
        register_frame_analyzer("faces", recognise_stream_frame)
