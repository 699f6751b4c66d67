"""A worker process killed mid-task (SIGKILL, as the OOM killer would): the message was not
acknowledged, so the task runs again, and no event or alert is duplicated.

Deterministic without sleeps: the test holds a lock the task needs, so the task is provably
inside its transaction when it is killed; the redelivered run then queues behind the same lock.
"""

import datetime as dt
import os
import signal

import pytest
from django.utils import timezone

from alerts.models import Alert
from faces.models import FrameStatus, IngestFrame
from faces.services.ingest import submit_frame
from orin.celery import app
from surveillance.models import DeviceConnectivityLog, Event
from surveillance.tasks import check_camera_health
from tests.faces.conftest import jpeg, read_photo
from tests.factories import AlertRuleFactory, CameraFactory
from tests.ops.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def lock_waiters(conn) -> list[str]:
    """Queries of other sessions of this database that are waiting for a lock."""
    # Inside a transaction the statistics views answer from a snapshot taken at first use.
    conn.execute("SELECT pg_stat_clear_snapshot()")
    rows = conn.execute(
        """
        SELECT query FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
        """
    ).fetchall()
    return [row[0] for row in rows]


def running_task_pid(task_name: str) -> int | None:
    for tasks in (app.control.inspect(timeout=1.0).active() or {}).values():
        for task in tasks:
            if task["name"] == task_name:
                return task["worker_pid"]
    return None


def kill_mid_task(conn, task_name: str, waiting_query: str) -> None:
    """Wait for the task to block on our lock, SIGKILL its process, and wait for the redelivered
    run to block behind the same lock (the killed one's database session is still queued there)."""
    wait_for(
        lambda: any(q.replace('"', "").startswith(waiting_query.replace('"', "")) for q in lock_waiters(conn)),
        timeout=90,
        what=f"{task_name} to block",
    )
    pid = wait_for(lambda: running_task_pid(task_name), timeout=30, what=f"{task_name} in the worker")
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: len(lock_waiters(conn)) >= 2, timeout=90, what=f"{task_name} to run again")


def worker_idle() -> bool:
    active = app.control.inspect(timeout=1.0).active() or {}
    return all(not tasks for tasks in active.values())


@pytest.fixture(autouse=True)
def quiet_worker(celery_worker_process):
    """Start from an idle worker: earlier tests' queued or retrying tasks must not hold its slots."""
    app.control.purge()
    wait_for(worker_idle, timeout=120, what="the worker to finish earlier tests' tasks")


def test_camera_check_killed_mid_task_raises_one_alert(celery_worker_process, other_connection):
    camera = CameraFactory(status="online", last_frame_time=timezone.now() - dt.timedelta(minutes=10))
    other_connection.execute("BEGIN")
    other_connection.execute("SELECT id FROM cameras WHERE id = %s FOR UPDATE", [camera.id])

    check_camera_health.delay()
    kill_mid_task(other_connection, "surveillance.tasks.check_camera_health", 'UPDATE "cameras"')
    other_connection.execute("ROLLBACK")

    wait_for(lambda: Alert.objects.filter(camera=camera).exists(), timeout=60, what="the offline alert")
    wait_for(worker_idle, timeout=60, what="the worker to finish")
    assert Alert.objects.filter(camera=camera, alert_type="camera_offline").count() == 1
    assert DeviceConnectivityLog.objects.filter(device_id=camera.id, event="disconnected").count() == 1
    camera.refresh_from_db()
    assert camera.status == "offline"


def test_recognition_killed_mid_task_records_events_and_alerts_once(celery_worker_process, other_connection):
    camera = CameraFactory(config={"min_face_size": 20})
    AlertRuleFactory(camera=camera, confidence_threshold="0.1", severity="low")
    other_connection.execute("BEGIN")
    other_connection.execute("LOCK TABLE events IN SHARE MODE")  # event writes wait behind us

    frame_key = submit_frame(
        camera=camera,
        image_bytes=jpeg(read_photo("t1.jpg")),
        timestamp=timezone.now() - dt.timedelta(seconds=2),
        frame_key=f"kill-test:{camera.id}",
        source="test",
    )
    kill_mid_task(other_connection, "faces.tasks.recognize_frame", "COPY events")
    other_connection.execute("ROLLBACK")

    frame = wait_for(
        lambda: IngestFrame.objects.filter(frame_key=frame_key, status=FrameStatus.DONE).first(),
        timeout=120,
        what="the frame to be recognised",
    )
    wait_for(worker_idle, timeout=60, what="the worker to finish")
    events = list(Event.objects.filter(camera=camera))
    assert len(events) == frame.face_count == len(frame.event_ids) >= 1
    assert {e.id for e in events} == set(frame.event_ids)
    boxes = {tuple(sorted(e.bounding_box.items())) for e in events}
    assert len(boxes) == len(events)  # each face once
    alerts = list(Alert.objects.filter(camera=camera))
    assert sorted(a.event_id for a in alerts) == sorted(e.id for e in events)  # one alert per event
