from django.apps import AppConfig


class FacesConfig(AppConfig):
    name = "faces"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Faces and persons"

    def ready(self) -> None:
        from faces.services.media import visible_crop
        from surveillance.services.media_access import register_media_resolver

        register_media_resolver(visible_crop)
