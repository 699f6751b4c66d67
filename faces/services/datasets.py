"""Training datasets built from what reviewers said about faces.

A sample is a gallery face whose identity a person vouched for: enrolled, confirmed, corrected
(moved or named) or merged; faces of clusters rejected as "not a face" and faces below the
dataset's quality floor stay out. Identities are split whole between train and validation (ordered
by a hash of dataset and identity, so a rebuild gives the same split), and the sample list is frozen
in `training_dataset_samples`: later reviews do not change a dataset that was measured on.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable

from django.db import transaction

from faces.models import (
    ClusterStatus,
    DatasetSample,
    EmbeddingSource,
    FaceEmbedding,
    NegativeExample,
    ReviewAction,
    SampleSplit,
    TrainingDataset,
    TrainingStatus,
)
from faces.services.versions import production
from surveillance.models import ReviewActionType

CHUNK = 500

LABELS = {
    ReviewActionType.CONFIRM: "confirmed",
    ReviewActionType.CORRECT_NAME: "corrected",
    ReviewActionType.MERGE: "merged",
}


def assign_splits(dataset: TrainingDataset, identities: list[str]) -> dict[str, str]:
    """Whole identities to validation, in an order shuffled by a hash of dataset and identity:
    the share asked for (at least one identity in each split when there are two or more)."""
    order = sorted(identities, key=lambda i: hashlib.sha256(f"{dataset.pk}:{i}".encode()).hexdigest())
    count = round(len(order) * dataset.validation_fraction)
    if len(order) >= 2:
        count = min(max(count, 1), len(order) - 1)
    held_out = set(order[:count])
    return {i: SampleSplit.VALIDATION if i in held_out else SampleSplit.TRAIN for i in identities}


def _labels(event_ids: list) -> dict:
    """The latest identity-giving review of each event."""
    labels = {}
    reviews = (
        ReviewAction.objects.filter(event_id__in=event_ids, action__in=list(LABELS))
        .order_by("created_at")
        .values_list("event_id", "action")
    )
    for event_id, action in reviews:
        labels[event_id] = LABELS[action]
    return labels


def reviewed_faces(dataset: TrainingDataset, version: str) -> list[dict]:
    """Faces with an identity a reviewer vouched for, above the quality floor."""
    faces = FaceEmbedding.objects.filter(model_version=version, face_quality__gte=dataset.quality_floor).exclude(
        cluster__status=ClusterStatus.REJECTED
    )
    if dataset.person_ids:
        faces = faces.filter(person_id__in=dataset.person_ids)
    fields = ("id", "person_id", "cluster_id", "event_id", "source", "source_image_path", "face_quality")
    rows = list(faces.values(*fields))
    labels = _labels([r["event_id"] for r in rows if r["event_id"]])
    chosen = []
    for row in rows:
        label = "enrolled" if row["source"] == EmbeddingSource.ENROLMENT else labels.get(row["event_id"])
        if label is None or (row["person_id"] is None and label != "merged"):
            continue  # unreviewed, or a cluster face no one vouched for
        owner = f"person:{row['person_id']}" if row["person_id"] else f"cluster:{row['cluster_id']}"
        chosen.append({**row, "label": label, "identity": owner})
    return chosen


def build_dataset(dataset_id, *, on_progress: Callable[[float], None] | None = None) -> TrainingDataset:
    dataset = TrainingDataset.objects.get(pk=dataset_id)
    version = production().version
    try:
        faces = reviewed_faces(dataset, version)
        identities = sorted({f["identity"] for f in faces})
        splits = assign_splits(dataset, identities)
        with transaction.atomic():
            DatasetSample.objects.filter(dataset=dataset).delete()
            for start in range(0, len(faces), CHUNK):
                DatasetSample.objects.bulk_create(
                    DatasetSample(
                        dataset=dataset,
                        embedding_id=f["id"],
                        source_image_path=f["source_image_path"],
                        identity=f["identity"],
                        label=f["label"],
                        split=splits[f["identity"]],
                        quality=float(f["face_quality"]),
                    )
                    for f in faces[start : start + CHUNK]
                )
                progress = min(1.0, (start + CHUNK) / max(1, len(faces)))
                TrainingDataset.objects.filter(pk=dataset.pk).update(progress=progress)
                if on_progress:
                    on_progress(progress)
        per_split = Counter(splits[f["identity"]] for f in faces)
        summary = {
            "model_version": version,
            "samples": dict(per_split),
            "identities": dict(Counter(splits.values())),
            "labels": dict(Counter(f["label"] for f in faces)),
            "negative_examples": NegativeExample.objects.filter(model_version=version).count(),
        }
        TrainingDataset.objects.filter(pk=dataset.pk).update(
            status=TrainingStatus.READY, sample_count=len(faces), progress=1.0, summary=summary, error=""
        )
    except Exception as exc:
        TrainingDataset.objects.filter(pk=dataset.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    dataset.refresh_from_db()
    return dataset


def identities_by_split(dataset: TrainingDataset) -> dict[str, set[str]]:
    found = defaultdict(set)
    for identity, split in DatasetSample.objects.filter(dataset=dataset).values_list("identity", "split"):
        found[split].add(identity)
    return found
