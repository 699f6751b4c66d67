"""The console's clip route: policy-checked, Range → 206 so <video> can seek, audited; another
site's operator gets 404 for its clips, recordings and alert evidence."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from alerts.services.lifecycle import raise_alert
from tests.conftest import sign_in
from tests.factories import CameraFactory, SiteFactory, UserFactory
from tests.video.conftest import record_offline
from video.models import ClipRequest, ClipStatus
from video.services import clips

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sites(recordings_root, h264_source):
    start = timezone.now() - dt.timedelta(minutes=10)
    found = {}
    for key in ("a", "b"):
        site = SiteFactory(name=f"Video site {key}")
        camera = CameraFactory(dvr__site=site, config={"recording": True})
        record_offline(camera, recordings_root, h264_source, start, seconds=6)
        alert = raise_alert(camera=camera, alert_type="intrusion", severity="high", message=f"alert {key}")
        clip = clips.cut_clip(camera, start, start + dt.timedelta(seconds=5))
        ClipRequest.objects.create(
            camera=camera, alert=alert, start_time=start, end_time=start + dt.timedelta(seconds=5),
            status=ClipStatus.READY, video_clip=clip,
        )  # fmt: skip
        user = UserFactory(username=f"video-op-{key}", role_name="operator", sites=[site])
        found[key] = {"site": site, "camera": camera, "alert": alert, "clip": clip, "user": user}
    return found


def test_range_requests_are_answered_206(client, two_sites):
    mine = two_sites["a"]
    sign_in(client, mine["user"])
    url = reverse("admin:console_video_clip", args=[mine["clip"].pk])
    size = mine["clip"].size_bytes
    with default_storage.open(mine["clip"].media_file.storage_path, "rb") as stored:
        data = stored.read()

    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Type"] == "video/mp4" and b"".join(whole.streaming_content) == data

    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{size}" and part["Content-Length"] == "100"
    assert b"".join(part.streaming_content) == data[100:200]

    tail = client.get(url, HTTP_RANGE="bytes=-50")
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == data[-50:]
    open_ended = client.get(url, HTTP_RANGE=f"bytes={size - 10}-")
    assert b"".join(open_ended.streaming_content) == data[-10:]

    assert client.get(url, HTTP_RANGE=f"bytes={size}-").status_code == 416
    assert AuditLog.objects.filter(action="media_download", resource_type="video_clip").exists()


def test_another_sites_operator_gets_404(client, two_sites):
    sign_in(client, two_sites["a"]["user"])
    theirs = two_sites["b"]
    assert client.get(reverse("admin:console_video_clip", args=[theirs["clip"].pk])).status_code == 404
    assert (
        client.get(reverse("admin:console_video_clip", args=[theirs["clip"].pk]), HTTP_RANGE="bytes=0-1").status_code
        == 404
    )
    assert client.get(reverse("admin:console_video_camera", args=[theirs["camera"].pk])).status_code == 404
    assert client.get(reverse("admin:console_video_alert", args=[theirs["alert"].pk])).status_code == 404
    export = client.post(
        reverse("admin:console_video_export_range", args=[theirs["camera"].pk]),
        {"start": "2026-01-01 00:00:00", "end": "2026-01-01 00:00:10"},
    )
    assert export.status_code in (403, 404)


def test_alert_page_plays_the_clip_or_says_why(client, two_sites):
    mine = two_sites["a"]
    sign_in(client, mine["user"])
    page = client.get(reverse("admin:console_video_alert", args=[mine["alert"].pk]))
    assert page.status_code == 200
    assert reverse("admin:console_video_clip", args=[mine["clip"].pk]).encode() in page.content
    assert b"<video" in page.content

    ClipRequest.objects.filter(alert=mine["alert"]).update(
        status=ClipStatus.MISSING,
        video_clip=None,
        message="No clip: no footage 10:00:00–10:00:30 UTC (Connection refused).",
    )
    page = client.get(reverse("admin:console_video_alert", args=[mine["alert"].pk]))
    assert b"<video" not in page.content and b"Connection refused" in page.content

    timeline = client.get(reverse("admin:console_video_camera", args=[mine["camera"].pk]) + "?hours=1")
    assert timeline.status_code == 200 and b"orin-rec-timeline" in timeline.content


def test_bad_export_input_is_a_clear_400(client, two_sites, superuser):
    sign_in(client, superuser)
    url = reverse("admin:console_video_export_range", args=[two_sites["a"]["camera"].pk])
    answer = client.post(url, {"start": "yesterday", "end": ""})
    assert answer.status_code == 400 and "fields" in answer.json()
    answer = client.post(url, {"start": "2026-01-01 00:00:00", "end": "2026-01-01 03:00:00"})
    assert answer.status_code == 400 and "one hour" in answer.json()["error"]
