"""Where orinctl keeps its state: everything lives under one ignored ``.orin/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    root: Path = REPO_ROOT

    @property
    def state(self) -> Path:
        return self.root / ".orin"

    @property
    def venv(self) -> Path:
        return self.state / "venv"

    @property
    def venv_bin(self) -> Path:
        return self.venv / "bin"

    @property
    def pgdata(self) -> Path:
        return self.state / "pgdata"

    @property
    def redis(self) -> Path:
        return self.state / "redis"

    @property
    def models(self) -> Path:
        return self.state / "models"

    @property
    def media(self) -> Path:
        return self.state / "media"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def run(self) -> Path:
        return self.state / "run"

    def ensure_dirs(self) -> None:
        for d in (self.state, self.redis, self.models, self.media, self.logs, self.run):
            d.mkdir(parents=True, exist_ok=True)
