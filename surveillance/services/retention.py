"""Media retention (seed 004 §17, §19): expired snapshots, crops and clips leave storage first,
then their rows, in batches (10,000 by default).

When a media file has expired:
- its camera's config has `retention_days` (the same key ingest uses to set `retention_until`):
  taken `retention_days` ago or earlier, so changing a camera's retention applies to what it
  already stored; otherwise
- its `retention_until` has passed.
Face crops of enrolled persons (a person's face embedding points at the media row or its path)
are kept whatever their date. An object already missing from storage is logged and its row
removed; an object that fails to delete keeps its row for the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from surveillance.models import MediaFile
from surveillance.services.locks import advisory_lock

logger = logging.getLogger(__name__)

RETENTION_LOCK = "orin:media-retention"
MAX_REPORTED_PATHS = 20

_EXPIRED_SQL = """
SELECT m.id, m.storage_path
FROM media_files m
JOIN cameras c ON c.id = m.camera_id
WHERE (
        CASE WHEN jsonb_typeof(c.config -> 'retention_days') = 'number'
             THEN m."timestamp" < %(now)s - make_interval(days => (c.config ->> 'retention_days')::numeric::int)
             ELSE m.retention_until < %(now)s
        END
      )
  AND NOT (m.id = ANY(%(skip)s))
  AND NOT EXISTS (
        SELECT 1 FROM face_embeddings fe
        WHERE fe.person_id IS NOT NULL AND (fe.crop_id = m.id OR fe.source_image_path = m.storage_path)
      )
  {protections}
ORDER BY m."timestamp"
LIMIT %(limit)s
"""


# SQL conditions on `m` (media_files) that other apps add to keep media whatever its age, e.g.
# video's evidence locks; registered in their AppConfig.ready().
MEDIA_PROTECTIONS: dict[str, str] = {}


def register_media_protection(name: str, condition: str) -> None:
    MEDIA_PROTECTIONS[name] = condition


@dataclass
class RetentionReport:
    skipped: bool = False
    batches: int = 0
    deleted_rows: int = 0
    deleted_objects: int = 0
    missing_objects: int = 0
    failed_objects: int = 0
    missing_paths: list[str] = field(default_factory=list)
    failed_paths: list[str] = field(default_factory=list)
    duration_ms: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def expired_media_batch(now: dt.datetime, limit: int, skip: list) -> list[tuple]:
    """(id, storage_path) of up to `limit` expired, unprotected media files, oldest first."""
    with connection.cursor() as cursor:
        protections = "".join(f" AND NOT ({c})" for c in MEDIA_PROTECTIONS.values())
        cursor.execute(
            _EXPIRED_SQL.replace("{protections}", protections), {"now": now, "limit": limit, "skip": list(skip)}
        )
        return cursor.fetchall()


def _delete_object(path: str, report: RetentionReport) -> bool:
    """True when the object is gone from storage (deleted now or already missing)."""
    try:
        if not default_storage.exists(path):
            report.missing_objects += 1
            if len(report.missing_paths) < MAX_REPORTED_PATHS:
                report.missing_paths.append(path)
            logger.warning("media retention: %s is already missing from storage; removing its row", path)
            return True
        default_storage.delete(path)
    except Exception as exc:  # noqa: BLE001  (any storage failure: keep the row and retry tomorrow)
        report.failed_objects += 1
        if len(report.failed_paths) < MAX_REPORTED_PATHS:
            report.failed_paths.append(f"{path}: {exc}")
        logger.error("media retention: could not delete %s: %s", path, exc)
        return False
    report.deleted_objects += 1
    return True


def enforce_media_retention(now: dt.datetime | None = None, batch_size: int | None = None) -> RetentionReport:
    """Delete every expired media object, then its row (clips go with their media row)."""
    from surveillance.services.health import log_health

    now = now or timezone.now()
    batch_size = batch_size or settings.ORIN_MEDIA_RETENTION_BATCH
    report = RetentionReport()
    started = time.monotonic()
    with advisory_lock(RETENTION_LOCK) as acquired:
        if not acquired:
            report.skipped = True
            return report
        failed_ids: list = []
        while batch := expired_media_batch(now, batch_size, failed_ids):
            report.batches += 1
            gone = []
            for media_id, path in batch:
                if _delete_object(path, report):
                    gone.append(media_id)
                else:
                    failed_ids.append(media_id)
            if gone:
                # The ORM delete also cascades clips and unlinks embeddings/frames that pointed here.
                MediaFile.objects.filter(id__in=gone).delete()
                report.deleted_rows += len(gone)
            logger.info("media retention: batch %d, %d row(s) removed", report.batches, len(gone))
    report.duration_ms = int((time.monotonic() - started) * 1000)
    status = "degraded" if report.failed_objects else "online"
    message = (
        f"{report.deleted_rows} media file(s) removed, {report.missing_objects} already missing, "
        f"{report.failed_objects} failed"
    )
    log_health("media_retention", status, report.as_dict(), message)
    return report
