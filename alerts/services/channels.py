"""Channel configuration: the common delivery settings (seed 004 §9 `config`) and WhatsApp
recipient groups."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

DEFAULTS = {"timeout_seconds": 30, "retry_count": 3, "rate_limit_per_min": 60, "retry_backoff_seconds": 2}
LIMITS = {
    "timeout_seconds": (0.1, 120),
    "retry_count": (1, 10),
    "rate_limit_per_min": (0, 100_000),
    "retry_backoff_seconds": (0, 3600),
}
_PHONE = re.compile(r"^\+?[1-9]\d{6,14}$")


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    timeout_seconds: float
    retry_count: int  # attempts in all, the first included
    rate_limit_per_min: int  # 0 = unlimited
    retry_backoff_seconds: float  # doubles after each failed attempt

    def backoff(self, attempts_made: int) -> float:
        return self.retry_backoff_seconds * 2 ** max(attempts_made - 1, 0)


def validate_channel_config(config, channel_type: str | None = None) -> None:
    if not isinstance(config, dict):
        raise ValidationError("The config must be an object.")
    errors = []
    for key, (low, high) in LIMITS.items():
        if key not in config:
            continue
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            errors.append(f"{key} must be a number from {low} to {high}.")
        elif key in ("retry_count", "rate_limit_per_min") and not isinstance(value, int):
            errors.append(f"{key} must be a whole number.")
    groups = config.get("groups")
    if groups is not None:
        if not isinstance(groups, dict):
            errors.append('groups must be an object: {"security-team": ["+6591234567"]}.')
        else:
            for name, numbers in groups.items():
                if not isinstance(numbers, list) or not all(isinstance(n, str) and _PHONE.match(n) for n in numbers):
                    errors.append(f"group {name!r} must list phone numbers in E.164 form (+6591234567).")
    if errors:
        raise ValidationError(errors)


def _setting(config: dict, key: str) -> float:
    """The configured value within its limits; the default when it is missing or unusable
    (a config written around validation must not stop deliveries)."""
    low, high = LIMITS[key]
    value = config.get(key, DEFAULTS[key])
    if isinstance(value, bool) or not isinstance(value, int | float):
        return DEFAULTS[key]
    return min(max(value, low), high)


def delivery_settings(config: dict | None) -> DeliverySettings:
    config = config if isinstance(config, dict) else {}
    return DeliverySettings(
        timeout_seconds=float(_setting(config, "timeout_seconds")),
        retry_count=int(_setting(config, "retry_count")),
        rate_limit_per_min=int(_setting(config, "rate_limit_per_min")),
        retry_backoff_seconds=float(_setting(config, "retry_backoff_seconds")),
    )


def whatsapp_recipients(recipient_groups: list, config: dict | None) -> list[str]:
    """Phone numbers for the config's recipient groups (numbers or names from config["groups"])."""
    groups = (config or {}).get("groups") or {}
    numbers: list[str] = []
    for entry in recipient_groups or []:
        if isinstance(entry, str) and _PHONE.match(entry):
            candidates = [entry]
        elif isinstance(entry, str) and entry in groups:
            candidates = groups[entry]
        else:
            raise ValidationError(f"Recipient group {entry!r} is neither a phone number nor a group in the config.")
        numbers.extend(n.lstrip("+") for n in candidates if n.lstrip("+") not in numbers)
    return numbers
