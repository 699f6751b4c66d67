"""Video settings, read from Django settings with these defaults (env vars ORIN_RECORDING_*)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def recordings_root() -> Path:
    """Segments are written by ffmpeg to a local disk; clips go through django-storages."""
    return Path(
        getattr(settings, "ORIN_RECORDINGS_ROOT", None)
        or _env("ORIN_RECORDINGS_ROOT", "")
        or settings.MEDIA_ROOT / "recordings"
    )


def segment_seconds() -> int:
    return int(
        getattr(settings, "ORIN_RECORDING_SEGMENT_SECONDS", None) or _env("ORIN_RECORDING_SEGMENT_SECONDS", "10")
    )


def quota_bytes() -> int:
    """0 = no quota (the free-space floor still applies)."""
    return int(getattr(settings, "ORIN_RECORDING_QUOTA_BYTES", None) or _env("ORIN_RECORDING_QUOTA_BYTES", "0"))


def min_free_bytes() -> int:
    return int(
        getattr(settings, "ORIN_RECORDING_MIN_FREE_BYTES", None) or _env("ORIN_RECORDING_MIN_FREE_BYTES", str(1 << 30))
    )


def retention_days() -> float:
    return float(getattr(settings, "ORIN_RECORDING_RETENTION_DAYS", None) or _env("ORIN_RECORDING_RETENTION_DAYS", "7"))


def clip_pre_seconds() -> float:
    return float(_env("ORIN_CLIP_PRE_SECONDS", "10"))


def clip_post_seconds() -> float:
    return float(_env("ORIN_CLIP_POST_SECONDS", "20"))


def reconnect_max_seconds() -> float:
    return float(getattr(settings, "ORIN_STREAM_RECONNECT_MAX_SECONDS", 60))
