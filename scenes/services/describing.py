"""Asking for descriptions and getting them: which alerts are described, what is sent, what is
stored, and how failures are retried. The Celery task (scenes.tasks.describe_scene) is a thin
loop around `attempt_description`.

Nothing here runs inside an alert's transaction: new alerts arrive through `alerts_changed`
after commit, and the request itself goes out from a worker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.services.audit import record_access
from scenes.models import (
    CameraPrompt,
    DescriberEndpoint,
    DescriptionStatus,
    RequestType,
    SceneDescription,
    SitePrivacy,
)
from scenes.services import budget, frames
from scenes.services.describer import DescriberError, Image, describer_for
from surveillance.models import SEVERITY_RANK

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 600.0
MAX_IMAGES = 4  # a snapshot, or a few frames of a clip (scenes.services.frames)
MAX_ALERTS_PER_BATCH = 50  # an ingest burst must not turn into thousands of requests at once
FINISHED = (DescriptionStatus.DONE, DescriptionStatus.FAILED, DescriptionStatus.SKIPPED)
STALE_AFTER = dt.timedelta(minutes=5)  # past its next attempt by this much, a row's task was lost


class DescribeRefused(Exception):
    """A description cannot be asked for; the message says why, for the operator."""


@dataclass(frozen=True)
class Outcome:
    status: str
    retry_in: float | None = None


def active_endpoint() -> DescriberEndpoint | None:
    return DescriberEndpoint.objects.filter(is_active=True).first()


def site_allows_images(camera) -> bool:
    return not SitePrivacy.objects.filter(site_id=camera.dvr.site_id, send_images=False).exists()


def prompt_for(camera, endpoint: DescriberEndpoint) -> str:
    own = CameraPrompt.objects.filter(camera=camera).values_list("prompt", flat=True).first()
    return (own or "").strip() or endpoint.prompt


def backoff_seconds(attempts: int) -> float:
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


def _enqueue(description_ids: list, countdown: float | None = None) -> None:
    from scenes.tasks import describe_scene

    for description_id in description_ids:
        describe_scene.apply_async((str(description_id),), countdown=countdown)


def request_description(
    *,
    camera,
    image_paths: list[str],
    user=None,
    event=None,
    alert=None,
    incident_id=None,
    request_type: str = RequestType.ON_DEMAND,
) -> SceneDescription:
    """Queue a description of `image_paths` (storage names) seen by `camera`; sent after commit.
    Refused (DescribeRefused / BudgetExhausted) when no endpoint is on, the site keeps its images,
    there is no image, or today's budget is spent — the caller shows the reason."""
    endpoint = active_endpoint()
    if endpoint is None:
        raise DescribeRefused("no describer endpoint is switched on (Scene descriptions → Describer endpoints)")
    if not site_allows_images(camera):
        raise DescribeRefused(f"site {camera.dvr.site.name} does not allow its images to be sent for description")
    paths = [p for p in dict.fromkeys(image_paths) if p][:MAX_IMAGES]
    if not paths:
        raise DescribeRefused("there is no snapshot to describe")
    budget.check_budget(endpoint)
    description = SceneDescription.objects.create(
        camera=camera,
        event_id=getattr(event, "pk", event),
        event_timestamp=getattr(event, "timestamp", None),
        alert=alert,
        incident_id=incident_id,
        request_type=request_type,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
        endpoint=endpoint,
        endpoint_url=endpoint.chat_url,
        model_name=endpoint.model,
        prompt=prompt_for(camera, endpoint),
        image_paths=paths,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue([description.pk]))
    return description


def event_images(event) -> list[str]:
    """The snapshot, or where there is none, the clip (sent as a few frames)."""
    return [event.image_path or event.video_clip_path or ""]


def describe_event(event, user) -> SceneDescription:
    """'Describe this' on an event."""
    return request_description(camera=event.camera, image_paths=event_images(event), user=user, event=event)


def describe_alert(alert, user=None, request_type: str = RequestType.ON_DEMAND) -> SceneDescription:
    images = [alert.snapshot_path or ""]
    event = None
    if alert.event_id:
        from surveillance.models import Event

        event = Event.objects.filter(pk=alert.event_id).first()
        if event is not None:
            images += event_images(event)
    return request_description(
        camera=alert.camera,
        image_paths=images,
        user=user,
        event=event or alert.event_id,
        alert=alert,
        request_type=request_type,
    )


def _severe_enough(severity: str, floor: str) -> bool:
    return SEVERITY_RANK.get(severity, -1) >= SEVERITY_RANK.get(floor, len(SEVERITY_RANK))


def alerts_to_describe(alerts, endpoint: DescriberEndpoint | None) -> list:
    """Ids of the new alerts the endpoint describes automatically (severity at or above its floor)."""
    if endpoint is None or not endpoint.describe_alerts:
        return []
    return [a.pk for a in alerts if _severe_enough(a.severity, endpoint.min_severity)]


def describe_new_alerts(sender=None, alerts=(), change: str = "", **kwargs) -> None:
    """`alerts_changed` receiver (after commit). It runs on the ingest path, so it only picks the
    alerts (one query) and hands them to a worker in one task."""
    if change != "created":
        return
    ids = alerts_to_describe(alerts, active_endpoint())
    if len(ids) > MAX_ALERTS_PER_BATCH:
        logger.warning("%d alerts of one batch left undescribed", len(ids) - MAX_ALERTS_PER_BATCH)
    if ids:
        from scenes.tasks import describe_alerts as task

        task.delay([str(pk) for pk in ids[:MAX_ALERTS_PER_BATCH]])


def describe_alerts(alert_ids: list) -> list[SceneDescription]:
    """Queue descriptions of new alerts (worker side). A refusal (privacy, budget, no snapshot)
    is logged, never raised: the alert stands without a description."""
    from alerts.models import Alert

    made = []
    for alert in Alert.objects.filter(pk__in=alert_ids).select_related("camera__dvr__site"):
        if SceneDescription.objects.filter(alert=alert).exists():
            continue  # a redelivered task
        try:
            with transaction.atomic():
                made.append(describe_alert(alert, request_type=RequestType.ALERT))
        except (DescribeRefused, budget.BudgetExhausted) as exc:
            logger.info("alert %s not described: %s", alert.pk, exc)
    return made


def _finish(row: SceneDescription, status: str, error: str = "", retry_in: float | None = None, **fields) -> Outcome:
    now = timezone.now()
    row.status = status
    row.error = error[:2000]
    row.completed_at = now if status in FINISHED else None
    row.next_attempt_at = None if status in FINISHED else now + dt.timedelta(seconds=retry_in or 0)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return Outcome(status, retry_in)


def _take_slot(description_id) -> tuple[SceneDescription | None, Outcome | None]:
    """Lock the endpoint, check privacy/budget/rate and mark the description as sending."""
    with transaction.atomic():
        description = (
            SceneDescription.objects.select_for_update()
            .select_related("camera__dvr__site")
            .filter(pk=description_id)
            .first()
        )
        if description is None or description.status in FINISHED:
            return None, Outcome(description.status if description else "missing")
        endpoint = DescriberEndpoint.objects.select_for_update().filter(pk=description.endpoint_id).first()
        if endpoint is None or not endpoint.is_active:
            return None, _finish(description, DescriptionStatus.SKIPPED, "the describer endpoint was switched off")
        if not site_allows_images(description.camera):
            return None, _finish(description, DescriptionStatus.SKIPPED, "the site's privacy switch forbids sending")
        now = timezone.now()
        used = budget.sent_today(endpoint, now, exclude=description.pk)
        if used >= endpoint.daily_budget:
            return None, _finish(description, DescriptionStatus.SKIPPED, budget.budget_message(endpoint, used))
        slot = budget.rate_slot(endpoint, now)
        if not slot.granted:
            description.next_attempt_at = now + dt.timedelta(seconds=slot.wait_seconds)
            description.save(update_fields=["next_attempt_at"])
            return None, Outcome(description.status, retry_in=slot.wait_seconds)
        description.status = DescriptionStatus.SENDING
        description.sent_at = now
        description.next_attempt_at = now + dt.timedelta(seconds=endpoint.timeout_seconds)
        description.attempts += 1
        description.save(update_fields=["status", "sent_at", "next_attempt_at", "attempts"])
        description.endpoint = endpoint
    return description, None


def _audit_sending(description: SceneDescription, images: list[Image]) -> None:
    """Each image that leaves ORIN, and to which endpoint (written before it goes out)."""
    for image in images:
        record_access(
            description.requested_by,
            "scene_image_sent",
            "scene_description",
            description.pk,
            endpoint=description.endpoint_url,
            model=description.model_name,
            camera=str(description.camera_id),
            event=str(description.event_id) if description.event_id else None,
            image=image.name,
            bytes=len(image.data),
            sha256=hashlib.sha256(image.data).hexdigest(),
            attempt=description.attempts,
        )


def attempt_description(description_id) -> Outcome:
    """One try at one description; `retry_in` says when to try again (rate limit, timeout, 429,
    5xx: Retry-After honoured, else exponential backoff), until the endpoint's max_attempts."""
    description, outcome = _take_slot(description_id)
    if outcome is not None:
        return outcome
    images = frames.load_images(description.image_paths, MAX_IMAGES)
    if not images:
        return _finish(description, DescriptionStatus.SKIPPED, "the snapshot is no longer in storage")
    _audit_sending(description, images)
    try:
        answer = describer_for(description.endpoint).describe(description.prompt, images)
    except DescriberError as exc:
        if exc.retryable and description.attempts < description.endpoint.max_attempts:
            wait = exc.retry_after if exc.retry_after is not None else backoff_seconds(description.attempts)
            return _finish(description, DescriptionStatus.QUEUED, f"attempt {description.attempts}: {exc}", wait)
        return _finish(description, DescriptionStatus.FAILED, f"attempt {description.attempts}: {exc}")
    return _finish(
        description,
        DescriptionStatus.DONE,
        description=answer.text,
        response=answer.raw,
        model_name=answer.model,
        latency_ms=answer.latency_ms,
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
        total_tokens=answer.total_tokens,
    )


def resume_lost_descriptions(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Re-enqueue unfinished descriptions well past their next attempt (a task lost with Redis
    or a killed worker); each gets STALE_AFTER before it is picked up again."""
    now = now or timezone.now()
    due = SceneDescription.objects.filter(
        status__in=[DescriptionStatus.QUEUED, DescriptionStatus.SENDING], next_attempt_at__lt=now - STALE_AFTER
    )
    ids = list(due.order_by("next_attempt_at").values_list("id", flat=True)[:limit])
    SceneDescription.objects.filter(pk__in=ids).update(next_attempt_at=now)
    transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)
