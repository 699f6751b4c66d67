from django.apps import AppConfig

# Evidence-locked media: retention keeps a file while locked incident evidence points at it.
EVIDENCE_HOLD = """EXISTS (
    SELECT 1 FROM incident_evidence ie
    WHERE ie.locked AND (ie.media_file_id = m.id OR (ie.storage_path <> '' AND ie.storage_path = m.storage_path))
)"""


class IncidentsConfig(AppConfig):
    name = "incidents"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from surveillance.services.retention import register_media_protection

        register_media_protection("incident evidence", EVIDENCE_HOLD)
