"""Celery tasks (default queue: outbound model calls must not hold up notifications)."""

from __future__ import annotations

from celery import shared_task

from orin.periodic import periodic


@shared_task(name="scenes.tasks.describe_scene")
def describe_scene(description_id: str) -> str:
    from scenes.services.describing import attempt_description

    outcome = attempt_description(description_id)
    if outcome.retry_in is not None:
        describe_scene.apply_async((description_id,), countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="scenes.tasks.describe_alerts")
def describe_alerts(alert_ids: list[str]) -> int:
    from scenes.services.describing import describe_alerts as describe

    return len(describe(alert_ids))


@periodic(
    "Resume lost scene descriptions",
    every=120,
    queue="celery",
    description="Every 2 minutes: descriptions whose task was lost (Redis restart, killed worker) are queued again.",
)
@shared_task(name="scenes.tasks.resume_lost_descriptions")
def resume_lost_descriptions() -> int:
    from scenes.services.describing import resume_lost_descriptions as resume

    return resume()
