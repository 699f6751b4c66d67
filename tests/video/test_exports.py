"""Signed exports: the package verifies; a changed byte in the video or the manifest does not;
custody records the export, the view, the download and the verification, and cannot be edited."""

import datetime as dt
import io
import os
import subprocess
import sys
import zipfile

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from tests.conftest import ROOT, sign_in, test_database_url
from tests.factories import CameraFactory, SiteFactory, UserFactory
from tests.video.conftest import record_offline
from video.models import CustodyEntry, SiteSigningKey
from video.services import clips, exports

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(recordings_root, h264_source, django_capture_on_commit_callbacks):
    camera = CameraFactory(
        dvr__site=SiteFactory(name="Export site"), config={"recording": True}, rtsp_url="tcp://127.0.0.1:9"
    )
    start = timezone.now() - dt.timedelta(minutes=10)
    record_offline(camera, recordings_root, h264_source, start, seconds=6)
    user = UserFactory(username="exporter", role_name="admin", sites=[camera.dvr.site])
    with django_capture_on_commit_callbacks(execute=False):
        request = clips.request_export(
            camera=camera, start=start, end=start + dt.timedelta(seconds=4), user=user, reason="police request 42"
        )
    clips.process_clip_request(request.pk)
    request.refresh_from_db()
    return request, user


def package_bytes(client, request) -> bytes:
    answer = client.get(reverse("admin:console_video_export_package", args=[request.pk]))
    assert answer.status_code == 200
    return b"".join(answer.streaming_content)


def rebuilt(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def test_export_package_verifies_and_tampering_is_caught(client, export, tmp_path):
    request, user = export
    assert request.status == "ready" and request.progress == 100
    sign_in(client, user)
    data = package_bytes(client, request)

    result = exports.verify_package(data)
    assert result.ok, result.problems
    assert result.manifest["reason"] == "police request 42" and result.manifest["exporter"] == "exporter"
    assert result.manifest["public_key"] == SiteSigningKey.objects.get(site=request.camera.dvr.site).public_key

    def flip_video(name, content):
        return content if name.startswith("manifest") else content[:-1] + bytes([content[-1] ^ 1])

    def edit_manifest(name, content):
        return content.replace(b"police request 42", b"police request 43") if name == "manifest.json" else content

    assert "does not match" in " ".join(exports.verify_package(rebuilt(data, flip_video)).problems)
    assert "signature does not verify" in " ".join(exports.verify_package(rebuilt(data, edit_manifest)).problems)
    assert not exports.verify_package(b"not a zip").ok

    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    good.write_bytes(data)
    bad.write_bytes(rebuilt(data, flip_video))
    command = [sys.executable, "manage.py", "verify_export"]

    def verify(path, database_url):
        env = {**os.environ, "DATABASE_URL": database_url}
        return subprocess.run([*command, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert verify(good, test_database_url()).returncode == 0
    assert verify(bad, test_database_url()).returncode == 1
    # A recipient away from ORIN's database still verifies the signature and every hash.
    away = verify(good, "postgres://nobody@127.0.0.1:9/none")
    assert away.returncode == 0 and "key not compared" in away.stderr
    assert verify(bad, "postgres://nobody@127.0.0.1:9/none").returncode == 1

    page = client.post(reverse("admin:console_video_verify"), {"package": io.BytesIO(data)})
    assert page.status_code == 200 and b'data-ok="1"' in page.content
    actions = list(CustodyEntry.objects.filter(export=request).values_list("action", flat=True))
    assert actions == ["exported", "downloaded", "verified"]


def test_custody_is_append_only_and_other_sites_get_404(client, export):
    request, _ = export
    entry = CustodyEntry.objects.get(export=request)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CustodyEntry.objects.filter(pk=entry.pk).update(username="someone else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CustodyEntry.objects.filter(pk=entry.pk).delete()
    sign_in(client, UserFactory(role_name="admin", sites=[SiteFactory()]))
    assert client.get(reverse("admin:console_video_export_package", args=[request.pk])).status_code == 404
    assert client.get(reverse("admin:console_video_export", args=[request.pk])).status_code == 404
