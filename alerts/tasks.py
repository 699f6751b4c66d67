"""Celery tasks; settings.CELERY_TASK_ROUTES sends `alerts.tasks.*` to the `notifications` queue.
Each is a thin call into alerts.services."""

from __future__ import annotations

from celery import shared_task

from orin.periodic import periodic


@shared_task(bind=True, name="alerts.tasks.deliver_notification")
def deliver_notification(self, delivery_id: str) -> str:
    from alerts.services.delivery import attempt_delivery, worker_name
    from alerts.services.dispatch import enqueue_deliveries

    outcome = attempt_delivery(delivery_id, worker=f"{self.request.hostname or ''} {worker_name()}".strip())
    if outcome.retry_in is not None:
        enqueue_deliveries([delivery_id], countdown=outcome.retry_in)
    return outcome.status


@periodic(
    "Alert escalation",
    every=15,
    queue="notifications",
    description="Every 15 s: alerts nobody acknowledged within their rule's delay escalate once per level.",
)
@shared_task(name="alerts.tasks.escalate_alerts")
def escalate_alerts() -> int:
    from alerts.services.lifecycle import escalate_due_alerts

    return len(escalate_due_alerts())


@periodic(
    "Resume pending notifications",
    every=60,
    queue="notifications",
    description="Every minute: notification deliveries whose task was lost are sent again.",
)
@shared_task(name="alerts.tasks.resume_pending_deliveries")
def resume_pending_deliveries() -> int:
    from alerts.services.dispatch import resume_pending_deliveries as resume

    return resume()
