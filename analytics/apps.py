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
