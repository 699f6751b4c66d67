"""Frames that arrive while Redis (the broker) is stopped are stored, not lost and not refused;
a recognition worker that starts once Redis is back sweeps them into recognition (each once)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from faces.models import FrameStatus, IngestFrame
from faces.services.ingest import submit_frame
from orin.celery import app
from surveillance.models import Event
from tests.conftest import start_celery_worker, stop_process
from tests.faces.conftest import jpeg, read_photo
from tests.factories import CameraFactory
from tests.ops.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True), pytest.mark.timeout(150)]


def test_frames_stored_while_the_broker_is_away_are_recognised_when_a_worker_starts(services):
    camera = CameraFactory(config={"min_face_size": 20})
    image = jpeg(read_photo("t1.jpg"))
    services.stop_redis()
    started = time.monotonic()
    keys = [
        submit_frame(
            camera=camera,
            image_bytes=image,
            timestamp=timezone.now() - dt.timedelta(seconds=5 - n),
            frame_key=f"broker-away:{camera.id}:{n}",
            source="test",
        )
        for n in range(3)
    ]
    per_frame = (time.monotonic() - started) / len(keys)
    assert IngestFrame.objects.filter(frame_key__in=keys, status=FrameStatus.QUEUED).count() == 3
    services.start_redis()

    worker = start_celery_worker(
        "faults-sweep", queues="recognition", concurrency=1, env_extra={"ORIN_FRAME_REQUEUE_AFTER_SECONDS": "0"}
    )
    try:
        back = time.monotonic()
        wait_for(
            lambda: IngestFrame.objects.filter(frame_key__in=keys, status=FrameStatus.DONE).count() == 3,
            timeout=90,
            what="the swept frames to be recognised",
        )
        recognised_in = time.monotonic() - back
        frames = list(IngestFrame.objects.filter(frame_key__in=keys))
        events = list(Event.objects.filter(camera=camera))
        assert sum(f.face_count for f in frames) == len(events) >= 3  # every face once, none twice
        assert {e.id for e in events} == {i for f in frames for i in f.event_ids}
        assert worker.poll() is None
        print(f"\nsubmit with the broker away: {per_frame:.2f} s/frame; recognised {recognised_in:.1f} s after start")
    finally:
        stop_process(worker)
        app.control.purge()
