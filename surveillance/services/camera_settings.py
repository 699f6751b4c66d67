"""The keys a camera's `config` may hold, declared by the app that reads each one, and checked
when a camera is saved through the admin or the API: a misspelt mode or a threshold of "high"
is an error the installer sees, not a silent fallback to the default. Keys nobody declared are
kept as they are (edge devices and integrations store their own)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class CameraSetting:
    key: str
    kind: type  # bool, int, float or str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def problem(self, value) -> str | None:
        """What is wrong with `value` for this key, or None."""
        if self.kind is bool:
            return None if isinstance(value, bool) else "must be true or false"
        if self.kind is str:
            if not isinstance(value, str) or (self.choices and value not in self.choices):
                return f"must be one of {', '.join(self.choices)}" if self.choices else "must be text"
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or (self.kind is int and value != int(value)):
            return "must be a whole number" if self.kind is int else "must be a number"
        if self.high is not None and not self.low <= value <= self.high:
            return f"must be between {self.low:g} and {self.high:g}"
        if self.low is not None and value < self.low:
            return f"must be at least {self.low:g}"
        return None


_settings: dict[str, CameraSetting] = {}


def register_camera_settings(*settings: CameraSetting) -> None:
    for setting in settings:
        _settings[setting.key] = setting


def declared_range(key: str) -> tuple[float, float]:
    setting = _settings[key]
    return setting.low, setting.high


def validate_camera_config(config) -> None:
    """Raise ValidationError listing every declared key whose value is wrong."""
    if not isinstance(config, dict):
        raise ValidationError("the camera's config must be a JSON object")
    problems = [
        f"{key}: {problem}"
        for key, value in sorted(config.items())
        if key in _settings and (problem := _settings[key].problem(value))
    ]
    if problems:
        raise ValidationError(problems)


register_camera_settings(
    CameraSetting("analysis_fps", float, 0.05, 30),
    CameraSetting("motion_threshold", float, 0, 1),
    CameraSetting("offline_after_seconds", int, 1, 86400),
    CameraSetting("loop", bool),
    CameraSetting("realtime", bool),
    CameraSetting("max_frame_width", int, 160, 7680),
    CameraSetting("jpeg_quality", int, 30, 100),
)
