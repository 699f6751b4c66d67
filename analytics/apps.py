from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Behaviour analytics"

    def ready(self) -> None:
        from analytics.services.engine import analyse_track_points
        from analytics.services.sources import analyse_tracked_events
        from surveillance.services.events import register_event_processor
        from surveillance.services.tracks import register_track_consumer

        # After the rule engine (order 10): analytics' alerts come on top of the rules' ones.
        register_event_processor("analytics.tracks", analyse_tracked_events, order=200)
        register_track_consumer("analytics", analyse_track_points)
        self._forget_configs_on_change()

    def _forget_configs_on_change(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from analytics.models import CameraAnalytics, CountingLine, OpeningHours, ZoneAnalytics
        from analytics.services.config import forget_camera_configs
        from surveillance.models import Camera, CameraZone, Site

        for model in (CameraAnalytics, CountingLine, OpeningHours, ZoneAnalytics, Camera, CameraZone, Site):
            post_save.connect(forget_camera_configs, sender=model, dispatch_uid=f"analytics-config-{model.__name__}")
            post_delete.connect(
                forget_camera_configs, sender=model, dispatch_uid=f"analytics-config-d-{model.__name__}"
            )
