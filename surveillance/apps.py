from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SurveillanceConfig(AppConfig):
    name = "surveillance"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Sites, cameras and events"

    def ready(self) -> None:
        from orin.periodic import sync_after_migrate

        # Once per migrate (sent for this app only): install missing periodic tasks of every app.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="orin.periodic.sync")
