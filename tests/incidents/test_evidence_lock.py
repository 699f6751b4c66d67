"""Attached evidence is evidence-locked: media retention keeps an event's snapshot while a locked
incident evidence row points at it, and deletes its expired neighbours as before."""

import datetime as dt
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from incidents.services import actions, evidence
from surveillance.models import MediaFile
from surveillance.services.retention import enforce_media_retention
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def expired_snapshot(camera, event=None) -> MediaFile:
    name = default_storage.save(f"frames/{camera.id}/{uuid.uuid4().hex}.jpg", ContentFile(b"\xff\xd8 jpeg"))
    old = timezone.now() - dt.timedelta(days=90)
    return MediaFile.objects.create(
        file_type="image",
        storage_path=name,
        file_size=7,
        checksum="0" * 64,
        camera=camera,
        event_id=getattr(event, "id", None),
        timestamp=old,
        retention_until=old + dt.timedelta(days=30),
    )


def test_retention_keeps_locked_evidence_only(world):
    camera = world["cam_a"]
    event = EventFactory(camera=camera, timestamp=timezone.now() - dt.timedelta(days=1))
    kept = expired_snapshot(camera, event)
    type(event).objects.filter(pk=event.pk, timestamp=event.timestamp).update(image_path=kept.storage_path)
    gone = expired_snapshot(camera)
    incident = actions.open_incident(user=world["op_a"], title="Evidence", site=world["a"])
    item = evidence.attach_event(incident, event.pk, world["op_a"], "the intruder")
    assert item.media_file == kept and item.locked and item.storage_path == kept.storage_path

    report = enforce_media_retention()
    assert report.deleted_rows == 1
    assert MediaFile.objects.filter(pk=kept.pk).exists() and default_storage.exists(kept.storage_path)
    assert not MediaFile.objects.filter(pk=gone.pk).exists() and not default_storage.exists(gone.storage_path)
