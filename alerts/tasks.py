"""Celery tasks; settings.CELERY_TASK_ROUTES sends `alerts.tasks.*` to the `notifications` queue.
Each is a thin call into alerts.services."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, name="alerts.tasks.deliver_notification")
def deliver_notification(self, delivery_id: str) -> str:
    from alerts.services.delivery import attempt_delivery, worker_name
    from alerts.services.dispatch import enqueue_deliveries

    outcome = attempt_delivery(delivery_id, worker=f"{self.request.hostname or ''} {worker_name()}".strip())
    if outcome.retry_in is not None:
        enqueue_deliveries([delivery_id], countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="alerts.tasks.escalate_alerts")
def escalate_alerts() -> int:
    from alerts.services.lifecycle import escalate_due_alerts

    return len(escalate_due_alerts())


@shared_task(name="alerts.tasks.resume_pending_deliveries")
def resume_pending_deliveries() -> int:
    from alerts.services.dispatch import resume_pending_deliveries as resume

    return resume()
