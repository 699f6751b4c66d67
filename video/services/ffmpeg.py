"""The ffmpeg binary and what we ask of it outside the recorder: probing a source, measuring a
file. The binary is imageio-ffmpeg's static build (ffmpeg 9, GPLv3 build with libx264) unless
ORIN_FFMPEG points at another one."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

NETWORK_SCHEMES = {"rtsp", "rtsps", "http", "https", "tcp", "udp", "srt", "rtmp"}
COPYABLE_CODECS = {"h264", "hevc"}  # stream copy; anything else is re-encoded to H.264
BROWSER_CODECS = {"h264"}  # what a clip must be for the console's <video> (Debian's Chromium)
# ffmpeg renders text files as "video" with these; no camera sends them.
TEXT_CODECS = {"ansi", "bintext", "xbin", "idf", "tty", "text", "subrip", "ass"}

_VIDEO_STREAM = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+)([^\n]*)")
_SIZE = re.compile(r", (\d{2,5})x(\d{2,5})")
_FPS = re.compile(r", ([\d.]+) fps")
_DURATION = re.compile(r"Duration: (\d+):(\d+):([\d.]+)")


class SourceError(Exception):
    """The source cannot be recorded; the message is for the operator."""


@cache
def ffmpeg_binary() -> str:
    configured = os.environ.get("ORIN_FFMPEG")
    if configured:
        return configured
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def is_network(url: str) -> bool:
    return urlsplit(url).scheme in NETWORK_SCHEMES


def input_args(url: str, *, loop_file: bool = False) -> list[str]:
    """Input options per kind of source: network sources time out instead of hanging; files are
    read at their own rate (a file camera is a live source) and looped when asked."""
    scheme = urlsplit(url).scheme
    # Probe one second, not five: a live source is buffered while probed, and that delay is
    # what segment times are anchored against.
    quick = ["-analyzeduration", "1000000", "-probesize", "1000000"]
    if scheme in ("rtsp", "rtsps"):
        return ["-rtsp_transport", "tcp", "-timeout", "10000000", *quick, "-i", url]
    if scheme in NETWORK_SCHEMES:
        return ["-rw_timeout", "10000000", *quick, "-i", url]
    if scheme == "lavfi":
        return ["-re", "-f", "lavfi", "-i", url.split(":", 1)[1]]
    path = urlsplit(url).path if scheme == "file" else url
    return ["-re", *(["-stream_loop", "-1"] if loop_file else []), "-i", path]


@dataclass(frozen=True)
class SourceInfo:
    codec: str
    width: int | None
    height: int | None
    fps: float | None

    @property
    def copyable(self) -> bool:
        return self.codec in COPYABLE_CODECS

    @property
    def resolution(self) -> str | None:
        return f"{self.width}x{self.height}" if self.width else None


def parse_source_info(stderr: str) -> SourceInfo | None:
    match = _VIDEO_STREAM.search(stderr.split("Output #0", 1)[0])
    if not match:
        return None
    size, fps = _SIZE.search(match.group(2)), _FPS.search(match.group(2))
    return SourceInfo(
        match.group(1),
        int(size.group(1)) if size else None,
        int(size.group(2)) if size else None,
        float(fps.group(1)) if fps else None,
    )


def probe_source(url: str, timeout: float = 15.0) -> SourceInfo:
    """What the source's first video stream is. Raises SourceError with a reason."""
    args = [ffmpeg_binary(), "-hide_banner", "-nostdin", *input_args(url), "-t", "0", "-f", "null", "-"]
    args = [a for a in args if a != "-re"]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired as exc:
        raise SourceError(f"no answer from the source within {timeout:g} s") from exc
    info = parse_source_info(done.stderr)
    if info is not None and info.codec in TEXT_CODECS:
        raise SourceError(f"the source is not video (ffmpeg reads it as {info.codec} text)")
    if info is None:
        last = [line for line in done.stderr.strip().splitlines() if line.strip()]
        detail = (last[-1] if last else f"ffmpeg exit code {done.returncode}")[:300]
        if "Error opening input" in done.stderr:
            raise SourceError(f"cannot open the source: {detail}")
        raise SourceError(f"the source is not video (no video stream): {detail}")
    return info


def media_duration(path: str | os.PathLike) -> float:
    """Seconds of a media file, from ffmpeg's own reading of its container."""
    done = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True, text=True, errors="replace"
    )
    match = _DURATION.search(done.stderr)
    if not match:
        raise SourceError(f"cannot read the duration of {os.path.basename(path)}")
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
