"""`manage.py run_streams` across a PostgreSQL restart: the process keeps running, the camera's
capture stays open (no disconnection is logged), frames are stored again once the database is
back, and the frames it could not store are counted and said."""

from __future__ import annotations

import sys

import pytest
from django.utils import timezone

from console.services.demo_video import generate_demo_video
from faces.models import IngestFrame
from orin.celery import app
from surveillance.models import DeviceConnectivityLog
from tests.conftest import ROOT, start_process, stop_process
from tests.factories import CameraFactory
from tests.ops.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def looping_video(tmp_path_factory):
    return generate_demo_video(tmp_path_factory.mktemp("video") / "faces.avi", fps=10, seconds_per_photo=0.5)


def test_stream_reader_keeps_reading_through_a_postgres_restart(services, looping_video):
    camera = CameraFactory(
        status="unknown",
        rtsp_url=str(looping_video),
        config={"analysis_fps": 4, "loop": True, "realtime": True, "motion_threshold": 0},
    )
    log = ROOT / "test-artifacts" / "logs" / "faults-run-streams.log"
    log.unlink(missing_ok=True)
    proc = start_process(
        [sys.executable, "manage.py", "run_streams", "--camera", str(camera.id), "--health-interval", "2"],
        log_name="faults-run-streams",
    )
    try:
        wait_for(lambda: IngestFrame.objects.filter(camera=camera).count() >= 3, timeout=60, what="frames stored")
        away = services.restart_postgres(down_seconds=2)
        back = timezone.now()
        wait_for(
            lambda: IngestFrame.objects.filter(camera=camera, received_at__gt=back).count() >= 3,
            timeout=30,
            what="frames stored after the restart",
        )
        assert proc.poll() is None, "run_streams exited"
        disconnections = DeviceConnectivityLog.objects.filter(device_id=camera.id, event="disconnected")
        assert not disconnections.exists(), "the camera was closed because of the database"
        text = log.read_text(errors="replace")
        assert "stream_reader_db" in text and "degraded" in text, text[-2000:]
        assert "the database answers again" in text, text[-2000:]
        print(f"\npostgres away {away:.1f} s; run_streams kept its camera open and stored frames again")
    finally:
        stop_process(proc)
        app.control.purge()  # no worker here: the frames' recognition tasks are not under test
