"""Enrolment: reference photos of a person become gallery embeddings, with guards against the
bad crops that make galleries match strangers (no face, several faces, low quality, a face that
does not look like the person's other faces, a photo enrolled twice)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import transaction

from faces.models import EmbeddingSource, FaceEmbedding, Person
from faces.services import media
from faces.services.engine import DetectedFace, get_engine
from faces.services.quality import assess
from faces.services.recognition import to_decimal
from faces.services.versions import schedule_rematch

# Same person scores 0.65-0.99 with this model, different people stay below ~0.25.
OUTLIER_SIMILARITY = 0.35
DUPLICATE_SIMILARITY = 0.995


@dataclass
class EnrolmentReport:
    person: Person
    added: list[FaceEmbedding] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (photo name, reason)

    @property
    def faces_found(self) -> int:
        return len(self.added)

    def rejection_reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, reason in self.rejected:
            key = reason.split(" (")[0]
            counts[key] = counts.get(key, 0) + 1
        return counts


def person_centroid(person: Person, version: str) -> np.ndarray | None:
    vectors = [
        np.asarray(v, dtype=np.float32)
        for v in FaceEmbedding.objects.filter(person=person, model_version=version).values_list("embedding", flat=True)
    ]
    if not vectors:
        return None
    centroid = np.mean(vectors, axis=0)
    return centroid / max(float(np.linalg.norm(centroid)), 1e-12)


def choose_face(faces: list[DetectedFace]) -> tuple[DetectedFace | None, str]:
    """One face per reference photo; a group photo is fine if one face clearly dominates."""
    if not faces:
        return None, "no face found"
    by_area = sorted(faces, key=lambda f: (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1]), reverse=True)
    if len(by_area) > 1:
        first, second = (float((f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1])) for f in by_area[:2])
        if first < 2 * second:
            return None, f"{len(faces)} faces of similar size; crop the photo to the one person"
    return by_area[0], ""


def set_primary(person_id) -> None:
    """The person's best-quality embedding is their primary (seed: is_primary + the persons FK)."""
    best = (
        FaceEmbedding.objects.filter(person_id=person_id)
        .order_by("-face_quality", "-confidence", "created_at")
        .values_list("id", flat=True)
        .first()
    )
    FaceEmbedding.objects.filter(person_id=person_id, is_primary=True).exclude(id=best).update(is_primary=False)
    if best is not None:
        FaceEmbedding.objects.filter(id=best).update(is_primary=True)
    Person.objects.filter(id=person_id).update(primary_face_embedding_id=best)


def enrol_faces(
    person: Person, images: list[bytes] | list[tuple[str, bytes]], *, user, allow_outliers: bool = False
) -> EnrolmentReport:
    """Add one face per photo to the person; `images` are bytes or (name, bytes) pairs."""
    engine = get_engine()
    version = engine.version
    report = EnrolmentReport(person=person)
    floor = settings.ORIN_FACE_QUALITY_FLOOR
    centroid = person_centroid(person, version)
    accepted: list[tuple[str, bytes, DetectedFace, float, np.ndarray]] = []
    for number, item in enumerate(images, start=1):
        name, data = item if isinstance(item, tuple) else (f"photo {number}", item)
        try:
            image = media.decode_image(data)
        except media.ImageError as exc:
            report.rejected.append((name, f"not a usable image ({exc})"))
            continue
        face, reason = choose_face(engine.detect(image))
        if face is None:
            report.rejected.append((name, reason))
            continue
        if face.short_side < settings.ORIN_FACE_MIN_SIZE:
            report.rejected.append((name, f"face too small ({face.short_side:.0f} px)"))
            continue
        quality = assess(image, face.bbox, face.landmarks, face.det_score)
        if quality.score < floor:
            weakest = min(("detection", "size", "sharpness", "pose"), key=lambda k: getattr(quality, k))
            report.rejected.append((name, f"low quality ({quality.score:.2f} < {floor}, weakest: {weakest})"))
            continue
        engine.embed(image, [face])
        vector = face.embedding
        known = [v for *_, v in accepted]
        if any(float(vector @ other) >= DUPLICATE_SIMILARITY for other in known) or is_duplicate(
            person, vector, version
        ):
            report.rejected.append((name, "duplicate of a face already enrolled"))
            continue
        reference = centroid if centroid is not None else (_mean(known) if known else None)
        if reference is not None and not allow_outliers and float(vector @ reference) < OUTLIER_SIMILARITY:
            similarity = float(vector @ reference)
            reason = f"does not look like this person's other faces (similarity {similarity:.2f})"
            report.rejected.append((name, reason))
            continue
        crop = media.encode_jpeg(media.crop_face(image, face.bbox))
        accepted.append((name, crop, face, quality.score, vector))

    stored = []
    try:
        for _, crop, *_ in accepted:
            digest = hashlib.sha256(crop).hexdigest()
            stored.append(media.save_file(f"faces/enrolment/{person.id}/{digest[:24]}.jpg", crop))
        with transaction.atomic():
            report.added = FaceEmbedding.objects.bulk_create(
                FaceEmbedding(
                    person=person,
                    embedding=vector,
                    source_image_path=path,
                    face_quality=to_decimal(score),
                    confidence=to_decimal(face.det_score),
                    model_version=version,
                    source=EmbeddingSource.ENROLMENT,
                )
                for path, (_, _, face, score, vector) in zip(stored, accepted)
            )
            if report.added:
                set_primary(person.id)
                schedule_rematch(person.id, reason="enrolled", reviewer_id=getattr(user, "pk", None))
    except Exception:
        media.delete_files(stored)
        raise
    person.refresh_from_db(fields=["primary_face_embedding"])
    return report


def is_duplicate(person: Person, vector: np.ndarray, version: str) -> bool:
    from faces.services.search import nearest_person_embedding_similarity

    similarity = nearest_person_embedding_similarity(person.id, vector, version)
    return similarity is not None and similarity >= DUPLICATE_SIMILARITY


def _mean(vectors: list[np.ndarray]) -> np.ndarray:
    centroid = np.mean(vectors, axis=0)
    return centroid / max(float(np.linalg.norm(centroid)), 1e-12)
