"""The services ORIN needs and the environment that points Django at them."""

from __future__ import annotations

import fcntl
import os
import shlex
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from . import DevstackError
from .config import Settings
from .detector_model import MODEL_NAME, provision_detector
from .models import provision
from .paths import Paths
from .postgres import EmbeddedPostgres
from .redis import EmbeddedRedis
from .util import info

SETTINGS_MODULE = "orin.settings"


class Service(Protocol):
    name: str

    @property
    def url(self) -> str: ...
    def running(self) -> object: ...
    def ensure_started(self) -> bool: ...
    def stop(self) -> bool: ...


class Stack:
    def __init__(self, paths: Paths, settings: Settings) -> None:
        self.paths = paths
        self.settings = settings
        self.postgres = EmbeddedPostgres(paths, settings.pg_port)
        self.redis = EmbeddedRedis(paths, settings.redis_port)

    @property
    def managed(self) -> list[Service]:
        """Embedded services in use: the user's DATABASE_URL/REDIS_URL replace ours."""
        services: list[Service] = []
        if self.settings.database_url is None:
            services.append(self.postgres)
        if self.settings.redis_url is None:
            services.append(self.redis)
        return services

    @contextmanager
    def _lock(self) -> Iterator[None]:
        # Two orinctl commands started together must not both initdb/start.
        self.paths.ensure_dirs()
        with (self.paths.run / "services.lock").open("w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            yield

    def start(self) -> list[Service]:
        """Ensure services run and the model pack exists; returns the ones we started."""
        started: list[Service] = []
        with self._lock():
            try:
                for svc in self.managed:
                    if svc.ensure_started():
                        started.append(svc)
                if not os.environ.get("ORIN_FACE_MODEL_DIR"):
                    provision(self.paths.models)
                if not os.environ.get("ORIN_DETECTOR_MODEL"):
                    self._provision_detector()
            except BaseException:
                # Half a stack is useless; don't leave what we just started behind.
                for svc in reversed(started):
                    svc.stop()
                raise
        return started

    def _provision_detector(self) -> None:
        # Without it ORIN still runs (faces only; `doctor` says why), so a failure only warns.
        try:
            provision_detector(self.paths.models)
        except (DevstackError, OSError, subprocess.SubprocessError) as exc:
            info(f"warning: object detector not installed ({exc}); detection stays off")

    def stop(self, services: list[Service] | None = None) -> list[Service]:
        """Stop the given services (default: all embedded ones, whatever URLs are set)."""
        targets: list[Service] = [self.postgres, self.redis] if services is None else services
        with self._lock():
            # Redis first: workers lose their broker before their database.
            return [svc for svc in reversed(targets) if svc.stop()]

    def exports(self) -> dict[str, str]:
        env = os.environ
        return {
            "DATABASE_URL": self.settings.database_url or self.postgres.url,
            "REDIS_URL": self.settings.redis_url or self.redis.url,
            "ORIN_FACE_MODEL_DIR": env.get("ORIN_FACE_MODEL_DIR") or str(self.paths.models / "buffalo_s"),
            "ORIN_MEDIA_ROOT": env.get("ORIN_MEDIA_ROOT") or str(self.paths.media),
            "ORIN_DETECTOR_MODEL": env.get("ORIN_DETECTOR_MODEL") or str(self.paths.models / "detector" / MODEL_NAME),
            "DJANGO_SETTINGS_MODULE": env.get("DJANGO_SETTINGS_MODULE") or SETTINGS_MODULE,
        }

    def child_env(self) -> dict[str, str]:
        """Environment for Django processes: ours plus the venv on PATH."""
        venv_bin = str(self.paths.venv_bin)
        path = os.environ.get("PATH", "")
        return {
            **os.environ,
            **self.exports(),
            "VIRTUAL_ENV": str(self.paths.venv),
            "PATH": f"{venv_bin}:{path}" if path else venv_bin,
            "PYTHONUNBUFFERED": "1",
        }

    def shell_exports(self) -> str:
        return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in self.exports().items())
