"""Foreground supervisor for `orinctl run`: several children, one terminal.

Each child's output is shown with a name prefix and also appended to
.orin/logs/<name>.log. Children get their own process group so that Ctrl-C
reaches only us and we can stop them in order (SIGTERM, then SIGKILL after a
grace period), including grandchildren such as celery's prefork pool.

A child that exits on its own (a crash, a database that blinked) is started
again after a backoff (1 s, doubling, at most 30 s; reset once it has run for a
minute), and the restart is announced. Only Ctrl-C/SIGTERM, or one child
crashing MAX_CRASHES times within CRASH_WINDOW_SECONDS, stops the stack.
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
RESTART_INITIAL_SECONDS = 1.0
RESTART_MAX_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0  # a child that ran this long starts its backoff over
MAX_CRASHES = 5
CRASH_WINDOW_SECONDS = 120.0
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
        self._by_name = {s.name: s for s in specs}
        self._started_at: dict[str, float] = {}
        self._crashes: dict[str, list[float]] = {s.name: [] for s in specs}
        self._backoff: dict[str, float] = {s.name: RESTART_INITIAL_SECONDS for s in specs}
        self._restart_at: dict[str, float] = {}  # name -> monotonic time of its next start
        self.restarts: dict[str, int] = {s.name: 0 for s in specs}
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
        """Run until Ctrl-C/SIGTERM (returns) or until a child keeps crashing (raises)."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        failed: tuple[str, int] | None = None
        try:
            for spec in self.specs:
                self._spawn(spec)
            started_at = time.monotonic()
            while not self._stop.is_set():
                failed = self._watch_children()
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
                f"{name} exited with code {rc} {MAX_CRASHES} times within {CRASH_WINDOW_SECONDS:.0f} s; "
                f"stopped the others (log: {self.log_dir / name}.log)"
            )

    def _watch_children(self) -> tuple[str, int] | None:
        """Schedule restarts of children that exited, start those that are due; returns
        (name, exit code) of a child that crashed too often."""
        now = time.monotonic()
        for name, proc in list(self.procs.items()):
            if name in self._restart_at:
                if now >= self._restart_at[name]:
                    del self._restart_at[name]
                    self.restarts[name] += 1
                    info(f"restarting {name} (restart {self.restarts[name]})")
                    self._spawn(self._by_name[name])
                continue
            rc = proc.poll()
            if rc is None:
                continue
            crashes = [t for t in self._crashes[name] if now - t < CRASH_WINDOW_SECONDS] + [now]
            self._crashes[name] = crashes
            if len(crashes) >= MAX_CRASHES:
                return name, rc
            if now - self._started_at.get(name, now) >= STABLE_AFTER_SECONDS:
                self._backoff[name] = RESTART_INITIAL_SECONDS
            delay = self._backoff[name]
            self._backoff[name] = min(delay * 2, RESTART_MAX_SECONDS)
            self._signal_group(proc, signal.SIGKILL)  # orphans of the dead leader (e.g. a pool)
            info(
                f"{name} exited with code {rc}; restarting it in {delay:.0f} s "
                f"({len(crashes)} exit(s) in {CRASH_WINDOW_SECONDS:.0f} s; the stack stops at {MAX_CRASHES})"
            )
            self._restart_at[name] = now + delay
        return None

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
        self._started_at[spec.name] = time.monotonic()
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
