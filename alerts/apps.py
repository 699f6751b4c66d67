from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Alerts and notifications"

    def ready(self) -> None:
        from alerts.services.rules import evaluate_events
        from surveillance.services.events import register_event_processor

        register_event_processor("alerts.rules", evaluate_events, order=10)

        from alerts.services.lifecycle import raise_camera_offline_alert
        from surveillance.signals import camera_offline

        camera_offline.connect(raise_camera_offline_alert, dispatch_uid="alerts.camera_offline")
