"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from rest_framework import serializers


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class JSONObjectField(serializers.JSONField):
    """A JSON object (dict). PostgreSQL's jsonb cannot store NUL characters, so they are an input
    error here rather than a database error later."""

    default_error_messages = {
        "not_an_object": "a JSON object is required",
        "nul": "text may not contain NUL characters",
    }

    def __init__(self, *, allow_list: bool = False, **kwargs) -> None:
        self.allow_list = allow_list
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict) and not (self.allow_list and isinstance(value, list)):
            self.fail("not_an_object")
        if _has_nul(value):
            self.fail("nul")
        return value


def redacted_url(url: str | None) -> str | None:
    """A stream URL without its user:password part."""
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.username is None and parts.password is None:
            return url
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = host + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return None
    return urlunsplit(parts._replace(netloc=netloc))
