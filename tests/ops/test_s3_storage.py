"""Media on S3-compatible storage (ORIN_S3_BUCKET): a real S3 server on 127.0.0.1 (moto's, which
records every object), the project's own storage settings, uploads as ingest stores them, signed
download links through the policy, and retention deleting objects before their rows."""

import datetime as dt
import hashlib

import boto3
import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer
from rest_framework.test import APIClient
from storages.backends.s3 import S3Storage

from accounts.services.sessions import start_session
from faces.services.media import save_file
from orin.settings import s3_storage
from surveillance.models import MediaFile
from surveillance.services.retention import enforce_media_retention
from tests.console.conftest import jpeg_bytes
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db
BUCKET = "orin-media-test"


@pytest.fixture
def s3(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "orin-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "orin-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(BUCKET, endpoint)}
    yield client
    server.stop()


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_snapshots_go_to_the_bucket_are_served_by_signed_links_and_expire(s3):
    assert isinstance(storages["default"], S3Storage)
    camera = CameraFactory()
    data = jpeg_bytes()
    name = save_file(f"frames/{camera.id}/snap.jpg", data)
    assert name in keys(s3)
    assert s3.get_object(Bucket=BUCKET, Key=name)["Body"].read() == data
    now = timezone.now()
    media = MediaFile.objects.create(
        file_type="image",
        storage_path=name,
        file_size=len(data),
        checksum=hashlib.sha256(data).hexdigest(),
        camera=camera,
        timestamp=now,
        retention_until=now + dt.timedelta(days=30),
    )

    operator = UserFactory(role_name="operator", sites=[camera.dvr.site])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {start_session(operator).access_token}")
    detail = api.get(reverse("api:media-file-detail", args=[media.id]))
    assert detail.status_code == 200, detail.content
    link = detail.json()["download_url"]
    downloaded = APIClient().get(link)  # the link itself authorises; no header
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == data

    stranger = UserFactory(role_name="operator", sites=[CameraFactory().dvr.site])
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {start_session(stranger).access_token}")
    assert other.get(reverse("api:media-file-detail", args=[media.id])).status_code == 404
    # A link stays bound to the user it was issued to: once they lose the site, it stops working.
    operator.site_assignments.all().delete()
    assert APIClient().get(link).status_code == 404

    MediaFile.objects.filter(pk=media.pk).update(retention_until=now - dt.timedelta(minutes=1))
    report = enforce_media_retention(now=now)
    assert (report.deleted_objects, report.deleted_rows, report.failed_objects) == (1, 1, 0), report.as_dict()
    assert name not in keys(s3)
    assert not MediaFile.objects.filter(pk=media.pk).exists()
