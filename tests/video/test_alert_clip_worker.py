"""End to end with a real Celery worker: an alert raised on a recording camera gets its clip
once the post-roll is recorded, without anybody asking."""

import datetime as dt

import pytest
from django.utils import timezone

from alerts.services.lifecycle import raise_alert
from tests.conftest import start_celery_worker, stop_process
from tests.factories import EventFactory
from tests.ops.conftest import wait_for
from tests.video.conftest import record_offline
from video.models import ClipRequest, ClipStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.timeout(90)
def test_alert_clip_is_cut_by_the_worker(recordings_root, h264_source, recording_camera, without_shared_worker):
    # Only this test's worker (with the recordings root) may take the task.
    start = timezone.now() - dt.timedelta(minutes=2)
    record_offline(recording_camera, recordings_root, h264_source, start, seconds=14)
    event = EventFactory(camera=recording_camera, timestamp=start + dt.timedelta(seconds=6))
    worker = start_celery_worker(
        "video", queues="celery", concurrency=1, log_name="celery-video",
        env_extra={"ORIN_RECORDINGS_ROOT": str(recordings_root), "ORIN_RECORDING_SEGMENT_SECONDS": "2"},
    )  # fmt: skip
    try:
        alert = raise_alert(camera=recording_camera, alert_type="intrusion", severity="high", message="m", event=event)
        request = wait_for(
            lambda: ClipRequest.objects.filter(alert=alert, status__in=[ClipStatus.READY, ClipStatus.FAILED]).first(),
            timeout=40,
            what="the worker to cut the clip",
        )
    finally:
        stop_process(worker)
    assert request.status == ClipStatus.READY, request.message
    assert float(request.video_clip.duration) == pytest.approx(6, abs=1)
