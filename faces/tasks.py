"""Celery tasks of the faces app: thin wrappers around faces.services."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_process_init, worker_ready

from faces.services.recognition import TRANSIENT_ERRORS
from orin.periodic import periodic

logger = logging.getLogger(__name__)


# Routed to the `recognition` queue by CELERY_TASK_ROUTES. acks_late, reject_on_worker_lost and
# retries with backoff come from orin.celery.OrinTask; a retry is safe because recognition is
# idempotent on the frame key.
@shared_task(bind=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff_max=60, max_retries=5)
def recognize_frame(self, frame_key: str) -> int:
    """Recognise a stored frame; returns the number of events. Idempotent on the frame key."""
    from faces.services.recognition import recognize_stored_frame

    return len(recognize_stored_frame(frame_key, final_attempt=self.request.retries >= self.max_retries))


@periodic(
    "Requeue stale frames",
    every=120,
    queue="recognition",
    description="Every 2 minutes: frames stored while the broker was unreachable are queued again.",
)
@shared_task
def requeue_stale_frames() -> int:
    """Frames stored while the broker was unreachable get queued again."""
    from faces.services.ingest import requeue_stale_frames as requeue

    return requeue()


@worker_process_init.connect
def load_face_models(**kwargs) -> None:
    """Load the models when a recognition worker process starts, not on its first frame (a
    worker for other queues only never needs them)."""
    from faces.services.engine import get_engine
    from faces.services.model_pack import ModelPackError
    from orin.celery import app

    consuming = set(getattr(app.amqp.queues, "consume_from", None) or ())
    if consuming and "recognition" not in consuming:
        return
    try:
        get_engine()
    except ModelPackError as exc:
        logger.error("%s", exc)  # recognition tasks will fail with the same message


@worker_ready.connect
def sweep_stale_frames_at_start(sender=None, **kwargs) -> None:
    """A recognition worker that (re)starts queues the frames left behind while no broker or no
    worker was there, instead of waiting for the next scheduled sweep."""
    from orin.celery import app

    consuming = set(getattr(app.amqp.queues, "consume_from", None) or ())
    if consuming and "recognition" not in consuming:
        return
    try:
        requeue_stale_frames.apply_async(queue="recognition")
    except Exception:  # noqa: BLE001 - the scheduled sweep runs anyway
        logger.warning("could not queue the start-up frame sweep", exc_info=True)
