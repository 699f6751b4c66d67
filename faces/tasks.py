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
    every=60,
    queue="recognition",
    description="Every minute: frames still queued after ORIN_FRAME_REQUEUE_AFTER_SECONDS are sent to "
    "recognition again (their task never reached the broker, or the broker lost it).",
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


# Learning jobs (faces.services.training / reembed / rematch / quality_loop): on the
# recognition queue, where the model packs are loaded.
@shared_task
def build_dataset(dataset_id: str) -> int:
    from faces.services.datasets import build_dataset as build

    return build(dataset_id).sample_count


@shared_task
def run_training_job(job_id: str) -> str:
    from faces.services.training import run_job

    return run_job(job_id).status


@shared_task
def reembed_gallery(version_id: str) -> int:
    """Resumable: a retried or re-sent task carries on from the faces still missing."""
    from faces.services.reembed import reembed_gallery as reembed

    return reembed(version_id).gallery_done


@shared_task
def rematch_unknowns(person_id: str | None, reason: str, reviewer_id: int | None = None) -> int:
    from django.contrib.auth import get_user_model

    from faces.services.rematch import rematch_unknowns as rematch

    reviewer = get_user_model().objects.filter(pk=reviewer_id).first() if reviewer_id else None
    return len(rematch(person_id, reason=reason, reviewer=reviewer))


@periodic(
    "Recognition precision",
    crontab=("30", "6"),
    description="Daily: a camera whose reviewed recognition precision fell below "
    "ORIN_FACE_PRECISION_ALERT raises a system alert.",
)
@shared_task
def check_recognition_precision() -> int:
    """Periodic (beat, daily): a camera whose reviewed precision fell below the floor raises an alert."""
    from faces.services.quality_loop import check_precision

    return len(check_precision())
