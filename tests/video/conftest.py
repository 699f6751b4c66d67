"""Fixtures for video: an H.264 source made by ffmpeg, a TS-over-TCP camera serving it, a
private recordings root, and `record_offline` (real ffmpeg segmenting the source as fast as
it can, indexed as if recorded live from a chosen wall-clock time)."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import CameraFactory
from tests.video.sources import TSCamera, make_h264_source
from video.models import Recording, RecordingKind
from video.services.ffmpeg import ffmpeg_binary
from video.services.recorder import parse_segment_lines


@pytest.fixture(scope="session")
def h264_source(tmp_path_factory) -> Path:
    return make_h264_source(tmp_path_factory.mktemp("video-source") / "testsrc.ts")


@pytest.fixture
def recordings_root(settings, tmp_path) -> Path:
    root = tmp_path / "recordings"
    root.mkdir()
    settings.ORIN_RECORDINGS_ROOT = root
    settings.ORIN_RECORDING_SEGMENT_SECONDS = 2
    settings.ORIN_RECORDING_MIN_FREE_BYTES = 0
    settings.ORIN_RECORDING_QUOTA_BYTES = 0
    return root


@pytest.fixture
def ts_camera(h264_source):
    camera = TSCamera(h264_source).start()
    yield camera
    camera.stop()


@pytest.fixture
def recording_camera(db):
    return CameraFactory(
        config={"recording": True, "clip_pre_seconds": 3, "clip_post_seconds": 3}, rtsp_url="tcp://127.0.0.1:9"
    )


def record_offline(
    camera, root: Path, source: Path, start: dt.datetime, seconds: int = 12, segment: int = 2
) -> list[Recording]:
    """Segment `seconds` of the source with ffmpeg (stream copy) and index the segments from
    `start` on, as the recorder would have."""
    directory = root / str(camera.id) / start.strftime("%Y%m%dT%H%M%S%f")
    directory.mkdir(parents=True)
    subprocess.run(
        [
            ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-i", str(source), "-t", str(seconds),
            "-map", "0:v:0", "-c:v", "copy", "-f", "segment", "-segment_time", str(segment),
            "-segment_format", "mpegts", "-segment_list", str(directory / "segments.csv"),
            "-segment_list_type", "csv", "-reset_timestamps", "0", str(directory / "%06d.ts"),
        ],
        check=True, timeout=30,
    )  # fmt: skip
    rows = []
    for line in parse_segment_lines((directory / "segments.csv").read_text()):
        path = directory / line.filename
        rows.append(
            Recording.objects.create(
                camera=camera,
                kind=RecordingKind.SEGMENT,
                start_time=start + dt.timedelta(seconds=line.start),
                end_time=start + dt.timedelta(seconds=line.end),
                duration_seconds=Decimal(f"{line.end - line.start:.3f}"),
                file_size_bytes=path.stat().st_size,
                codec="h264",
                resolution="320x240",
                fps=10,
                storage_path=str(path.relative_to(root)),
            )  # fmt: skip
        )
    return rows
