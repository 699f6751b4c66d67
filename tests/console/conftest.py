"""Two sites with a camera each, their operators, and stored snapshots."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from surveillance.models import MediaFile
from tests.conftest import sign_in
from tests.factories import CameraFactory, SiteFactory, UserFactory


def login(client, user):
    """Signs in like a real session (with a passed second factor where the role needs one)."""
    return sign_in(client, user)


@pytest.fixture
def sites(db):
    site_a, site_b = SiteFactory(name="Site A"), SiteFactory(name="Site B")
    cam_a = CameraFactory(dvr__site=site_a, name="Gate A")
    cam_b = CameraFactory(dvr__site=site_b, name="Gate B")
    return {"a": site_a, "b": site_b, "cam_a": cam_a, "cam_b": cam_b}


@pytest.fixture
def operator_a(sites):
    return UserFactory(username="op-a", role_name="operator", sites=[sites["a"]])


@pytest.fixture
def operator_b(sites):
    return UserFactory(username="op-b", role_name="operator", sites=[sites["b"]])


@pytest.fixture
def client_a(client, operator_a):
    return login(client, operator_a)


@pytest.fixture
def media_root(settings, tmp_path):
    """Media for this test only."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg_bytes(width: int = 64, height: int = 48, color=(200, 30, 30)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG")
    return out.getvalue()


def stored_snapshot(camera, name: str | None = None, event_id=None) -> MediaFile:
    """A real JPEG in storage with its media_files row, as ingest stores frames."""
    data = jpeg_bytes()
    name = default_storage.save(name or f"frames/{camera.id}/{uuid.uuid4().hex}.jpg", ContentFile(data))
    now = timezone.now()
    return MediaFile.objects.create(
        file_type="image",
        storage_path=name,
        file_size=len(data),
        checksum="0" * 64,
        camera=camera,
        event_id=event_id,
        timestamp=now,
        retention_until=now + dt.timedelta(days=30),
    )


CONFIDENCE = Decimal("0.900")
