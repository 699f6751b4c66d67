"""A reviewer's verdict on a detection ("false detection" or confirmed): the named action."""

from __future__ import annotations

from django.db import transaction

from detection.models import DetectionReview, Verdict
from surveillance.models import Event, ReviewActionType

REVIEW_ACTIONS = {Verdict.CONFIRMED: ReviewActionType.CONFIRM, Verdict.FALSE_POSITIVE: ReviewActionType.REJECT}


class ReviewRefused(ValueError):
    pass


def review_detection(event: Event, verdict: str, *, user=None, note: str = "") -> DetectionReview:
    """Record (or change) the verdict on a detection event; the event is marked reviewed."""
    if verdict not in Verdict.values:
        raise ReviewRefused(f"verdict must be one of {', '.join(Verdict.values)}")
    metadata = event.metadata or {}
    if "label" not in metadata and "guard_id" not in metadata:
        raise ReviewRefused("only object, person and motion detections can be reviewed here")
    with transaction.atomic():
        review, _ = DetectionReview.objects.update_or_create(
            event_id=event.id,
            defaults={
                "event_timestamp": event.timestamp,
                "camera_id": event.camera_id,
                "guard_id": metadata.get("guard_id"),
                "label": str(metadata.get("label", ""))[:40],
                "verdict": verdict,
                "note": note,
                "reviewer": user,
            },
        )
        Event.objects.filter(id=event.id, timestamp=event.timestamp).update(
            reviewed=True, review_action=REVIEW_ACTIONS[verdict]
        )
    return review
