"""Behaviour analytics over tracks: the `TrackPoint` consumer (surveillance.services.tracks).

Per camera of a batch, under a transaction-level advisory lock on the camera (so several
workers or processes never analyse one camera at once): load the camera's configuration and the
states of its tracks, feed the points in time order to the activity functions, close the tracks
that went quiet, then store the new activities through the seed's suspicious → alert path
(`record_suspicious_activities`), patch earlier activities (final durations), add line counts
and write the states back — all in the caller's transaction.

Points older than their track's last point (out of order, or re-sent) change nothing, so a
repeated batch reports nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from itertools import groupby

from django.db import connection, transaction
from django.db.models import Q

from alerts.services.suspicious import record_suspicious_activities
from analytics.models import TrackState
from analytics.services import activities
from analytics.services.config import PERSON, load_camera_configs
from analytics.services.state import CAMERA_KEY, HISTORY_POINTS, HISTORY_SECONDS, CameraAnalysis, new_track
from surveillance.services.tracks import TrackPoint

logger = logging.getLogger(__name__)


def analyse_track_points(points: Sequence[TrackPoint]) -> list:
    """Analyse tracked observations; returns the alerts raised (one per new activity)."""
    if not points:
        return []
    by_camera: dict = defaultdict(list)
    for point in points:
        by_camera[point.camera_id].append(point)
    with transaction.atomic():
        configs = load_camera_configs(list(by_camera))
        runs = []
        for camera_id in sorted(by_camera, key=str):  # one lock order for every worker: no deadlock
            config = configs.get(camera_id)
            if config is None:
                logger.warning(
                    "analytics: %d points for unknown camera %s ignored", len(by_camera[camera_id]), camera_id
                )
                continue
            _lock_camera(camera_id)
            run = _load(config, by_camera[camera_id])
            _analyse(run, by_camera[camera_id])
            runs.append(run)
        return _store(runs)


def _lock_camera(camera_id) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"orin-analytics:{camera_id}"])


def _load(config, points: list[TrackPoint]) -> CameraAnalysis:
    earliest = min(p.timestamp for p in points) - dt.timedelta(seconds=config.settings["track_timeout_s"])
    track_ids = {p.track_id for p in points} | {CAMERA_KEY}
    rows = TrackState.objects.filter(camera_id=config.camera_id).filter(
        Q(track_id__in=track_ids) | Q(last_seen__gte=earliest) | Q(data__ended=False)
    )
    states = {row.track_id: row.data for row in rows}
    camera = states.pop(CAMERA_KEY, None) or {}
    return CameraAnalysis(config=config, tracks=states, camera=camera)


def _analyse(run: CameraAnalysis, points: list[TrackPoint]) -> None:
    points = sorted(points, key=lambda p: (p.timestamp, p.track_id))
    for _, instant in groupby(points, key=lambda p: p.timestamp):
        last = None
        for point in instant:
            if _observe(run, point):
                last = point
        if last is not None:
            activities.observe_crowds(run, last)
    _close_quiet_tracks(run, points[-1].timestamp.timestamp())


def _observe(run: CameraAnalysis, point: TrackPoint) -> bool:
    track = run.tracks.get(point.track_id)
    if track is None:
        track = run.tracks[point.track_id] = new_track(point)
    now = point.timestamp.timestamp()
    if track["last"] is not None and now <= track["last"]:
        return False  # out of order or already seen: nothing new
    track.update(label=point.label, last=now, box=list(point.box), ended=False)
    track["n"] += 1
    anchor = point.anchor
    track["hist"] = [h for h in track["hist"] if now - h[0] <= HISTORY_SECONDS][-HISTORY_POINTS:] + [[now, *anchor]]
    run.dirty.add(point.track_id)
    activities.observe_lines(run, track, point)
    activities.observe_zones(run, track, point)
    if point.label == PERSON:
        activities.observe_person(run, track, point)
    else:
        activities.observe_object(run, track, point)
    return True


def _close_quiet_tracks(run: CameraAnalysis, now: float) -> None:
    """Tracks unseen for `track_timeout_s` have ended: their open zone activities get their
    final duration (dated from the track's last point)."""
    timeout = run.config.settings["track_timeout_s"]
    for track_id, track in run.tracks.items():
        if track["ended"] or track["last"] is None or now - track["last"] < timeout:
            continue
        end_track(run, track)
        run.dirty.add(track_id)


def end_track(run: CameraAnalysis, track: dict) -> None:
    zones = {str(z.id): z for z in run.config.zones}
    for zone_id, state in track["zones"].items():
        if state["in"] and zone_id in zones:
            activities.left_zone(run, track, None, zones[zone_id], track["last"])
    track["ended"] = True


def _store(runs: list[CameraAnalysis]) -> list:
    rows = [row for run in runs for row in run.activities]
    alerts = record_suspicious_activities(rows) if rows else []
    with connection.cursor() as cursor:
        for run in runs:
            for activity_id, timestamp, patch in run.updates:
                cursor.execute(
                    "UPDATE suspicious_activity_events SET details = details || %s::jsonb "
                    "WHERE id = %s AND timestamp = %s",
                    [json.dumps(patch), activity_id, dt.datetime.fromisoformat(timestamp)],
                )
            for (line_id, day, label, direction), n in run.counts.items():
                cursor.execute(
                    "INSERT INTO analytics_line_counts (line_id, day, label, direction, count, updated_at) "
                    "VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT (line_id, day, label, direction) "
                    "DO UPDATE SET count = analytics_line_counts.count + EXCLUDED.count, updated_at = now()",
                    [line_id, day, label, direction, n],
                )
    states = []
    for run in runs:
        for key in run.dirty:
            data = run.camera if key == CAMERA_KEY else run.tracks[key]
            seen = (
                data.get("last") if key != CAMERA_KEY else max((t["last"] or 0 for t in run.tracks.values()), default=0)
            )
            states.append(
                TrackState(
                    camera_id=run.config.camera_id,
                    track_id=key,
                    data=data,
                    last_seen=dt.datetime.fromtimestamp(seen or 0, tz=dt.UTC),
                )
            )
    if states:
        TrackState.objects.bulk_create(
            states, update_conflicts=True, unique_fields=["camera", "track_id"], update_fields=["data", "last_seen"]
        )
    return alerts


def close_quiet_tracks(now: dt.datetime | None = None, keep: dt.timedelta = dt.timedelta(days=1)) -> dict:
    """Periodic: end the tracks of cameras that stopped sending (their open loitering / dwell /
    intrusion rows get their final duration), and forget states older than `keep`."""
    from django.utils import timezone

    now = now or timezone.now()
    camera_ids = set(
        TrackState.objects.filter(data__ended=False, last_seen__lt=now - dt.timedelta(seconds=1))
        .exclude(track_id=CAMERA_KEY)
        .values_list("camera_id", flat=True)
    )
    closed = 0
    with transaction.atomic():
        configs = load_camera_configs(camera_ids)
        runs = []
        for camera_id in sorted(camera_ids, key=str):
            config = configs.get(camera_id)
            if config is None:
                continue
            _lock_camera(camera_id)
            rows = TrackState.objects.filter(camera_id=camera_id, data__ended=False).exclude(track_id=CAMERA_KEY)
            camera = TrackState.objects.filter(camera_id=camera_id, track_id=CAMERA_KEY).first()
            run = CameraAnalysis(
                config=config, tracks={r.track_id: r.data for r in rows}, camera=camera.data if camera else {}
            )
            before = sum(1 for t in run.tracks.values() if t["ended"])
            _close_quiet_tracks(run, now.timestamp())
            closed += sum(1 for t in run.tracks.values() if t["ended"]) - before
            runs.append(run)
        _store(runs)
        forgotten, _ = TrackState.objects.filter(last_seen__lt=now - keep).delete()
    return {"cameras": len(runs), "closed": closed, "forgotten": forgotten}
