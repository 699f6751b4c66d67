"""Behaviour analytics throughput: tracked detections per second through the ingest service
with and without the analytics, in the same run.

    eval "$(./orinctl env)" && .orin/venv/bin/python bench/analytics.py --detections 5000

Run it against a throw-away or development database: it adds a site with two cameras, each
with `--zones` zones (a grid of squares, every type) and two counting lines on the first.
`--tracks` people walk across the frame; every batch holds `--batch` detections (the frames of
all tracks in order) and goes through `ingest_detections`, the path `POST /api/v1/ingest/events`
takes after validation (rule engine included). Plain ingest runs on camera 1 with the analytics
processor unregistered, then the same detections on camera 2 with it. Rows it adds stay (look
for site "analytics bench").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")

import django  # noqa: E402

django.setup()

from analytics.models import CountingLine  # noqa: E402
from surveillance.models import DVR, Camera, CameraZone, Site, SuspiciousActivityEvent  # noqa: E402
from surveillance.services import events as event_registry  # noqa: E402
from surveillance.services.detections import ingest_detections  # noqa: E402

ZONE_TYPES = ("restricted", "interest", "entry", "exit")


def camera_with_zones(site: Site, channel: int, zones: int) -> Camera:
    dvr = DVR.objects.create(site=site, name=f"bench nvr {channel}", ip_address="192.0.2.10")
    camera = Camera.objects.create(dvr=dvr, channel_number=channel, name=f"bench cam {channel}", resolution="1000x1000")
    side = max(1, int(zones**0.5 + 0.999))
    cell = 1.0 / side
    for i in range(zones):
        x, y = (i % side) * cell, (i // side) * cell
        CameraZone.objects.create(
            camera=camera,
            name=f"z{i}",
            zone_type=ZONE_TYPES[i % len(ZONE_TYPES)],
            polygon_points=[
                {"x": x, "y": y},
                {"x": x + cell, "y": y},
                {"x": x + cell, "y": y + cell},
                {"x": x, "y": y + cell},
            ],
        )
    CountingLine.objects.create(camera=camera, name="h", x1=0, y1=0.5, x2=1, y2=0.5, allowed_direction="a_to_b")
    CountingLine.objects.create(camera=camera, name="v", x1=0.5, y1=0, x2=0.5, y2=1)
    return camera


def detections(camera: Camera, total: int, tracks: int, start: dt.datetime) -> list[dict]:
    items = []
    frame = 0
    run = uuid.uuid4().hex[:6]
    while len(items) < total:
        for k in range(tracks):
            # Each person walks a diagonal at its own pace, wrapping around the frame.
            u = ((frame * (0.004 + 0.001 * k)) + k / tracks) % 1.0
            fx, fy = 0.05 + 0.9 * u, 0.05 + 0.9 * ((u + 0.3 * k) % 1.0)
            items.append(
                {
                    "camera_id": camera.id,
                    "event_type": "human_detected",
                    "confidence": 0.9,
                    "bounding_box": {
                        "x": fx * 1000 - 30,
                        "y": max(0.0, fy * 1000 - 120),
                        "width": 60,
                        "height": min(120, fy * 1000),
                    },
                    "timestamp": start + dt.timedelta(milliseconds=200 * frame),
                    "metadata": {"track_id": f"{run}-{k}"},
                }
            )
        frame += 1
    return items[:total]


def run(items: list[dict], batch: int) -> float:
    began = time.perf_counter()
    for i in range(0, len(items), batch):
        ingest_detections(items[i : i + batch], producer="bench")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--detections", type=int, default=5000)
    parser.add_argument("--zones", type=int, default=20)
    parser.add_argument("--tracks", type=int, default=10)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    site, _ = Site.objects.get_or_create(name="analytics bench")
    channel = DVR.objects.filter(site=site).count() * 2 + 1
    plain_cam = camera_with_zones(site, channel, args.zones)
    analysed_cam = camera_with_zones(site, channel + 1, args.zones)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)

    saved = list(event_registry._processors)
    event_registry._processors[:] = [p for p in saved if p[1] != "analytics.tracks"]
    try:
        plain = run(detections(plain_cam, args.detections, args.tracks, start), args.batch)
    finally:
        event_registry._processors[:] = saved
    analysed = run(detections(analysed_cam, args.detections, args.tracks, start), args.batch)
    rows = SuspiciousActivityEvent.objects.filter(camera=analysed_cam).count()
    n = args.detections
    print(f"{n} tracked detections, {args.tracks} tracks, {args.zones} zones + 2 lines, batches of {args.batch}")
    print(f"plain ingest:        {plain:7.2f} s  {n / plain:8.0f} detections/s")
    print(f"ingest + analytics:  {analysed:7.2f} s  {n / analysed:8.0f} detections/s")
    print(f"analytics cost:      {(analysed - plain) / n * 1000:7.3f} ms per detection ({analysed / plain - 1:+.0%})")
    print(f"activities written:  {rows}")


if __name__ == "__main__":
    main()
