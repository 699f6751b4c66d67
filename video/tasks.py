"""Thin Celery tasks over video.services."""

from celery import shared_task


@shared_task(bind=True, max_retries=30, acks_late=True)
def cut_requested_clip(self, request_id: str) -> str:
    """Cut a clip once its post-roll is recorded; until then retry (an ETA, not a sleep)."""
    from video.models import ClipRequest
    from video.services.clips import process_clip_request

    try:
        outcome = process_clip_request(request_id)
    except ClipRequest.DoesNotExist:
        return "gone"  # its alert (and so the request) was deleted meanwhile
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.request.status


@shared_task
def apply_recording_retention() -> int:
    from video.services.retention import apply_recording_retention as apply

    return apply()
