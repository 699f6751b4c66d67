from django.apps import AppConfig


class DetectionConfig(AppConfig):
    """Object detection: the built-in detector, motion gate, tracker and AI guards."""

    name = "detection"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Object detection"
