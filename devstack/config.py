"""User-facing settings (environment variables), validated up front.

Validation runs before anything touches the disk or the network, so a typo in
DATABASE_URL costs a second, not a venv bootstrap.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import DevstackError

DEFAULT_PG_PORT = 54329
DEFAULT_REDIS_PORT = 63799
DEFAULT_HTTP_PORT = 8000

# Schemes dj-database-url maps to the PostgreSQL backend.
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")
REDIS_SCHEMES = ("redis", "rediss")


@dataclass(frozen=True)
class Settings:
    pg_port: int
    redis_port: int
    http_port: int
    database_url: str | None  # None: use the embedded PostgreSQL
    redis_url: str | None  # None: use the embedded Redis


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise DevstackError(f"{name} must be a TCP port number (1-65535), got {raw!r}")
    return int(raw)


def _check_port_part(name: str, url: str, kind: str) -> None:
    try:
        urlsplit(url).port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise DevstackError(f"{name} is not a valid {kind} URL: {exc}") from exc


def validate_database_url(url: str) -> None:
    name = "DATABASE_URL"
    kind = "postgres://"
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise DevstackError(
            f"{name} is not a valid {kind} URL: scheme {parts.scheme or '(none)'!r} "
            f"(expected postgres://user@host:port/dbname)"
        )
    _check_port_part(name, url, kind)
    if not parts.hostname:
        raise DevstackError(
            f"{name} is not a valid {kind} URL: missing host (expected postgres://user@host:port/dbname)"
        )
    if not parts.path.strip("/"):
        raise DevstackError(
            f"{name} is not a valid {kind} URL: missing database name (expected postgres://user@host:port/dbname)"
        )


def validate_redis_url(url: str) -> None:
    name = "REDIS_URL"
    parts = urlsplit(url)
    if parts.scheme == "unix":
        if not parts.path:
            raise DevstackError(f"{name} is not a valid redis:// URL: unix:// URL without a socket path")
        return
    kind = "redis://"
    if parts.scheme not in REDIS_SCHEMES:
        raise DevstackError(
            f"{name} is not a valid {kind} URL: scheme {parts.scheme or '(none)'!r} (expected redis://host:port/db)"
        )
    _check_port_part(name, url, kind)
    if not parts.hostname:
        raise DevstackError(f"{name} is not a valid {kind} URL: missing host (expected redis://host:port/db)")
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise DevstackError(f"{name} is not a valid {kind} URL: database {db!r} is not a number")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    # An exported-but-empty variable is treated as unset, like most tools do.
    database_url = env.get("DATABASE_URL") or None
    redis_url = env.get("REDIS_URL") or None
    if database_url is not None:
        validate_database_url(database_url)
    if redis_url is not None:
        validate_redis_url(redis_url)
    return Settings(
        pg_port=_port(env, "ORIN_PG_PORT", DEFAULT_PG_PORT),
        redis_port=_port(env, "ORIN_REDIS_PORT", DEFAULT_REDIS_PORT),
        http_port=_port(env, "ORIN_HTTP_PORT", DEFAULT_HTTP_PORT),
        database_url=database_url,
        redis_url=redis_url,
    )
