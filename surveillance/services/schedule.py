"""The default celery beat schedule, stored in the database (django-celery-beat) so that it is
editable in the admin. Created by a data migration on a fresh install; entries are matched by
name and never overwritten, so an administrator's changes (or deletions) stay."""

from __future__ import annotations

from django.utils import timezone

DEFAULT_SCHEDULE = [
    {
        "name": "Partition maintenance",
        "task": "surveillance.tasks.maintain_partitions",
        "crontab": {"minute": "15", "hour": "2"},
        "expire_seconds": 6 * 3600,
        "description": "Daily: partitions three months ahead, stray rows rehomed, expired months "
        "archived (audit) and dropped by the retention settings.",
    },
    {
        "name": "Media retention",
        "task": "surveillance.tasks.enforce_media_retention",
        "crontab": {"minute": "45", "hour": "2"},
        "expire_seconds": 6 * 3600,
        "description": "Daily: expired snapshots, crops and clips removed from storage, then their rows.",
    },
    {
        "name": "System health",
        "task": "surveillance.tasks.record_system_health",
        "every_seconds": 60,
        "expire_seconds": 50,
        "description": "Every minute: a system_health_logs row per component (api, workers, beat, db, redis, ...).",
    },
    {
        "name": "Camera health",
        "task": "surveillance.tasks.check_camera_health",
        "every_seconds": 60,
        "expire_seconds": 50,
        "description": "Every minute: cameras silent beyond their timeout go offline with a system alert.",
    },
]


def ensure_beat_schedule(periodic_task_model, interval_model, crontab_model, periodic_tasks_model) -> list[str]:
    """Create the missing default entries; returns their names. Takes the models as arguments so
    a migration can pass its historical ones."""
    created = []
    for entry in DEFAULT_SCHEDULE:
        if periodic_task_model.objects.filter(name=entry["name"]).exists():
            continue
        fields = {
            "task": entry["task"],
            "expire_seconds": entry["expire_seconds"],
            "description": entry["description"],
            "enabled": True,
        }
        if "crontab" in entry:
            fields["crontab"], _ = crontab_model.objects.get_or_create(
                minute=entry["crontab"]["minute"],
                hour=entry["crontab"]["hour"],
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="UTC",
            )
        else:
            fields["interval"], _ = interval_model.objects.get_or_create(every=entry["every_seconds"], period="seconds")
        periodic_task_model.objects.create(name=entry["name"], **fields)
        created.append(entry["name"])
    if created:
        # Tell a running beat to reload its schedule.
        periodic_tasks_model.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
    return created
