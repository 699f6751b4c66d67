"""Video settings: Django settings ORIN_RECORDING_* (tests override them), else the environment
variable of the same name, else the default."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def _setting(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def recordings_root() -> Path:
    """Segments are written by ffmpeg to a local disk; clips go through django-storages."""
    return Path(_setting("ORIN_RECORDINGS_ROOT", settings.MEDIA_ROOT / "recordings"))


def segment_seconds() -> int:
    return int(_setting("ORIN_RECORDING_SEGMENT_SECONDS", 10))


def quota_bytes() -> int:
    """0 = no quota (the free-space floor still applies)."""
    return int(_setting("ORIN_RECORDING_QUOTA_BYTES", 0))


def min_free_bytes() -> int:
    return int(_setting("ORIN_RECORDING_MIN_FREE_BYTES", 1 << 30))


def retention_days() -> float:
    return float(_setting("ORIN_RECORDING_RETENTION_DAYS", 7))


def clip_pre_seconds() -> float:
    return float(_setting("ORIN_CLIP_PRE_SECONDS", 10))


def clip_post_seconds() -> float:
    return float(_setting("ORIN_CLIP_POST_SECONDS", 20))


def reconnect_max_seconds() -> float:
    return float(_setting("ORIN_STREAM_RECONNECT_MAX_SECONDS", 60))
