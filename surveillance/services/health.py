"""Health: system_health_logs rows per component, camera silence → offline + system alert, and
the readiness checks behind /readyz.

Per-minute samples get an id derived from (component, minute) and the minute as timestamp, so a
task that runs twice for the same minute (redelivered after a worker died) writes one row.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.utils import timezone

from surveillance.models import Camera, DeviceConnectivityLog, DeviceStatus, SystemHealthLog

logger = logging.getLogger(__name__)

HEALTH_NAMESPACE = uuid.UUID("6f2c0b8e-3d1a-4c55-9a57-0f1e2d3c4b5a")
CAMERA_OFFLINE_ALERT = "camera_offline"


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def log_health(
    component: str,
    status: str,
    metrics: dict | None = None,
    message: str = "",
    at: dt.datetime | None = None,
    per_minute: bool = False,
    instance: str = "",
) -> None:
    """Write one system_health_logs row. `per_minute`: at most one row a minute per component
    (and `instance`, for components that run as several processes)."""
    at = at or timezone.now()
    row_id = uuid.uuid4()
    if per_minute:
        at = at.replace(second=0, microsecond=0)
        row_id = uuid.uuid5(HEALTH_NAMESPACE, f"{component}:{instance}:{at.isoformat()}")
    SystemHealthLog.objects.bulk_create(
        [
            SystemHealthLog(
                id=row_id,
                component=component[:50],
                status=status,
                metrics=_jsonable(metrics or {}),
                message=message or None,
                timestamp=at,
            )
        ],
        ignore_conflicts=True,
    )


def log_connectivity(device_id, event: str, details: dict, *, device_type: str = "camera", at=None) -> None:
    DeviceConnectivityLog.objects.create(
        device_type=device_type,
        device_id=device_id,
        event=event,
        details=_jsonable(details),
        timestamp=at or timezone.now(),
    )


# --- cameras -----------------------------------------------------------------------------------


def offline_after(camera: Camera) -> int:
    """Seconds of silence after which the camera counts as offline (config `offline_after_seconds`)."""
    try:
        value = int((camera.config or {}).get("offline_after_seconds", settings.ORIN_CAMERA_OFFLINE_AFTER_SECONDS))
    except (TypeError, ValueError):
        value = settings.ORIN_CAMERA_OFFLINE_AFTER_SECONDS
    return max(value, 5)


def silent_cameras(now: dt.datetime | None = None) -> list[Camera]:
    """Active cameras that should be sending frames but have been silent beyond their timeout.

    Watched: cameras that have sent a frame at least once (edge devices, streams) and cameras
    with a stream URL (silent since creation if never heard from). Cameras with neither have no
    source yet and are not judged.
    """
    now = now or timezone.now()
    candidates = (
        Camera.objects.filter(is_active=True)
        .exclude(status__in=[DeviceStatus.OFFLINE, DeviceStatus.MAINTENANCE])
        .filter(Q(last_frame_time__isnull=False) | Q(rtsp_url__isnull=False))
        .select_related("dvr")
    )
    silent = []
    for camera in candidates:
        reference = camera.last_frame_time or camera.created_at
        if (now - reference).total_seconds() > offline_after(camera):
            silent.append(camera)
    return silent


def mark_camera_offline(
    camera: Camera, *, reason: str, now: dt.datetime | None = None, log_disconnect: bool = False
) -> object | None:
    """Camera → offline and one system alert, exactly once per outage. Returns the new alert.

    The conditional UPDATE is the guard: a concurrent or repeated call finds the camera already
    offline (after waiting for the first one's row lock) and does nothing.
    """
    from surveillance.services import live_state, presence
    from surveillance.signals import camera_offline

    now = now or timezone.now()
    with transaction.atomic():
        changed = (
            Camera.objects.filter(pk=camera.pk, is_active=True)
            .exclude(status__in=[DeviceStatus.OFFLINE, DeviceStatus.MAINTENANCE])
            .update(status=DeviceStatus.OFFLINE)
        )
        if not changed:
            return None
        silent_for = int((now - (camera.last_frame_time or camera.created_at)).total_seconds())
        if log_disconnect:
            log_connectivity(
                camera.id,
                "disconnected",
                {"reason": reason, "silent_seconds": silent_for, "previous_status": camera.status},
                at=now,
            )
        last = camera.last_frame_time.isoformat(timespec="seconds") if camera.last_frame_time else "never"
        message = f'Camera "{camera.name}" is offline: {reason} (last frame: {last})'
        answers = camera_offline.send(sender=Camera, camera=camera, reason=reason, message=message)
        alert = next((answer for _, answer in answers if answer is not None), None)
        transaction.on_commit(lambda: live_state.set_status(camera.id, DeviceStatus.OFFLINE, error=reason))
        presence.refresh_dvr_status(camera.dvr_id)
    camera.status = DeviceStatus.OFFLINE
    return alert


def mark_camera_online(camera: Camera, at: dt.datetime) -> bool:
    """A frame arrived: last_frame_time moves on and the camera is online (one UPDATE; a camera
    an administrator put in maintenance keeps that status). An offline camera coming back ends
    its outage (presence.camera_back_online). Returns whether the row was updated."""
    from surveillance.services import presence

    updated = (
        Camera.objects.filter(pk=camera.pk)
        .exclude(status__in=[DeviceStatus.MAINTENANCE, DeviceStatus.OFFLINE])
        .update(status=DeviceStatus.ONLINE, last_frame_time=at)
    )
    if not updated:
        with transaction.atomic():
            # Conditional on `offline`: of two processes hearing from it at once, one ends the outage.
            updated = Camera.objects.filter(pk=camera.pk, status=DeviceStatus.OFFLINE).update(
                status=DeviceStatus.ONLINE, last_frame_time=at
            )
            if updated:
                presence.camera_back_online(camera, at)
    if updated:
        camera.status, camera.last_frame_time = DeviceStatus.ONLINE, at
    return bool(updated)


def check_camera_timeouts(now: dt.datetime | None = None) -> list:
    """Every silent camera goes offline with a system alert. Returns the alerts raised."""
    now = now or timezone.now()
    alerts = []
    for camera in silent_cameras(now):
        silent_for = int((now - (camera.last_frame_time or camera.created_at)).total_seconds())
        alert = mark_camera_offline(
            camera,
            reason=f"no frame for {silent_for} s (timeout {offline_after(camera)} s)",
            now=now,
            log_disconnect=True,
        )
        if alert is not None:
            alerts.append(alert)
    return alerts


# --- readiness ---------------------------------------------------------------------------------


@dataclass
class Check:
    ok: bool
    detail: str
    ms: float


def _timed(func) -> Check:
    started = time.perf_counter()
    try:
        detail = func()
        ok = True
    except Exception as exc:  # noqa: BLE001  (any failure means "not ready", and says why)
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    return Check(ok, detail, round((time.perf_counter() - started) * 1000, 1))


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis() -> str:
    from surveillance.services.live_state import client

    client().ping()
    return "ok"


_migrations_ok_until = 0.0


def check_migrations() -> str:
    """All migrations applied. A positive answer is cached for a minute: loading the migration
    graph costs more than the rest of the probe."""
    global _migrations_ok_until
    if time.monotonic() < _migrations_ok_until:
        return "all applied"
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise RuntimeError(f"{len(pending)} migration(s) not applied")
    _migrations_ok_until = time.monotonic() + 60
    return "all applied"


def readiness() -> tuple[bool, dict]:
    checks = {"database": _timed(check_database), "redis": _timed(check_redis)}
    checks["migrations"] = (
        _timed(check_migrations) if checks["database"].ok else Check(False, "database unavailable", 0.0)
    )
    ready = all(check.ok for check in checks.values())
    return ready, {name: {"ok": c.ok, "detail": c.detail, "ms": c.ms} for name, c in checks.items()}
