from django.apps import AppConfig


class ScenesConfig(AppConfig):
    name = "scenes"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Scene descriptions"

    def ready(self) -> None:
        from alerts.signals import alerts_changed
        from scenes.services.describing import describe_new_alerts

        # After commit (alerts.signals), so a slow or absent describer never delays an alert.
        alerts_changed.connect(describe_new_alerts, dispatch_uid="scenes.describe_new_alerts")
