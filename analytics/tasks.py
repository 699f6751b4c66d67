"""Analytics housekeeping, run by celery beat (schedule entry created by migration 0002)."""

from __future__ import annotations

from celery import shared_task

from orin.periodic import periodic


@periodic(
    "Analytics: close quiet tracks",
    every=30,
    expires=25,
    description="Every 30 s: tracks unseen past their timeout end; their open activities get final durations.",
)
@shared_task
def close_quiet_tracks() -> dict:
    from analytics.services.engine import close_quiet_tracks as run

    return run()
