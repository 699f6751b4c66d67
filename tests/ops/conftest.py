"""Fixtures for the operations tests: a movable clock, per-test media, partition clean-up,
waiting on conditions (never sleeping for a fixed time), and direct database connections that
play "another process"."""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from surveillance.services import partitions
from tests.conftest import test_database_url


@pytest.fixture
def clock(monkeypatch):
    """Move Django's clock: `clock.set(datetime)`; every `timezone.now()` then answers it."""

    class Clock:
        def __init__(self):
            self.now = timezone.now()

        def set(self, value: dt.datetime) -> dt.datetime:
            self.now = value
            return value

    fake = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fake.now)
    return fake


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def wait_for(condition: Callable[[], object], timeout: float = 60, interval: float = 0.2, what: str = "condition"):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


@pytest.fixture
def other_connection(db):
    """A second database session (another process's view): autocommit unless a test opens a
    transaction on it."""
    conn = psycopg.connect(test_database_url(), autocommit=True)
    yield conn
    conn.close()


@pytest.fixture
def drop_partitions_after():
    """Transactional tests create real partitions; remove the ones a test names afterwards."""
    names: list[str] = []
    yield names
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


def partition_names(table: str) -> set[str]:
    return {p.name for p in partitions.list_partitions(table)}


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
