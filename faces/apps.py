from django.apps import AppConfig


class FacesConfig(AppConfig):
    name = "faces"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Faces and persons"
