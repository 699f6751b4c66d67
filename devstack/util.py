"""Small process/socket helpers shared by the service modules."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from . import DevstackError

LOCALHOST = "127.0.0.1"


def info(message: str) -> None:
    # Progress goes to stderr so `eval "$(./orinctl services)"` sees only exports.
    print(f"orinctl: {message}", file=sys.stderr, flush=True)


def port_is_free(port: int, host: str = LOCALHOST) -> bool:
    """True if we could bind host:port (SO_REUSEADDR ignores TIME_WAIT leftovers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise DevstackError(f"cannot check port {port}: {exc}") from exc
    return True


def pid_exists(pid: int) -> bool:
    """True for any process table entry, zombies included."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    return True


def pid_alive(pid: int) -> bool:
    if not pid_exists(pid):
        return False
    # A SIGKILLed daemon whose parent is a non-reaping PID 1 (common in
    # containers) lingers as a zombie: it still "exists" but is dead.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def process_comm(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None


def process_cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def read_pidfile(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except FileNotFoundError:
        return None
    except (ValueError, IndexError):
        return None  # empty/garbled file from a crash: treat as stale
    except PermissionError as exc:
        raise DevstackError(f"cannot read {path}: {exc.strerror} (was it created by another user?)") from exc


def tail(path: Path, lines: int = 20) -> str:
    try:
        with path.open(errors="replace") as f:
            return "".join(deque(f, maxlen=lines))
    except OSError:
        return ""


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def run_quiet(
    cmd: Sequence[str], *, log: Path | None = None, what: str, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run a helper binary, keeping its chatter out of the terminal unless it fails."""
    try:
        proc = subprocess.run(
            list(cmd),
            check=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            **kwargs,  # type: ignore[call-overload]
        )
    except FileNotFoundError as exc:
        raise DevstackError(f"{what}: {exc.filename} not found") from exc
    if log is not None:
        with log.open("a") as f:
            f.write(f"$ {' '.join(cmd)}\n{proc.stdout}")
    if proc.returncode != 0:
        out = proc.stdout.strip()
        if out:
            print(out, file=sys.stderr)
        where = f" (log: {log})" if log else ""
        raise DevstackError(f"{what} failed with exit code {proc.returncode}{where}")
    return proc
