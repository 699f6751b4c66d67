"""Analytics housekeeping, run by celery beat (schedule entry created by migration 0002)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def close_quiet_tracks() -> dict:
    from analytics.services.engine import close_quiet_tracks as run

    return run()
