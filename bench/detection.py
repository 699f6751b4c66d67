"""Object-detection benchmark: detector ms/frame and frames/s on one core, the motion-gated
pipeline on a quiet and a busy scene, how many cameras at 2 analysed fps one 2-core machine
sustains, and events written per camera-hour.

    eval "$(./orinctl env)" && .orin/venv/bin/python bench/detection.py --rounds 20

Frames are 640x480 (a camera's sub-stream) made from packaged photos (insightface's t1.jpg,
scikit-image's astronaut); the busy scene is two people walking across a background, the quiet
one the background with sensor noise. Nothing is written to the database. Print the machine's
load with the numbers: on a shared machine they move a lot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")

import django  # noqa: E402

django.setup()

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402

from detection.services.detector import ObjectDetector  # noqa: E402
from detection.services.motion import MotionGate  # noqa: E402
from detection.services.pipeline import CameraPipeline  # noqa: E402

ANALYSED_FPS = 2.0
CORES = 2


def scene_frames(count: int, busy: bool) -> list[np.ndarray]:
    import insightface
    from skimage import data

    t1 = cv2.imread(str(Path(insightface.__file__).parent / "data" / "images" / "t1.jpg"))
    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    a = cv2.resize(t1[220:880, 0:310], (141, 300))
    b = cv2.resize(astronaut[10:510, 10:370], (216, 300))
    rng = np.random.default_rng(1)
    back = np.full((480, 640, 3), (96, 110, 104), np.uint8)
    frames = []
    for i in range(count):
        frame = cv2.add(back, rng.integers(0, 12, size=back.shape, dtype=np.uint8))
        if busy:
            ax, bx = (10 + i * 9) % 480, 640 - 226 - (i * 9) % 400
            frame[150:450, ax : ax + 141] = a
            frame[150:450, bx : bx + 216] = b
        frames.append(frame)
    return frames


def timed(fn, rounds: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def run_scene(detector: ObjectDetector, frames: list[np.ndarray]) -> dict:
    pipeline = CameraPipeline(uuid.uuid4(), detector)
    start = dt.datetime.now(dt.UTC)
    times, runs, events = [], 0, 0
    for i, frame in enumerate(frames):
        clock = i / ANALYSED_FPS
        began = time.perf_counter()
        result = pipeline.process(frame, start + dt.timedelta(seconds=clock), clock=clock)
        times.append((time.perf_counter() - began) * 1000)
        if i:  # frame 0 is all motion for a fresh background model: start-up, not steady state
            runs += result.detector_ran
            events += len(result.events)
    seconds = (len(frames) - 1) / ANALYSED_FPS
    return {
        "ms_per_frame": statistics.mean(times[1:]),  # frame 0 always runs the detector (all motion)
        "detector_share": runs / (len(frames) - 1),
        "events_per_hour": events / seconds * 3600,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--frames", type=int, default=60, help="frames per scene (at 2 analysed fps)")
    parser.add_argument("--model", default=str(settings.ORIN_DETECTOR_MODEL))
    args = parser.parse_args()

    load = os.getloadavg()
    detector = ObjectDetector(args.model, threads=1)
    print(f"model {detector}  (onnxruntime, 1 thread)  load average before: {load[0]:.2f} on {os.cpu_count()} cores")
    busy = scene_frames(args.frames, busy=True)
    quiet = scene_frames(args.frames, busy=False)

    detect = timed(lambda: detector.detect(busy[0], settings.ORIN_DETECTOR_THRESHOLD), args.rounds)
    median = statistics.median(detect)
    print(f"detector: {median:.1f} ms/frame median (min {min(detect):.1f}) -> {1000 / median:.1f} frames/s per core")
    gate = MotionGate()
    motion = timed(lambda: gate.update(busy[len(busy) // 2]), args.rounds)
    print(f"motion gate (MOG2 at 160 px): {statistics.median(motion):.2f} ms/frame")

    results = {}
    for name, frames in (("quiet", quiet), ("busy", busy)):
        r = results[name] = run_scene(detector, frames)
        print(
            f"{name} scene: {r['ms_per_frame']:.1f} ms/frame, detector ran on {r['detector_share']:.0%} of frames, "
            f"{r['events_per_hour']:.0f} events per camera-hour "
            f"(track interval {settings.ORIN_TRACK_EVENT_INTERVAL_SECONDS:g} s, "
            f"motion interval {settings.ORIN_MOTION_EVENT_INTERVAL_SECONDS:g} s)"
        )
    budget = CORES * 1000.0
    for name in ("busy", "quiet"):
        per_camera = results[name]["ms_per_frame"] * ANALYSED_FPS
        print(f"cameras at {ANALYSED_FPS:g} analysed fps on {CORES} cores, all {name}: {budget / per_camera:.0f}")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f}")


if __name__ == "__main__":
    main()
