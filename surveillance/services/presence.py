"""Camera presence beyond the stream reader: cameras fed by edge devices (frames or detections
posted through the API) count as seen, an offline camera that is heard from again ends its
outage (connectivity row, its `camera_offline` alert resolved with a transition saying so), and
a DVR's status follows its cameras.

Edge traffic touches the camera row at most every TOUCH_SECONDS per camera and process (the
stream reader does the same), well inside the default 60 s silence timeout.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable

from django.db import transaction

from surveillance.models import DVR, Camera, DeviceStatus

TOUCH_SECONDS = 10.0
BACK_ONLINE_NOTE = "resolved automatically: the camera is sending again"

_last_touch: dict = {}
_lock = threading.Lock()


def note_edge_traffic(camera_ids: Iterable, at: dt.datetime) -> int:
    """Frames or detections from an edge device arrived for these cameras; returns how many
    camera rows were touched (the others were touched moments ago by this process)."""
    from surveillance.services.health import mark_camera_online

    now = time.monotonic()
    due = []
    with _lock:
        for camera_id in set(camera_ids):
            if now - _last_touch.get(camera_id, -TOUCH_SECONDS) >= TOUCH_SECONDS:
                _last_touch[camera_id] = now
                due.append(camera_id)
    for camera in Camera.objects.filter(pk__in=due):
        mark_camera_online(camera, at)
    return len(due)


def forget_touches() -> None:
    """Tests: the next edge traffic touches its cameras again."""
    with _lock:
        _last_touch.clear()


def camera_back_online(camera: Camera, at: dt.datetime) -> None:
    """The camera was offline and is heard from again: log the reconnection, resolve its open
    offline alerts (no user; the transition row says why), and refresh its DVR."""
    from alerts.models import Alert, AlertStatus
    from alerts.services.lifecycle import resolve_by_system
    from surveillance.services import live_state
    from surveillance.services.health import CAMERA_OFFLINE_ALERT, log_connectivity

    log_connectivity(camera.id, "connected", {"reason": "heard from again", "previous_status": "offline"}, at=at)
    open_alerts = Alert.objects.filter(camera=camera, alert_type=CAMERA_OFFLINE_ALERT).exclude(
        status__in=[AlertStatus.RESOLVED, AlertStatus.IGNORED]
    )
    for alert in open_alerts:
        resolve_by_system(alert, BACK_ONLINE_NOTE)
    refresh_dvr_status(camera.dvr_id)
    transaction.on_commit(lambda: live_state.set_status(camera.id, DeviceStatus.ONLINE))


def refresh_dvr_status(dvr_id) -> str | None:
    """A DVR is online when all its watched cameras are, offline when all are offline, degraded
    in between; one in maintenance keeps that. Returns the new status (None: nothing to judge)."""
    statuses = set(
        Camera.objects.filter(dvr_id=dvr_id, is_active=True)
        .exclude(status__in=[DeviceStatus.MAINTENANCE, DeviceStatus.UNKNOWN])
        .values_list("status", flat=True)
    )
    if not statuses:
        return None
    if statuses == {DeviceStatus.ONLINE}:
        status = DeviceStatus.ONLINE
    elif statuses == {DeviceStatus.OFFLINE}:
        status = DeviceStatus.OFFLINE
    else:
        status = DeviceStatus.DEGRADED
    DVR.objects.filter(pk=dvr_id).exclude(status__in=[DeviceStatus.MAINTENANCE, status]).update(status=status)
    return status
