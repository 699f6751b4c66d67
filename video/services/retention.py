"""Recording retention, separate from event and snapshot retention: by age (per camera
`recording_retention_days`, else ORIN_RECORDING_RETENTION_DAYS; a camera in `recording_mode`
"motion" keeps segments without any event, motion included, only `recording_idle_retention_days`
(default 1), one in "detections" those without a detection (motion alone does not count); "all",
the default, keeps every segment the full time),
and by disk (ORIN_RECORDING_QUOTA_BYTES and a free-space floor), oldest first.

Footage under an evidence lock is never deleted, by age or by a full disk. When only locked
footage is left and the disk is still over its limit, recording stops and says so (critical log
and an `offline` recorder health row) instead of deleting evidence (unlike Frigate, #7523).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from surveillance.services.health import log_health
from surveillance.services.locks import advisory_lock
from video import conf

logger = logging.getLogger(__name__)

BATCH = 500
RETENTION_LOCK = "orin:recording-retention"

LOCKED_SEGMENT_SQL = """EXISTS (
    SELECT 1 FROM evidence_locks l
    WHERE l.camera_id = r.camera_id AND l.released_at IS NULL
      AND l.start_time < r.end_time AND l.end_time > r.start_time)"""

_EXPIRED_SQL = f"""
SELECT r.id, r.storage_path, coalesce(r.file_size_bytes, 0)
FROM recordings r
JOIN cameras c ON c.id = r.camera_id
WHERE r.end_time < %(now)s - make_interval(secs => 86400 * (
        CASE WHEN c.config ->> 'recording_mode' IN ('detections', 'motion') AND NOT EXISTS (
                 SELECT 1 FROM events e
                 WHERE e.camera_id = r.camera_id AND e."timestamp" >= r.start_time AND e."timestamp" < r.end_time
                   AND (c.config ->> 'recording_mode' = 'motion' OR e.event_type <> 'motion_detected'))
             THEN coalesce((c.config ->> 'recording_idle_retention_days')::numeric, 1)
             ELSE coalesce((c.config ->> 'recording_retention_days')::numeric, %(days)s)
        END)::double precision)
  AND NOT {LOCKED_SEGMENT_SQL}
ORDER BY r.start_time
LIMIT %(limit)s
"""

_OLDEST_SQL = f"""
SELECT r.id, r.storage_path, coalesce(r.file_size_bytes, 0)
FROM recordings r
WHERE r.kind = 'segment' AND NOT {LOCKED_SEGMENT_SQL}
ORDER BY r.start_time
LIMIT %(limit)s
"""


@dataclass
class DiskState:
    blocked: bool
    message: str
    used_bytes: int
    free_bytes: int
    deleted: int = 0


def _delete(rows: list[tuple]) -> int:
    """Files first, then rows: a row never points at a deleted file for long, and a file that
    cannot be deleted keeps its row for the next run."""
    root = conf.recordings_root()
    gone = []
    for row_id, path, _size in rows:
        if path:
            try:
                (root / path).unlink(missing_ok=True)
            except OSError as exc:
                logger.error("recording %s not deleted: %s", path, exc)
                continue
        gone.append(row_id)
    if gone:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM recordings WHERE id = ANY(%s)", [gone])
    return len(gone)


def apply_recording_retention(now: dt.datetime | None = None) -> int:
    """Delete expired, unlocked segments and gap rows; returns how many rows went."""
    now = now or timezone.now()
    deleted = 0
    with advisory_lock(RETENTION_LOCK) as acquired:
        if not acquired:
            return 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(_EXPIRED_SQL, {"now": now, "days": conf.retention_days(), "limit": BATCH})
                rows = cursor.fetchall()
            if not rows:
                break
            removed = _delete(rows)
            deleted += removed
            if removed < len(rows):
                break  # undeletable files: leave them for the next run rather than spin
    if deleted:
        logger.info("recording retention: %d segment(s) deleted", deleted)
    return deleted


def used_bytes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(file_size_bytes), 0) FROM recordings WHERE kind = 'segment'")
        return int(cursor.fetchone()[0])


def _free_bytes() -> int:
    root = conf.recordings_root()
    root.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(root).free


def _excess(used: int, free: int) -> int:
    quota, floor = conf.quota_bytes(), conf.min_free_bytes()
    return max(used - quota if quota else 0, floor - free, 0)


def enforce_disk_limits() -> DiskState:
    """Delete the oldest unlocked segments until the quota and free-space floor hold."""
    used, free = used_bytes(), _free_bytes()
    deleted = 0
    excess = _excess(used, free)
    while excess > 0:
        with connection.cursor() as cursor:
            cursor.execute(_OLDEST_SQL, {"limit": 50})
            rows = cursor.fetchall()
        if not rows:
            break
        chosen, freed = [], 0
        for row in rows:
            chosen.append(row)
            freed += row[2]
            if freed >= excess:
                break
        removed = _delete(chosen)
        deleted += removed
        if not removed:
            break
        used, free = used_bytes(), _free_bytes()
        excess = _excess(used, free)
    metrics = {"used_bytes": used, "free_bytes": free, "quota_bytes": conf.quota_bytes(), "deleted": deleted}
    if excess > 0:
        message = (
            f"recording stopped: only locked evidence is left and the disk is still {excess} bytes over its "
            f"limit (quota {conf.quota_bytes()} B, free {free} B, floor {conf.min_free_bytes()} B); "
            "release evidence locks, raise ORIN_RECORDING_QUOTA_BYTES or add disk"
        )
        logger.critical(message)
        log_health("recorder", "offline", metrics, message, per_minute=True)
        return DiskState(True, message, used, free, deleted)
    if deleted:
        logger.info("disk limits: %d oldest segment(s) deleted", deleted)
    return DiskState(False, "within disk limits", used, free, deleted)
