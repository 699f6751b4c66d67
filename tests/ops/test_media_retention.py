"""Media retention: storage first, then rows, in batches; per-camera retention; enrolled
persons' face crops kept; a missing object is logged, not fatal; a failing one keeps its row."""

import datetime as dt
import hashlib
import logging

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from faces.models import FaceEmbedding
from surveillance.models import MediaFile, SystemHealthLog, VideoClip
from surveillance.services.retention import enforce_media_retention
from tests.factories import CameraFactory, ClusterFactory, PersonFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 3, 10, 12, 0, tzinfo=dt.UTC)


def media(camera, name: str, *, age_days: float, keep_days: float, stored: bool = True, file_type="image"):
    data = f"bytes of {name}".encode()
    if stored:
        name = default_storage.save(name, ContentFile(data))
    taken = NOW - dt.timedelta(days=age_days)
    return MediaFile.objects.create(
        file_type=file_type,
        storage_path=name,
        file_size=len(data),
        checksum=hashlib.sha256(data).hexdigest(),
        camera=camera,
        timestamp=taken,
        retention_until=taken + dt.timedelta(days=keep_days),
    )


def embedding_for(crop: MediaFile, *, person=None, cluster=None) -> FaceEmbedding:
    return FaceEmbedding.objects.create(
        person=person,
        cluster=cluster,
        embedding=np.ones(512, dtype=np.float32) / np.sqrt(512),
        source_image_path=crop.storage_path,
        model_version="test",
        crop=crop,
    )


def test_expired_media_leave_storage_then_the_table(media_root, caplog):
    plain = CameraFactory()
    long_keeper = CameraFactory(config={"retention_days": 60})
    short_keeper = CameraFactory(config={"retention_days": 2})

    expired = media(plain, "a/expired.jpg", age_days=40, keep_days=30)
    clip = VideoClip.objects.create(
        media_file=media(plain, "a/expired-clip.mp4", age_days=40, keep_days=30, file_type="video"),
        duration=5,
        start_time=NOW - dt.timedelta(days=40, seconds=5),
        end_time=NOW - dt.timedelta(days=40),
        camera=plain,
        size_bytes=10,
    )
    fresh = media(plain, "a/fresh.jpg", age_days=10, keep_days=30)
    missing = media(plain, "a/never-stored.jpg", age_days=40, keep_days=30, stored=False)
    # The camera's own retention wins over the date stored with the file, both ways.
    extended = media(long_keeper, "b/extended.jpg", age_days=40, keep_days=30)
    shortened = media(short_keeper, "c/shortened.jpg", age_days=3, keep_days=30)
    # Face crops: an enrolled person's is kept, an unknown cluster's goes (its embedding stays).
    person_crop = media(plain, "faces/person.jpg", age_days=400, keep_days=30)
    embedding_for(person_crop, person=PersonFactory())
    cluster_crop = media(plain, "faces/cluster.jpg", age_days=400, keep_days=30)
    cluster_embedding = embedding_for(cluster_crop, cluster=ClusterFactory())

    with caplog.at_level(logging.WARNING, logger="surveillance.services.retention"):
        report = enforce_media_retention(now=NOW, batch_size=2)

    gone = [expired, clip.media_file, missing, shortened, cluster_crop]
    kept = [fresh, extended, person_crop]
    assert not MediaFile.objects.filter(id__in=[m.id for m in gone]).exists()
    assert MediaFile.objects.filter(id__in=[m.id for m in kept]).count() == len(kept)
    assert not any(default_storage.exists(m.storage_path) for m in gone)
    assert all(default_storage.exists(m.storage_path) for m in kept)
    assert not VideoClip.objects.filter(id=clip.id).exists()
    cluster_embedding.refresh_from_db()
    assert cluster_embedding.crop_id is None

    assert (report.deleted_rows, report.deleted_objects, report.missing_objects, report.failed_objects) == (5, 4, 1, 0)
    assert report.batches == 3  # 5 expired in batches of 2
    assert report.missing_paths == ["a/never-stored.jpg"]
    assert "a/never-stored.jpg is already missing" in caplog.text
    row = SystemHealthLog.objects.get(component="media_retention")
    assert row.status == "online" and row.metrics["missing_objects"] == 1

    again = enforce_media_retention(now=NOW)
    assert (again.deleted_rows, again.batches) == (0, 0)


def test_an_object_that_cannot_be_deleted_keeps_its_row(media_root):
    camera = CameraFactory()
    # A non-empty directory under the media path: the storage refuses to delete it.
    (media_root / "stuck").mkdir()
    (media_root / "stuck" / "inside.txt").write_text("x")
    stuck = MediaFile.objects.create(
        file_type="image",
        storage_path="stuck",
        file_size=1,
        checksum="0" * 64,
        camera=camera,
        timestamp=NOW - dt.timedelta(days=90),
        retention_until=NOW - dt.timedelta(days=60),
    )
    deletable = media(camera, "ok.jpg", age_days=90, keep_days=30)

    report = enforce_media_retention(now=NOW, batch_size=1)

    assert MediaFile.objects.filter(id=stuck.id).exists()
    assert not MediaFile.objects.filter(id=deletable.id).exists()
    assert (report.failed_objects, report.deleted_rows) == (1, 1)
    assert report.failed_paths[0].startswith("stuck: ")
    assert SystemHealthLog.objects.get(component="media_retention").status == "degraded"


def test_retention_uses_the_real_clock_by_default(media_root):
    camera = CameraFactory()
    old = MediaFile.objects.create(
        file_type="image",
        storage_path=default_storage.save("old.jpg", ContentFile(b"x")),
        file_size=1,
        checksum="0" * 64,
        camera=camera,
        timestamp=timezone.now() - dt.timedelta(days=2),
        retention_until=timezone.now() - dt.timedelta(days=1),
    )
    assert enforce_media_retention().deleted_rows == 1
    assert not MediaFile.objects.filter(id=old.id).exists()
