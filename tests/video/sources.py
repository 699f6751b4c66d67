"""A real camera stand-in for the recorder's tests: a TCP server on 127.0.0.1 that, for each
client, starts ffmpeg playing an H.264 MPEG-TS file at its own rate (looped) into the socket, as
an IP camera's TS-over-TCP stream would. `stop()` drops every client (a camera going away);
`start()` brings it back on the same port."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import subprocess
import threading
from pathlib import Path

from video.services.ffmpeg import ffmpeg_binary


def make_h264_source(path: Path, seconds: int = 30, size: str = "320x240", rate: int = 10) -> Path:
    """An H.264 TS file of ffmpeg's test pattern (with a running clock), keyframe every second."""
    if not path.exists():
        subprocess.run(
            [
                ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
                "-i", f"testsrc=size={size}:rate={rate}", "-t", str(seconds), "-c:v", "libx264",
                "-preset", "ultrafast", "-g", str(rate), "-pix_fmt", "yuv420p", "-f", "mpegts", str(path),
            ],
            check=True, timeout=60,
        )  # fmt: skip
    return path


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        process = subprocess.Popen(
            [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
             "-i", str(server.source), "-c", "copy", "-f", "mpegts", "pipe:1"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        server.players.add(process)
        try:
            while not server.stopping.is_set():
                block = process.stdout.read1(65536)
                if not block:
                    break
                self.request.sendall(block)
        except OSError:
            pass
        finally:
            process.kill()
            process.wait()
            server.players.discard(process)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address, source: Path):
        self.source, self.players, self.stopping = source, set(), threading.Event()
        super().__init__(address, _Handler)


class TSCamera:
    def __init__(self, source: Path, port: int = 0):
        self.source, self.port = source, port
        self.server: _Server | None = None

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> TSCamera:
        self.server = _Server(("127.0.0.1", self.port), self.source)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is None:
            return
        self.server.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        for process in list(self.server.players):
            with contextlib.suppress(OSError):
                process.kill()
        self.server = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


__all__ = ["TSCamera", "make_h264_source", "free_port"]
