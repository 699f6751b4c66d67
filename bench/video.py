"""Recording benchmark: CPU per recorded camera (stream copy vs re-encode, with and without the
live picture) and the time to cut a 30 s clip, with the recorder's own ffmpeg arguments.

    .orin/venv/bin/python bench/video.py --seconds 15 --size 1280x720 --fps 15

Needs no database: a TS-over-TCP camera on 127.0.0.1 (tests/video/sources.py) plays an H.264
file made from ffmpeg's test pattern; each configuration records it for `--seconds` and reports
ffmpeg's user+system CPU time over wall time (100 % = one core). The camera server's own CPU is
not counted. Cameras per machine = cores × 100 % / CPU per camera, an upper bound that ignores
disk, network and the rest of ORIN.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")

import django  # noqa: E402

django.setup()

from tests.video.sources import TSCamera, make_h264_source  # noqa: E402
from video.services import ffmpeg  # noqa: E402
from video.services.recorder import encode_args, parse_segment_lines  # noqa: E402


def record(url: str, info: ffmpeg.SourceInfo, workdir: Path, seconds: float, live: bool) -> dict:
    workdir.mkdir(parents=True)
    live_args = ["-map", "0:v:0", "-vf", "fps=2,scale='min(640,iw)':-2", "-q:v", "6", "-f", "image2",
                 "-update", "1", "-atomic_writing", "1", str(workdir / "live.jpg")] if live else []  # fmt: skip
    command = [
        ffmpeg.ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", *ffmpeg.input_args(url),
        "-map", "0:v:0", "-an", *encode_args(info), "-f", "segment", "-segment_time", "10",
        "-segment_format", "mpegts", "-segment_list", str(workdir / "segments.csv"), "-segment_list_type", "csv",
        "-reset_timestamps", "0", str(workdir / "%06d.ts"), *live_args,
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    time.sleep(seconds)
    process.send_signal(2)
    process.wait(20)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    size = sum(p.stat().st_size for p in workdir.glob("*.ts"))
    return {"cpu_pct": 100 * cpu / wall, "mbit_s": size * 8 / wall / 1e6}


def cut_seconds(workdir: Path, seconds: float) -> float:
    listing = workdir / "list.txt"
    rows = parse_segment_lines((workdir / "segments.csv").read_text())
    listing.write_text("".join(f"file '{workdir / r.filename}'\n" for r in rows))
    started = time.monotonic()
    subprocess.run(
        [ffmpeg.ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-f", "concat", "-safe", "0", "-ss", "1",
         "-i", str(listing), "-t", str(seconds), "-c:v", "copy", "-movflags", "+faststart", "-y",
         str(workdir / "clip.mp4")],
        check=True,
    )  # fmt: skip
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--fps", type=int, default=15)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="orin-video-bench-"))
    try:
        source = make_h264_source(tmp / "source.ts", seconds=40, size=args.size, rate=args.fps)
        camera = TSCamera(source).start()
        info = ffmpeg.probe_source(camera.url)
        reencode = ffmpeg.SourceInfo("mjpeg", info.width, info.height, info.fps)  # forces the re-encode path
        print(f"source: H.264 {args.size} {args.fps} fps over TCP; {os.cpu_count()} cores; "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        results = {}
        for name, which, live in (("copy", info, False), ("copy+live", info, True),
                                  ("re-encode", reencode, False), ("re-encode+live", reencode, True)):  # fmt: skip
            results[name] = record(camera.url, which, tmp / name, args.seconds, live)
            cpu = results[name]["cpu_pct"]
            print(f"{name:15s} CPU {cpu:6.1f} % of one core   {results[name]['mbit_s']:.2f} Mbit/s   "
                  f"≈ {int(os.cpu_count() * 100 / max(cpu, 0.1))} cameras on {os.cpu_count()} cores")  # fmt: skip
        camera.stop()
        longer = record(camera.start().url, info, tmp / "for-clip", 35, False)
        camera.stop()
        del longer
        print(f"cutting a 30 s clip (stream copy, concat of 10 s segments): {cut_seconds(tmp / 'for-clip', 30):.2f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
