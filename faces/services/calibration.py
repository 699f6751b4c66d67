"""Calibration: the thresholds at which a model version reaches a target precision, measured on
a dataset's validation split (identities the thresholds were never tuned on), with numpy on CPU.

Two views, both stored as curves in the job's metrics:
- identification, open set (what the match threshold decides): each validation face is a probe
  against all the others (leave-one-out), twice: as an enrolled person (its nearest face at or
  above t is right or wrong) and as a stranger (its identity left out of the gallery: any face
  at or above t is a wrong match). Precision(t) = right / (right + wrong) over both roles;
  recall(t) = right among probes that had a mate to find. Without the stranger role a closed
  set of a few people reaches full precision at threshold 0.
- verification (what joining a cluster decides): all pairs; FMR(t) = impostor pairs at or
  above t, FNMR(t) = genuine pairs below t.
The match threshold is the lowest that reaches the target precision; the cluster threshold the
lowest with FMR at most CLUSTER_FMR.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from faces.models import DatasetSample, FaceEmbedding, SampleSplit, TrainingJob

BINS = np.linspace(-1.0, 1.0, 2001)  # 0.001 wide
CURVE_POINTS = np.round(np.arange(0.0, 1.0001, 0.01), 2)
CLUSTER_FMR = 1e-3
ROWS_PER_CHUNK = 1024


class Cancelled(Exception):
    pass


def validation_set(job: TrainingJob) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors of the job's version for the dataset's validation faces, and identity codes."""
    samples = dict(
        DatasetSample.objects.filter(dataset=job.dataset, split=SampleSplit.VALIDATION).values_list(
            "source_image_path", "identity"
        )
    )
    version = job.model_version.gallery_version or job.model_version.version_string
    rows = FaceEmbedding.objects.filter(model_version=version, source_image_path__in=list(samples)).values_list(
        "source_image_path", "embedding"
    )
    paths, vectors = zip(*rows) if rows else ((), ())
    names = sorted(set(samples.values()))
    codes = {name: i for i, name in enumerate(names)}
    labels = np.array([codes[samples[p]] for p in paths], dtype=np.int64)
    matrix = np.asarray(vectors, dtype=np.float32).reshape(len(paths), -1)
    if len(paths):
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return matrix, labels


def measure(
    vectors: np.ndarray,
    labels: np.ndarray,
    *,
    target_precision: float,
    on_chunk: Callable[[float], None] | None = None,
) -> dict:
    n = len(labels)
    if n < 3 or len(set(labels.tolist())) < 2:
        raise ValueError(f"calibration needs at least 3 validation faces of 2 identities (got {n})")
    genuine_hist = np.zeros(len(BINS) - 1, dtype=np.int64)
    impostor_hist = np.zeros(len(BINS) - 1, dtype=np.int64)
    genuine_best = np.empty(n, dtype=np.float32)
    impostor_best = np.empty(n, dtype=np.float32)
    for start in range(0, n, ROWS_PER_CHUNK):
        stop = min(n, start + ROWS_PER_CHUNK)
        scores = vectors[start:stop] @ vectors.T
        same = labels[start:stop, None] == labels[None, :]
        rows = np.arange(stop - start)
        scores[rows, rows + start] = -2.0  # a face is not its own neighbour
        genuine_best[start:stop] = np.where(same, scores, -2.0).max(axis=1)
        impostor_best[start:stop] = np.where(same, -2.0, scores).max(axis=1)
        upper = np.arange(n)[None, :] > (rows + start)[:, None]  # each pair once
        genuine_hist += np.histogram(scores[upper & same], BINS)[0]
        impostor_hist += np.histogram(scores[upper & ~same], BINS)[0]
        if on_chunk:
            on_chunk(stop / n)
    has_mate = np.bincount(labels)[labels] > 1
    thresholds = CURVE_POINTS
    known_right = genuine_best >= impostor_best
    nearest = np.maximum(genuine_best, impostor_best)
    accepted = nearest[None, :] >= thresholds[:, None]
    right = (accepted & known_right[None, :]).sum(axis=1)
    wrong = (accepted & ~known_right[None, :]).sum(axis=1)
    wrong += (impostor_best[None, :] >= thresholds[:, None]).sum(axis=1)  # as strangers
    precision = np.where(right + wrong > 0, right / np.maximum(right + wrong, 1), 1.0)
    recall = right / max(int(has_mate.sum()), 1)
    # Pairs at or above each threshold, from the histograms (bin edge i is -1 + i/1000).
    edge = np.clip(np.round((thresholds + 1.0) * 1000).astype(int), 0, len(BINS) - 1)
    genuine_above = np.cumsum(genuine_hist[::-1])[::-1]
    impostor_above = np.cumsum(impostor_hist[::-1])[::-1]
    genuine_total, impostor_total = int(genuine_hist.sum()), int(impostor_hist.sum())
    at = lambda cum, i: int(cum[i]) if i < len(cum) else 0  # noqa: E731
    fmr = np.array([at(impostor_above, i) / max(impostor_total, 1) for i in edge])
    fnmr = np.array([1 - at(genuine_above, i) / max(genuine_total, 1) for i in edge])
    reaching = np.flatnonzero((precision >= target_precision) & (right > 0))
    match_threshold = float(thresholds[reaching[0]]) if len(reaching) else None
    safe = np.flatnonzero(fmr <= CLUSTER_FMR)
    cluster_threshold = float(thresholds[safe[0]]) if len(safe) else None
    index = int(reaching[0]) if len(reaching) else None
    return {
        "validation_faces": n,
        "identities": int(len(set(labels.tolist()))),
        "genuine_pairs": genuine_total,
        "impostor_pairs": impostor_total,
        "target_precision": target_precision,
        "match_threshold": match_threshold,
        "cluster_threshold": cluster_threshold,
        "precision_at_match": None if index is None else round(float(precision[index]), 4),
        "recall_at_match": None if index is None else round(float(recall[index]), 4),
        "curves": {
            "threshold": thresholds.tolist(),
            "precision": np.round(precision, 5).tolist(),
            "recall": np.round(recall, 5).tolist(),
            "fmr": np.round(fmr, 6).tolist(),
            "fnmr": np.round(fnmr, 6).tolist(),
        },
    }


def calibrate(job: TrainingJob, *, on_progress: Callable[[float], None] | None = None) -> dict:
    """The job's measurements; raises Cancelled when the job was cancelled between chunks."""
    started = time.perf_counter()
    vectors, labels = validation_set(job)

    def chunk_done(fraction: float) -> None:
        if TrainingJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
            raise Cancelled
        if on_progress:
            on_progress(0.1 + 0.9 * fraction)

    metrics = measure(vectors, labels, target_precision=job.target_precision, on_chunk=chunk_done)
    metrics["seconds"] = round(time.perf_counter() - started, 3)
    return metrics
