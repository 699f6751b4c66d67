"""Re-embedding the stored face crops with a new version's pack, in the background.

Progress is the data itself: a face counts as done when the target version holds an embedding
of the same crop (`source_image_path`), so the job resumes where it stopped after a crash or a
restart, and faces recognised while it runs are picked up by the next batch. Recognition keeps
using production's embeddings throughout; promotion catches up the last few faces and moves the
copies to their current owners inside its transaction (faces.services.versions.promote).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

from faces.models import FaceEmbedding, GalleryStatus, ModelVersion
from faces.services import media
from faces.services.engine import FaceEngine, get_engine
from faces.services.enrolment import choose_face

logger = logging.getLogger(__name__)

BATCH = 32


def pending_faces(target: ModelVersion, source_version: str) -> QuerySet[FaceEmbedding]:
    """Faces of the source gallery that the target has no embedding of yet (oldest first)."""
    done = FaceEmbedding.objects.filter(
        model_version=target.gallery_version, source_image_path=OuterRef("source_image_path")
    )
    faces = FaceEmbedding.objects.filter(model_version=source_version).exclude(Exists(done))
    min_quality = (target.gallery_policy or {}).get("min_quality")
    if min_quality is not None:
        faces = faces.filter(face_quality__gte=min_quality)
    return faces.order_by("created_at", "id")


def embed_crop(engine: FaceEngine, data: bytes) -> np.ndarray:
    """The crop's main face with this pack; a crop the detector misses (tight or blurred) is
    embedded whole, resized, rather than left out of the gallery."""
    image = media.decode_image(data)
    face, _ = choose_face(engine.detect(image))
    if face is not None and face.landmarks is not None:
        return engine.embed(image, [face])[0]
    import cv2

    size = engine.recognizer.input_size[0]
    vector = np.asarray(engine.recognizer.get_feat([cv2.resize(image, (size, size))]), dtype=np.float32)[0]
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def copy_faces(target: ModelVersion, faces: list[FaceEmbedding], engine: FaceEngine | None = None) -> int:
    engine = engine or get_engine(Path(target.pack_path), target.gallery_version)
    copies = []
    for face in faces:
        try:
            with default_storage.open(face.source_image_path, "rb") as handle:
                vector = embed_crop(engine, handle.read())
        except (FileNotFoundError, media.ImageError) as exc:
            # The crop is gone (retention) or damaged: the face cannot follow; reembed_gallery
            # skips it and reports the count on the version.
            logger.warning("face %s cannot be re-embedded: %s", face.pk, exc)
            continue
        copies.append(
            FaceEmbedding(
                person_id=face.person_id,
                cluster_id=face.cluster_id,
                embedding=vector,
                source_image_path=face.source_image_path,
                face_quality=face.face_quality,
                confidence=face.confidence,
                model_version=target.gallery_version,
                source=face.source,
                crop_id=face.crop_id,
                event_id=face.event_id,
            )
        )
    FaceEmbedding.objects.bulk_create(copies)
    return len(copies)


def reembed_gallery(version_id, *, on_progress: Callable[[int, int], None] | None = None) -> ModelVersion:
    """Embed every gallery face of production with `version`'s pack; resumable, and safe to run
    twice (the second finds nothing pending)."""
    from faces.services.versions import production

    target = ModelVersion.objects.get(pk=version_id)
    source = production().version
    if target.gallery_version == source:
        ModelVersion.objects.filter(pk=target.pk).update(gallery_status=GalleryStatus.COMPLETE)
        target.refresh_from_db()
        return target
    engine = get_engine(Path(target.pack_path), target.gallery_version)
    total = FaceEmbedding.objects.filter(model_version=source).count()
    ModelVersion.objects.filter(pk=target.pk).update(
        gallery_status=GalleryStatus.EMBEDDING, gallery_total=total, gallery_error=""
    )
    skipped: set = set()
    while True:
        batch = list(pending_faces(target, source).exclude(pk__in=skipped)[:BATCH])
        if not batch:
            break
        with transaction.atomic():
            copied = copy_faces(target, batch, engine)
        if copied < len(batch):
            skipped |= {f.pk for f in batch} - set(
                FaceEmbedding.objects.filter(model_version=target.gallery_version)
                .filter(source_image_path__in=[f.source_image_path for f in batch])
                .values_list("pk", flat=True)
            )
        done = FaceEmbedding.objects.filter(model_version=target.gallery_version).count()
        ModelVersion.objects.filter(pk=target.pk).update(gallery_done=done)
        if on_progress:
            on_progress(done, total)
    ModelVersion.objects.filter(pk=target.pk).update(
        gallery_status=GalleryStatus.COMPLETE,
        gallery_done=FaceEmbedding.objects.filter(model_version=target.gallery_version).count(),
        gallery_error=f"{len(skipped)} face(s) without a readable crop were left out" if skipped else "",
    )
    target.refresh_from_db()
    return target


_SYNC_OWNERS = """
UPDATE face_embeddings t SET person_id = s.person_id, cluster_id = s.cluster_id, source = s.source
FROM face_embeddings s
WHERE t.model_version = %(target)s AND s.model_version = %(source)s
  AND s.source_image_path = t.source_image_path
  AND (t.person_id IS DISTINCT FROM s.person_id OR t.cluster_id IS DISTINCT FROM s.cluster_id)
"""

_DROP_FORGOTTEN = """
DELETE FROM face_embeddings t
WHERE t.model_version = %(target)s AND NOT EXISTS (
    SELECT 1 FROM face_embeddings s WHERE s.model_version = %(source)s AND s.source_image_path = t.source_image_path
)
"""


def sync_owners(target_version: str, source_version: str) -> None:
    """Reviews done while the copy ran (naming, moving, deleting faces) apply to the copies:
    each copy takes its source face's owner, and copies of deleted faces go."""
    with connection.cursor() as cursor:
        params = {"target": target_version, "source": source_version}
        cursor.execute(_SYNC_OWNERS, params)
        cursor.execute(_DROP_FORGOTTEN, params)
