"""POST /api/v1/ingest/frames: device-key auth, 202 on a good frame, 400 with a field error on
every kind of bad input, leaving no rows and no files behind."""

import datetime as dt
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.services.api_keys import issue_api_key
from faces.models import IngestFrame
from faces.services.ingest import FrameRejected, submit_frame
from surveillance.models import MediaFile
from tests.faces.conftest import jpeg, stored_files
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/ingest/frames"


@pytest.fixture
def camera(db):
    return CameraFactory()


@pytest.fixture
def device(camera):
    """A device key narrowed to the camera's site."""
    user = UserFactory(role_name="api_client", sites=[camera.dvr.site])
    _, raw_key = issue_api_key(user, "edge box 1", sites=[camera.dvr.site])
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw_key}"}


def post(client, headers, *, image, camera, timestamp=None, **extra):
    data = {
        "image": SimpleUploadedFile("frame.jpg", image, content_type="image/jpeg"),
        "camera": str(camera),
        "timestamp": (timestamp or timezone.now() - dt.timedelta(seconds=2)).isoformat(),
        **extra,
    }
    return client.post(URL, data, **headers)


def test_a_good_frame_is_stored_and_accepted(client, device, camera, astronaut, media_root):
    image = jpeg(astronaut)
    response = post(client, device, image=image, camera=camera.id, frame_key="edge-1:000042")
    assert response.status_code == 202, response.content
    assert response.json() == {"frame_id": "edge-1:000042", "status": "queued"}
    frame = IngestFrame.objects.get()
    assert frame.camera == camera and frame.status == "queued" and frame.source == "api"
    media = frame.media
    assert media.file_size == len(image) and len(media.checksum) == 64
    assert media.retention_until > media.timestamp
    assert [p.read_bytes() for p in stored_files(media_root)] == [image]
    # The same frame again is the same frame: no second copy.
    again = post(client, device, image=image, camera=camera.id, frame_key="edge-1:000042")
    assert again.status_code == 202 and IngestFrame.objects.count() == 1 and MediaFile.objects.count() == 1


def bad_inputs(astronaut):
    good = jpeg(astronaut)
    soon = timezone.now() + dt.timedelta(minutes=10)
    return {
        "not an image": ({"image": b"%PDF-1.4 definitely not a picture"}, "image"),
        "truncated jpeg": ({"image": good[: len(good) // 2]}, "image"),
        "empty file": ({"image": b""}, "image"),
        "over the size limit": ({"image": good + b"\0" * 4096, "limit": len(good)}, "image"),
        "unknown camera": ({"camera": uuid.uuid4()}, "camera"),
        "not a camera id": ({"camera": "cam-7"}, "camera"),
        "inactive camera": ({"inactive": True}, "camera"),
        "camera of another site": ({"foreign": True}, "camera"),
        "timestamp in the future": ({"timestamp": soon}, "timestamp"),
        "timestamp not a date": ({"timestamp_raw": "yesterday-ish"}, "timestamp"),
        "detections not json": ({"detections": "[{oops"}, "detections"),
        "detection outside the image": (
            {"detections": json.dumps([{"x": 500, "y": 0, "width": 90, "height": 9}])},
            "detections",
        ),
        "bad frame key": ({"frame_key": "a b c"}, "frame_key"),
        "detection with NaN": ({"detections": '[{"x": NaN, "y": 1, "width": 5, "height": 5}]'}, "detections"),
    }


def field_errors(body: dict) -> dict:
    """Field errors, whether bare DRF ({"field": [...]}) or in the API's error envelope ("fields")."""
    return body.get("fields", body)


BAD_INPUT_CASES = [
    "not an image",
    "truncated jpeg",
    "empty file",
    "over the size limit",
    "unknown camera",
    "not a camera id",
    "inactive camera",
    "camera of another site",
    "timestamp in the future",
    "timestamp not a date",
    "detections not json",
    "detection outside the image",
    "bad frame key",
    "detection with NaN",
]


@pytest.mark.parametrize("case", BAD_INPUT_CASES)
def test_bad_input_answers_400_with_a_field_error_and_stores_nothing(
    client, device, camera, astronaut, media_root, settings, case
):
    change, field = bad_inputs(astronaut)[case]
    image = change.get("image", jpeg(astronaut))
    target = camera.id
    if "limit" in change:
        settings.ORIN_MAX_FRAME_BYTES = change["limit"]
    if change.get("inactive"):
        target = CameraFactory(dvr=camera.dvr, is_active=False).id
    if change.get("foreign"):
        target = CameraFactory().id
    if "camera" in change:
        target = change["camera"]
    extra = {k: change[k] for k in ("detections", "frame_key") if k in change}
    if "timestamp_raw" in change:
        response = client.post(
            URL,
            {"image": SimpleUploadedFile("f.jpg", image), "camera": str(target), "timestamp": change["timestamp_raw"]},
            **device,
        )
    else:
        response = post(client, device, image=image, camera=target, timestamp=change.get("timestamp"), **extra)
    assert response.status_code == 400, response.content
    errors = field_errors(response.json())
    assert field in errors and errors[field][0], errors
    assert IngestFrame.objects.count() == 0 and MediaFile.objects.count() == 0
    assert stored_files(media_root) == []


def test_the_endpoint_needs_a_valid_device_key(client, camera, astronaut, media_root):
    assert post(client, {}, image=jpeg(astronaut), camera=camera.id).status_code in (401, 403)
    wrong = {"HTTP_AUTHORIZATION": "Api-Key orin_deadbeef_not-a-real-key"}
    assert post(client, wrong, image=jpeg(astronaut), camera=camera.id).status_code == 401
    viewer = UserFactory(role_name="viewer", sites=[camera.dvr.site])
    _, raw = issue_api_key(viewer, "read-only key")
    readonly = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    assert post(client, readonly, image=jpeg(astronaut), camera=camera.id).status_code == 403
    assert IngestFrame.objects.count() == 0 and stored_files(media_root) == []


def test_submit_frame_rejects_a_naive_timestamp(camera, astronaut, media_root):
    with pytest.raises(FrameRejected) as caught:
        submit_frame(camera=camera, image_bytes=jpeg(astronaut), timestamp=dt.datetime(2026, 1, 1, 12, 0))
    assert caught.value.field == "timestamp"
    assert stored_files(media_root) == []


def test_edge_detections_are_validated_and_kept_with_the_frame(client, device, camera, yao, media_root):
    boxes = [{"x": 60, "y": 60, "width": 125, "height": 160, "score": 0.8}]
    response = post(client, device, image=jpeg(yao), camera=camera.id, detections=json.dumps(boxes))
    assert response.status_code == 202, response.content
    assert IngestFrame.objects.get().detections == [
        {"x": 60.0, "y": 60.0, "width": 125.0, "height": 160.0, "score": 0.8}
    ]
