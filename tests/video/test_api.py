"""REST: recordings and clip requests listed per site; an export is a background clip request."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services.sessions import start_session
from tests.factories import CameraFactory, SiteFactory, UserFactory
from tests.video.conftest import record_offline
from video.models import ClipRequest, ClipStatus
from video.services import clips

pytestmark = pytest.mark.django_db


def jwt_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {start_session(user).access_token}")
    return client


def test_recordings_and_exports_per_site(recordings_root, h264_source, django_capture_on_commit_callbacks):
    start = timezone.now() - dt.timedelta(minutes=10)
    cameras = {}
    for key in ("a", "b"):
        camera = CameraFactory(dvr__site=SiteFactory(name=f"API video {key}"), config={"recording": True})
        record_offline(camera, recordings_root, h264_source, start, seconds=6)
        cameras[key] = camera
    user = UserFactory(username="api-video", role_name="admin", sites=[cameras["a"].dvr.site])
    client = jwt_client(user)

    listed = client.get("/api/v1/recordings/", {"start_time_after": (start - dt.timedelta(minutes=1)).isoformat()})
    assert listed.status_code == 200, listed.content
    assert {row["camera"] for row in listed.json()["results"]} == {str(cameras["a"].pk)}
    assert len(listed.json()["results"]) == 3

    body = {
        "camera": str(cameras["a"].pk),
        "start_time": start.isoformat(),
        "end_time": (start + dt.timedelta(seconds=4)).isoformat(),
    }
    with django_capture_on_commit_callbacks(execute=False):  # the Celery task is run by hand below
        created = client.post("/api/v1/clip-requests/", body, format="json")
    assert created.status_code == 201, created.content
    clips.process_clip_request(created.json()["id"])
    done = client.get(f"/api/v1/clip-requests/{created.json()['id']}/").json()
    assert done["status"] == ClipStatus.READY and done["progress"] == 100
    assert len(done["checksum"]) == 64 and done["clip_url"].endswith(".mp4")

    theirs = {**body, "camera": str(cameras["b"].pk)}
    assert client.post("/api/v1/clip-requests/", theirs, format="json").status_code in (400, 404)
    backwards = {**body, "end_time": start.isoformat()}
    answer = client.post("/api/v1/clip-requests/", backwards, format="json")
    assert answer.status_code == 400 and "end_time" in answer.json()
    assert ClipRequest.objects.count() == 1
