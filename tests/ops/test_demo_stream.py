"""The demo's video camera: a file made at seed time from packaged face photos, readable by
OpenCV, and the person it shows enrolled so the stream gives recognitions."""

import cv2
import pytest

from console.services import demo
from faces.models import FaceEmbedding

pytestmark = pytest.mark.django_db


def test_demo_has_a_video_camera_and_its_sample_person(media_root):
    context = demo.seed_configuration()
    camera = context["stream_camera"]
    video = media_root / "demo" / "faces-demo.avi"
    assert camera.rtsp_url == str(video) and camera.is_active
    assert camera.config["loop"] is True and camera.config["analysis_fps"] == 2
    capture = cv2.VideoCapture(camera.rtsp_url)
    assert capture.isOpened()
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 150 and capture.get(cv2.CAP_PROP_FPS) == 10
    capture.release()
    person = next(p for p in context["persons"] if p.name == demo.SAMPLE_PERSON)
    assert FaceEmbedding.objects.filter(person=person).count() == 1

    made = video.stat().st_mtime_ns
    again = demo.seed_configuration()
    assert again["stream_camera"].id == camera.id
    assert video.stat().st_mtime_ns == made  # not regenerated
    assert FaceEmbedding.objects.filter(person=person).count() == 1
