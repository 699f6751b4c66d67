"""Maintenance tasks (queue `maintenance`), run by celery beat from the database schedule
(see surveillance/services/schedule.py). Thin wrappers: the work lives in services, and every
task is idempotent, so a redelivery after a worker died is harmless."""

from __future__ import annotations

from celery import shared_task


@shared_task
def maintain_partitions() -> dict:
    from surveillance.services.partitions import run_partition_maintenance

    return run_partition_maintenance().as_dict()


@shared_task
def enforce_media_retention() -> dict:
    from surveillance.services.retention import enforce_media_retention as run

    return run().as_dict()


@shared_task
def record_system_health() -> dict:
    from surveillance.services.system_health import record_system_health as run

    return run()


@shared_task
def check_camera_health() -> int:
    """Silent cameras go offline with a system alert; returns how many alerts were raised."""
    from surveillance.services.health import check_camera_timeouts

    return len(check_camera_timeouts())
