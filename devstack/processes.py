"""Foreground supervisor for `orinctl run`: several children, one terminal.

Each child's output is shown with a name prefix and also appended to
.orin/logs/<name>.log. Children get their own process group so that Ctrl-C
reaches only us and we can stop them in order (SIGTERM, then SIGKILL after a
grace period), including grandchildren such as celery's prefork pool.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from . import DevstackError
from .util import info

GRACE_SECONDS = 10.0
_COLORS = ("36", "33", "35", "32", "34", "31")


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # on top of the supervisor's environment


class Supervisor:
    def __init__(self, specs: list[ProcessSpec], *, env: dict[str, str], cwd: Path, log_dir: Path) -> None:
        self.specs = specs
        self.env = env
        self.cwd = cwd
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._readers: list[threading.Thread] = []
        self._out_lock = threading.Lock()
        self._stop = threading.Event()
        self._force = False
        width = max(len(s.name) for s in specs)
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        self._prefix = {
            s.name: (
                f"\033[{_COLORS[i % len(_COLORS)]}m{s.name:<{width}} |\033[0m " if color else f"{s.name:<{width}} | "
            )
            for i, s in enumerate(specs)
        }

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stop.is_set():
            self._force = True  # second Ctrl-C: don't wait for the grace period
        self._stop.set()

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        prefix = self._prefix[name]
        with (self.log_dir / f"{name}.log").open("ab") as log:
            log.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} orinctl run =====\n".encode())
            for raw in iter(stream.readline, b""):
                log.write(raw)
                log.flush()
                line = raw.decode(errors="replace").rstrip("\n")
                with self._out_lock:
                    sys.stdout.write(prefix + line + "\n")
                    sys.stdout.flush()

    def run(self, on_started: Callable[[], None] | None = None, started_after: float = 3.0) -> None:
        """Run until Ctrl-C/SIGTERM (returns) or until a child dies (raises)."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        failed: tuple[str, int] | None = None
        try:
            for spec in self.specs:
                self._spawn(spec)
            started_at = time.monotonic()
            while not self._stop.is_set():
                for name, proc in self.procs.items():
                    rc = proc.poll()
                    if rc is not None:
                        failed = (name, rc)
                        break
                if failed:
                    break
                if on_started is not None and time.monotonic() - started_at >= started_after:
                    on_started()
                    on_started = None
                self._stop.wait(0.2)
        finally:
            self._shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if failed:
            name, rc = failed
            raise DevstackError(
                f"{name} exited unexpectedly with code {rc}; stopped the others (log: {self.log_dir / name}.log)"
            )

    def _spawn(self, spec: ProcessSpec) -> None:
        try:
            proc = subprocess.Popen(
                spec.argv,
                cwd=self.cwd,
                env={**self.env, **spec.env},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise DevstackError(f"cannot start {spec.name} ({spec.argv[0]}): {exc.strerror}") from exc
        self.procs[spec.name] = proc
        assert proc.stdout is not None
        t = threading.Thread(target=self._pump, args=(spec.name, proc.stdout), daemon=True)
        t.start()
        self._readers.append(t)

    def _signal_group(self, proc: subprocess.Popen[bytes], sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)  # pgid == pid thanks to start_new_session

    def _shutdown(self) -> None:
        alive = [p for p in self.procs.values() if p.poll() is None]
        if alive:
            info(f"stopping {', '.join(n for n, p in self.procs.items() if p in alive)}")
        # Signal whole groups even when the leader already exited, to catch
        # orphaned workers.
        for proc in self.procs.values():
            self._signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline and not self._force:
            if all(p.poll() is not None for p in self.procs.values()):
                break
            time.sleep(0.1)
        for name, proc in self.procs.items():
            if proc.poll() is None:
                info(f"{name} did not stop within {GRACE_SECONDS:.0f} s; killing it")
            self._signal_group(proc, signal.SIGKILL)
        for proc in self.procs.values():
            proc.wait()
        for t in self._readers:
            t.join(timeout=2)
