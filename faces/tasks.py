"""Celery tasks of the faces app: thin wrappers around faces.services."""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from celery.signals import worker_process_init, worker_ready

from faces.services.recognition import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


# Routed to the `recognition` queue by CELERY_TASK_ROUTES. acks_late, reject_on_worker_lost and
# retries with backoff come from orin.celery.OrinTask; a retry is safe because recognition is
# idempotent on the frame key.
@shared_task(bind=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff_max=60, max_retries=5)
def recognize_frame(self, frame_key: str) -> int:
    """Recognise a stored frame; returns the number of events. Idempotent on the frame key."""
    from faces.services.recognition import recognize_stored_frame

    return len(recognize_stored_frame(frame_key, final_attempt=self.request.retries >= self.max_retries))


@shared_task
def requeue_stale_frames() -> int:
    """Periodic (beat): frames stored while the broker was unreachable get queued again."""
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
    """A recognition worker that (re)starts sends the frames left behind while no broker or no
    worker was there, instead of waiting for the scheduled sweep. It sweeps itself (a thread of
    its main process) rather than queueing the sweep, which another worker could pick up."""
    from orin.celery import app

    consuming = set(getattr(app.amqp.queues, "consume_from", None) or ())
    if consuming and "recognition" not in consuming:
        return
    threading.Thread(target=_sweep_at_start, name="orin-frame-sweep", daemon=True).start()


def _sweep_at_start() -> None:
    from django.db import connection

    from faces.services.ingest import requeue_stale_frames as requeue

    try:
        sent = requeue()
        if sent:
            logger.info("start-up sweep: %d stored frame(s) sent to recognition again", sent)
    except Exception:  # noqa: BLE001 - the scheduled sweep runs anyway
        logger.warning("the start-up frame sweep failed", exc_info=True)
    finally:
        connection.close()
