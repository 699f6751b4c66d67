"""Maintenance tasks (queue `maintenance`), run by celery beat from the database schedule
(each marked with orin.periodic.periodic). Thin wrappers: the work lives in services, and every
task is idempotent, so a redelivery after a worker died is harmless."""

from __future__ import annotations

from celery import shared_task

from orin.periodic import periodic


@periodic(
    "Partition maintenance",
    crontab=("15", "2"),
    description="Daily: partitions three months ahead, stray rows rehomed, expired months "
    "archived (audit) and dropped by the retention settings.",
)
@shared_task
def maintain_partitions() -> dict:
    from surveillance.services.partitions import run_partition_maintenance

    return run_partition_maintenance().as_dict()


@periodic(
    "Media retention",
    crontab=("45", "2"),
    description="Daily: expired snapshots, crops and clips removed from storage, then their rows.",
)
@shared_task
def enforce_media_retention() -> dict:
    from surveillance.services.retention import enforce_media_retention as run

    return run().as_dict()


@periodic(
    "System health",
    every=60,
    expires=50,
    description="Every minute: a system_health_logs row per component (api, workers, beat, db, redis, ...).",
)
@shared_task
def record_system_health() -> dict:
    from surveillance.services.system_health import record_system_health as run

    return run()


@periodic(
    "Camera health",
    every=60,
    expires=50,
    description="Every minute: cameras silent beyond their timeout go offline with a system alert.",
)
@shared_task
def check_camera_health() -> int:
    """Silent cameras go offline with a system alert; returns how many alerts were raised."""
    from surveillance.services.health import check_camera_timeouts

    return len(check_camera_timeouts())
