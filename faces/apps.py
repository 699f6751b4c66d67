from django.apps import AppConfig


class FacesConfig(AppConfig):
    name = "faces"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Faces and persons"

    def ready(self) -> None:
        from faces.services.media import visible_crop
        from faces.services.stream_frames import recognise_stream_frame
        from surveillance.services.media_access import register_media_resolver
        from surveillance.services.streams import register_frame_analyzer

        register_media_resolver(visible_crop)
        register_frame_analyzer("faces", recognise_stream_frame)
