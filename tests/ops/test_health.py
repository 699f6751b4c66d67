"""Probes, per-minute component health rows, camera silence → offline + one system alert,
live state in Redis, the beat schedule in the database, and Celery routing/sizing."""

import datetime as dt
import json
import time

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

import surveillance.tasks  # noqa: F401  (registers the tasks, as a worker's autodiscovery does)
from alerts.models import Alert
from orin.celery import app, worker_concurrency
from surveillance.models import DeviceConnectivityLog, SystemHealthLog
from surveillance.services import health, live_state, request_metrics
from surveillance.services.system_health import record_system_health, sample_beat
from tests.conftest import start_celery_worker, stop_process
from tests.factories import CameraFactory
from tests.ops.conftest import free_port, wait_for

pytestmark = pytest.mark.django_db


# --- probes ----------------------------------------------------------------------------------------


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert client.post("/healthz").status_code == 405


def test_readyz_checks_database_redis_and_migrations(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "migrations": True,
    }


def test_readyz_is_503_with_the_reason_when_redis_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False and "Connection" in body["checks"]["redis"]["detail"]
    assert body["checks"]["database"]["ok"] is True


# --- component health ------------------------------------------------------------------------------


def requests_within_one_minute(client, count: int) -> dt.datetime:
    """Make `count` requests that all fall in one clock minute; returns a time in that minute."""
    while True:
        before = timezone.now()
        for _ in range(count):
            assert client.get("/admin/login/").status_code == 200
        after = timezone.now()
        if before.replace(second=0, microsecond=0) == after.replace(second=0, microsecond=0):
            return after


def test_every_component_writes_one_row_a_minute(client):
    requests_at = requests_within_one_minute(client, 3)
    request_metrics.flush()
    # The health task reports the previous minute.
    now = requests_at.replace(second=1, microsecond=0) + dt.timedelta(minutes=1)

    statuses = record_system_health(now)
    again = record_system_health(now + dt.timedelta(seconds=30))  # same minute: a redelivery, say

    assert statuses == again
    assert set(statuses) == {"api", "workers", "beat", "recognizer", "db", "redis"}
    rows = {row.component: row for row in SystemHealthLog.objects.all()}
    assert SystemHealthLog.objects.count() == 6
    assert rows["db"].status == "online" and rows["db"].metrics["connections_total"] >= 1
    assert {"query_time_p99_ms", "replication_lag_ms", "connections_active"} <= set(rows["db"].metrics)
    assert rows["redis"].status == "online" and rows["redis"].metrics["ping_ms"] >= 0
    api = rows["api"].metrics
    assert api["requests"] >= 3 and api["p99_latency_ms"] > 0 and api["error_rate"] == 0
    assert rows["api"].status == "online"
    assert "faces_detected_per_min" in rows["recognizer"].metrics
    assert "queue_depths" in rows["workers"].metrics


@pytest.mark.worker
def test_workers_row_sees_a_live_worker(celery_worker_process):
    statuses = record_system_health()
    row = SystemHealthLog.objects.get(component="workers")
    assert statuses["workers"] == "online" and row.metrics["workers_online"] >= 1
    assert set(row.metrics["queue_depths"]) >= {"recognition", "notifications", "maintenance"}


def test_beat_row_flags_overdue_periodic_tasks():
    now = timezone.now()
    PeriodicTask.objects.update(last_run_at=now)
    assert sample_beat(now).status == "online"
    PeriodicTask.objects.filter(name="Camera health").update(last_run_at=now - dt.timedelta(hours=1))
    PeriodicTask.objects.filter(name="Partition maintenance").update(last_run_at=now - dt.timedelta(days=3))
    sample = sample_beat(now)
    assert sample.status == "degraded"
    assert sorted(sample.metrics["overdue"]) == ["Camera health", "Partition maintenance"]


# --- cameras ---------------------------------------------------------------------------------------


def test_silent_camera_goes_offline_with_exactly_one_alert(django_capture_on_commit_callbacks):
    now = timezone.now()
    silent = CameraFactory(status="online", last_frame_time=now - dt.timedelta(minutes=5))
    patient = CameraFactory(
        status="online", last_frame_time=now - dt.timedelta(minutes=5), config={"offline_after_seconds": 900}
    )
    fresh = CameraFactory(status="online", last_frame_time=now - dt.timedelta(seconds=5))
    never_configured = CameraFactory(status="online")  # no stream, never sent a frame: nothing to judge
    streamed = CameraFactory(status="unknown", rtsp_url="rtsp://127.0.0.1:1/x")
    streamed.__class__.objects.filter(pk=streamed.pk).update(created_at=now - dt.timedelta(minutes=3))

    with django_capture_on_commit_callbacks(execute=True):
        alerts = health.check_camera_timeouts(now)

    assert {a.camera_id for a in alerts} == {silent.id, streamed.id}
    for camera in (silent, patient, fresh, never_configured, streamed):
        camera.refresh_from_db()
    assert (silent.status, streamed.status) == ("offline", "offline")
    assert (patient.status, fresh.status, never_configured.status) == ("online", "online", "online")
    alert = Alert.objects.get(camera=silent)
    assert alert.alert_type == "camera_offline" and alert.severity == "high" and alert.status == "pending"
    assert "no frame for 300 s" in alert.message
    log = DeviceConnectivityLog.objects.get(device_id=silent.id)
    assert log.event == "disconnected" and log.details["silent_seconds"] == 300
    assert live_state.camera_states([silent.id])[str(silent.id)]["status"] == "offline"

    # Still silent a minute later: no second alert for the same outage.
    health.mark_camera_online(fresh, now + dt.timedelta(seconds=55))
    assert health.check_camera_timeouts(now + dt.timedelta(minutes=1)) == []
    assert Alert.objects.filter(alert_type="camera_offline").count() == 2

    # Back, then silent again: a new outage, a new alert.
    health.mark_camera_online(silent, now + dt.timedelta(minutes=2))
    later = health.check_camera_timeouts(now + dt.timedelta(minutes=4))
    assert silent.id in {a.camera_id for a in later}
    assert Alert.objects.filter(camera=silent, alert_type="camera_offline").count() == 2


# --- live state ------------------------------------------------------------------------------------


def test_live_state_hash_and_five_minute_metrics():
    camera = CameraFactory()
    client = live_state.client()
    stale = json.dumps({"t": 1, "fps": 1})
    client.zadd(live_state.metrics_key(camera.id), {stale: time.time() - 400})

    live_state.set_status(camera.id, "online", connected=True)
    live_state.record_frames(
        camera.id, read=10, processed=2, skipped=8, fps=9.8, fps_target=2, motion=0.3, last_frame_at=time.time()
    )
    live_state.record_frames(camera.id, read=10, processed=1, skipped=9, dropped=1, fps=10.1, fps_target=2)

    state = live_state.camera_states([camera.id, "no-such-camera"])
    assert list(state) == [str(camera.id)]
    mine = state[str(camera.id)]
    assert mine["status"] == "online"
    assert (mine["frames_read"], mine["frames_processed"], mine["frames_skipped"], mine["frames_dropped"]) == (
        20,
        3,
        17,
        1,
    )
    assert mine["fps_current"] == pytest.approx(10.1) and mine["fps_target"] == 2.0
    assert mine["last_frame_at"] == pytest.approx(time.time(), abs=30)
    samples = live_state.camera_metrics(camera.id)
    assert [s["fps"] for s in samples] == [9.8, 10.1]  # the 400 s old sample was trimmed
    assert 0 < client.ttl(live_state.metrics_key(camera.id)) <= 300
    assert str(camera.id) in live_state.active_cameras()

    live_state.forget(camera.id)
    assert live_state.camera_states([camera.id]) == {}


# --- beat schedule and celery ----------------------------------------------------------------------


def test_every_periodic_task_is_scheduled_and_admin_edits_stay():
    from orin.periodic import registered, sync_periodic_tasks

    specs = registered()
    tasks = {t.name: t for t in PeriodicTask.objects.all()}
    for spec in specs.values():
        assert tasks[spec.name].task == spec.task and tasks[spec.name].enabled, spec.name
        assert spec.task in app.tasks
    # Every task whose documentation calls it periodic is in the registry (and so in the schedule).
    documented = {
        name
        for name, task in app.tasks.items()
        if not name.startswith("celery.") and "periodic" in (task.__doc__ or "").lower()
    }
    assert documented <= {spec.task for spec in specs.values()}
    scheduled = {spec.task for spec in specs.values()}
    assert {"faces.tasks.requeue_stale_frames", "accounts.tasks.deactivate_stale_accounts"} <= scheduled
    assert tasks["System health"].interval.every == 60

    edited = tasks["Camera health"]
    edited.interval = IntervalSchedule.objects.create(every=30, period="seconds")
    edited.save()
    PeriodicTask.objects.filter(name="Media retention").delete()

    assert sync_periodic_tasks() == ["Media retention"]  # what was deleted comes back on the next sync
    assert PeriodicTask.objects.get(name="Camera health").interval.every == 30  # an edit stays


def test_tasks_are_routed_to_their_queues():
    router = app.amqp.router
    assert router.route({}, "surveillance.tasks.maintain_partitions")["queue"].name == "maintenance"
    assert router.route({}, "faces.tasks.recognize_frame")["queue"].name == "recognition"
    assert router.route({}, "alerts.tasks.deliver_notification")["queue"].name == "notifications"
    task = app.tasks["surveillance.tasks.record_system_health"]
    assert task.acks_late and task.reject_on_worker_lost and task.retry_backoff
    assert task.ignore_result


def test_worker_concurrency_follows_the_queues_it_consumes(settings):
    settings.ORIN_WORKER_CONCURRENCY = {"recognition": 3, "notifications": 5, "maintenance": 1, "celery": 1}
    assert worker_concurrency(["recognition"]) == 3
    assert worker_concurrency(["recognition", "notifications"]) == 8
    assert worker_concurrency(None) == 10


@pytest.mark.worker
def test_a_worker_started_for_one_queue_takes_that_queues_concurrency():
    name = f"maint-{time.monotonic_ns()}@%h"
    # No -c: the worker must size its pool from the queue's concurrency setting.
    proc = start_celery_worker(
        name.removesuffix("@%h"),
        queues="maintenance",
        concurrency=None,
        log_name="celery-maintenance-only",
        env_extra={"ORIN_MAINTENANCE_CONCURRENCY": "3"},
        wait=False,
    )
    try:
        hostname = name.replace("%h", "")

        def stats():
            replies = app.control.inspect(timeout=1.0).stats() or {}
            return next((v for k, v in replies.items() if k.startswith(hostname)), None)

        worker_stats = wait_for(stats, timeout=90, interval=0.5, what="the maintenance worker to answer")
        assert worker_stats["pool"]["max-concurrency"] == 3
    finally:
        stop_process(proc)
