"""Model versions: an embedding model pack plus its operating thresholds and gallery policy.
Exactly one is in production (a partial unique index); recognition, enrolment and "who is
this?" ask `production()` which pack and thresholds to use, and searches filter on its version
string, so faces of two packs are never compared.

With no version row yet (a fresh install), the pack of ORIN_FACE_MODEL_DIR with the configured
thresholds is the implicit production version; `ensure_production_version` writes it down the
first time a version is added, so promotion always has something to roll back to.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from faces.models import GalleryStatus, ModelVersion
from faces.services.model_pack import model_pack_dir, model_version

logger = logging.getLogger(__name__)


class VersionError(ValueError):
    """A refused change of model version (shown to the user as is)."""


@dataclass(frozen=True)
class ActiveModel:
    version: str
    pack_dir: Path
    match_threshold: float
    cluster_threshold: float
    id: uuid.UUID | None = None


def _active(row: ModelVersion) -> ActiveModel:
    version = row.gallery_version or row.version_string
    return ActiveModel(version, Path(row.pack_path), row.match_threshold, row.cluster_threshold, row.id)


def production() -> ActiveModel:
    row = ModelVersion.objects.filter(is_production=True).exclude(pack_path="").first()
    if row is None:
        return ActiveModel(
            model_version(), model_pack_dir(), settings.ORIN_FACE_MATCH_THRESHOLD, settings.ORIN_FACE_CLUSTER_THRESHOLD
        )
    return _active(row)


def ensure_production_version() -> ModelVersion:
    """The production row, written from the settings if the install has none yet."""
    with transaction.atomic():
        current = ModelVersion.objects.select_for_update().filter(is_production=True).first()
        if current is not None:
            if not current.pack_path or not current.gallery_version:
                current.pack_path = current.pack_path or str(model_pack_dir())
                current.gallery_version = current.gallery_version or current.version_string
                current.save(update_fields=["pack_path", "gallery_version"])
            return current
        implicit = production()
        row, _ = ModelVersion.objects.update_or_create(
            version_string=implicit.version,
            defaults={
                "pack_path": str(implicit.pack_dir),
                "gallery_version": implicit.version,
                "match_threshold": implicit.match_threshold,
                "cluster_threshold": implicit.cluster_threshold,
                "is_production": True,
                "gallery_status": GalleryStatus.COMPLETE,
                "deployed_at": timezone.now(),
            },
        )
        return row


def create_version(
    version_string: str,
    pack_path: str | Path,
    *,
    match_threshold: float | None = None,
    cluster_threshold: float | None = None,
    gallery_policy: dict | None = None,
) -> ModelVersion:
    """A candidate version. Its gallery must be embedded with its pack before it can be promoted
    (faces.tasks.reembed_gallery); a version of the production pack shares its gallery."""
    from faces.services.model_pack import ModelPackError, model_files

    current = ensure_production_version()
    version_string = version_string.strip()
    if not version_string or len(version_string) > 20:
        raise VersionError("A version name needs 1 to 20 characters.")
    if ModelVersion.objects.filter(version_string=version_string).exists():
        raise VersionError(f"Version {version_string} exists already.")
    folder = Path(pack_path)
    try:
        model_files(folder)
    except ModelPackError as exc:
        raise VersionError(str(exc)) from exc
    same_pack = folder.resolve() == Path(current.pack_path).resolve()
    return ModelVersion.objects.create(
        version_string=version_string,
        pack_path=str(folder),
        match_threshold=current.match_threshold if match_threshold is None else match_threshold,
        cluster_threshold=current.cluster_threshold if cluster_threshold is None else cluster_threshold,
        gallery_policy=gallery_policy or {},
        gallery_version=current.gallery_version if same_pack else version_string,
        gallery_status=GalleryStatus.COMPLETE if same_pack else GalleryStatus.PENDING,
    )


def shares_gallery(a: ModelVersion, b: ModelVersion) -> bool:
    """Two versions of one pack read the same embeddings (only thresholds or policy differ)."""
    return Path(a.pack_path).resolve() == Path(b.pack_path).resolve()


# Promotion embeds the faces recognised since the background copy finished inside its own
# transaction; more than this means the copy is behind and must run again first.
CATCH_UP_LIMIT = 200


def promote(version: ModelVersion, user, *, note: str = "") -> ModelVersion:
    """Make `version` the production version, atomically and audited. Refused while its gallery
    is incomplete, so recognition never searches a half-embedded gallery."""
    from accounts.services.audit import record_access
    from faces.services import reembed

    current = ensure_production_version()
    with transaction.atomic():
        rows = {
            row.pk: row
            for row in ModelVersion.objects.select_for_update().filter(pk__in=[current.pk, version.pk]).order_by("pk")
        }
        current, version = rows[current.pk], rows[version.pk]
        if version.is_production:
            raise VersionError(f"{version.version_string} is already in production.")
        if version.gallery_status != GalleryStatus.COMPLETE:
            done, total = version.gallery_done, version.gallery_total
            raise VersionError(
                f"{version.version_string}'s gallery is {version.gallery_status} ({done}/{total} faces); "
                "promote it when re-embedding has finished."
            )
        source, target = current.gallery_version, version.gallery_version
        if source != target:
            behind = list(reembed.pending_faces(version, source)[: CATCH_UP_LIMIT + 1])
            if len(behind) > CATCH_UP_LIMIT:
                raise VersionError(
                    f"{len(behind)}+ faces arrived since {version.version_string} was embedded; "
                    "re-embed it again first."
                )
            reembed.copy_faces(version, behind)
            reembed.sync_owners(target, source)
        current.is_production = False
        current.save(update_fields=["is_production"])
        version.is_production = True
        version.is_rollback_available = True
        version.previous = current
        version.deployed_at = timezone.now()
        version.deployed_by = user if getattr(user, "pk", None) else None
        version.save(update_fields=["is_production", "is_rollback_available", "previous", "deployed_at", "deployed_by"])
        record_access(
            user,
            "model_version_promoted",
            "model_version",
            version.pk,
            from_version=current.version_string,
            to_version=version.version_string,
            note=note,
        )
    schedule_rematch(reason="promotion")
    return version


def rollback(user) -> ModelVersion:
    """Back to the version that was in production before the current one. Its gallery missed
    the faces seen since; they are caught up like at any promotion (or the rollback is refused
    with the reason, and re-embedding the previous version first makes it possible)."""
    current = ensure_production_version()
    previous = current.previous
    if previous is None or not current.is_rollback_available:
        raise VersionError(f"{current.version_string} has no earlier version to roll back to.")
    return promote(previous, user, note=f"rollback from {current.version_string}")


def set_thresholds(version: ModelVersion, user, *, match: float, cluster: float, reason: str = "") -> ModelVersion:
    """New operating thresholds (from a calibration or by hand); audited, and unknown clusters
    are re-matched against the gallery with the new match threshold."""
    from accounts.services.audit import record_access

    for name, value in (("match", match), ("cluster", cluster)):
        if not 0.0 < value < 1.0:
            raise VersionError(f"The {name} threshold must lie between 0 and 1 (got {value}).")
    before = (version.match_threshold, version.cluster_threshold)
    ModelVersion.objects.filter(pk=version.pk).update(match_threshold=match, cluster_threshold=cluster)
    version.refresh_from_db()
    record_access(
        user,
        "model_version_thresholds",
        "model_version",
        version.pk,
        before=list(before),
        after=[match, cluster],
        reason=reason,
    )
    if version.is_production:
        schedule_rematch(reason="threshold")
    return version


def schedule_rematch(person_id=None, *, reason: str, reviewer_id=None) -> None:
    """Queue a re-matching of the unknown clusters (after commit, so the worker sees the new
    gallery). A broker outage loses only this suggestion round: the next enrolment, naming or
    threshold change queues another, so it is logged rather than failing the review."""
    from kombu.exceptions import OperationalError

    from faces.tasks import rematch_unknowns

    def send() -> None:
        try:
            rematch_unknowns.delay(str(person_id) if person_id else None, reason, reviewer_id)
        except (OperationalError, OSError) as exc:
            logger.warning("re-matching (%s) not queued: %s", reason, exc)

    transaction.on_commit(send)
