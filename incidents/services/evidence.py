"""Evidence of an incident: events (with their snapshot), and uploaded snapshots, clips or files.

Uploads are stored under `incidents/<incident id>/` with their SHA-256 and are served only
through the incident's own access check. Attached evidence is `locked`: it is never deleted
through the incident, and the video work's retention is to keep locked media.
"""

from __future__ import annotations

import hashlib
import mimetypes
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from incidents.models import EvidenceKind, Incident, IncidentEvidence, MessageKind
from incidents.services.actions import IncidentError, _clean_text, _locked, post_message
from surveillance.models import Event

CAPTION_MAX = 300


def max_attachment_bytes() -> int:
    return int(getattr(settings, "INCIDENT_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024))


def attach_event(incident: Incident, event_id, user, caption: str = "") -> IncidentEvidence:
    """An event of the incident's site (the user must see it) with its snapshot."""
    caption = _clean_text(caption, "caption", CAPTION_MAX)
    with transaction.atomic():
        locked = _locked(incident, user, "write")
        events = Event.objects.all() if user is None else Event.objects.restrict(user, "read")
        event = events.select_related("camera__dvr").filter(pk=event_id).first()
        if event is None:
            raise IncidentError(f"unknown event {event_id}")
        if event.camera.dvr.site_id != locked.site_id and not locked.multi_site:
            raise IncidentError("the event is from another site than the incident's")
        if IncidentEvidence.objects.filter(incident=locked, event_id=event.pk).exists():
            raise IncidentError("this event is already attached", "conflict")
        evidence = IncidentEvidence.objects.create(
            incident=locked,
            kind=EvidenceKind.EVENT,
            event_id=event.pk,
            event_timestamp=event.timestamp,
            camera=event.camera,
            storage_path=event.image_path or "",
            content_type="image/jpeg" if event.image_path else "",
            caption=caption or f"{event.event_type} on {event.camera.name}",
            added_by=user,
            added_at=timezone.now(),
        )
        post_message(
            locked, MessageKind.EVIDENCE, f"Event attached: {evidence.caption}", user, {"evidence": str(evidence.pk)}
        )
    return evidence


def _kind_of(content_type: str) -> str:
    if content_type.startswith("image/"):
        return EvidenceKind.SNAPSHOT
    if content_type.startswith("video/"):
        return EvidenceKind.CLIP
    return EvidenceKind.FILE


def _sniffed_type(upload, claimed: str | None) -> str:
    """Images are what Pillow can read, whatever the browser claimed (a page must never show
    an "image" that is something else)."""
    from PIL import Image, UnidentifiedImageError

    claimed = claimed or "application/octet-stream"
    if not (claimed.startswith("image/") or claimed == "application/octet-stream"):
        return claimed
    try:
        with Image.open(upload) as image:
            found = f"image/{(image.format or '').lower()}"
    except (UnidentifiedImageError, OSError, ValueError):
        found = "application/octet-stream"
    finally:
        upload.seek(0)
    return found if found != "image/" else "application/octet-stream"


def attach_upload(incident: Incident, upload, user, caption: str = "", camera=None) -> IncidentEvidence:
    """A snapshot, clip or document uploaded by an operator; refused whole when too large."""
    caption = _clean_text(caption, "caption", CAPTION_MAX)
    limit = max_attachment_bytes()
    if upload.size is None or upload.size > limit:
        raise IncidentError(f"the file is too large ({upload.size} bytes, at most {limit})")
    if upload.size == 0:
        raise IncidentError("the file is empty")
    name = (upload.name or "file").rsplit("/", 1)[-1][-100:]
    content_type = _sniffed_type(upload, getattr(upload, "content_type", None) or mimetypes.guess_type(name)[0])
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = None
    try:
        with transaction.atomic():
            locked = _locked(incident, user, "write")
            extension = name.rsplit(".", 1)[-1][:10] if "." in name else "bin"
            stored = default_storage.save(f"incidents/{locked.pk}/{uuid.uuid4().hex}.{extension}", upload)
            evidence = IncidentEvidence.objects.create(
                incident=locked,
                kind=_kind_of(content_type),
                camera=camera,
                storage_path=stored,
                content_type=content_type[:100],
                file_size=upload.size,
                sha256=digest.hexdigest(),
                caption=caption or name,
                added_by=user,
                added_at=timezone.now(),
            )
            post_message(
                locked,
                MessageKind.EVIDENCE,
                f"{evidence.get_kind_display()} attached: {evidence.caption}",
                user,
                {"evidence": str(evidence.pk)},
            )
    except BaseException:
        if stored:  # nothing half-written: the row rolled back, so the file goes too
            default_storage.delete(stored)
        raise
    return evidence


def attach_bytes(incident: Incident, data: bytes, name: str, user, caption: str = "") -> IncidentEvidence:
    """For callers holding bytes (tests, importers)."""
    upload = ContentFile(data, name=name)
    upload.content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return attach_upload(incident, upload, user, caption)


def read_evidence(evidence: IncidentEvidence) -> bytes | None:
    if not evidence.storage_path:
        return None
    try:
        with default_storage.open(evidence.storage_path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None
