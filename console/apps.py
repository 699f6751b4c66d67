from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The layer above the domain apps: screens and tools that span them (dashboard, event
    browser and timelines, demo data, doctor). Domain apps never import it."""

    name = "console"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Console"
