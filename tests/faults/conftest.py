"""Fault injection with the real services: the embedded Redis is stopped and started, the
embedded PostgreSQL restarted (`pg_ctl stop -m fast` + start), through the devstack helpers that
`./orinctl` itself uses. Every fixture puts the services back, whatever the test did.

An edge device (`EdgeDevice`) posts keyed detection batches to a real daphne process the way a
device should: a batch is re-sent with the same keys until it gets a 2xx answer; every answer is
counted by status, and any answer that is neither 2xx nor a JSON 503 with Retry-After is kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from devstack.config import load_settings
from devstack.paths import Paths
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from tests.conftest import ROOT, start_process, stop_process
from tests.ops.conftest import free_port, wait_for

INGEST = "/api/v1/ingest/events"


class Services:
    """The embedded PostgreSQL and Redis that this test run uses."""

    def __init__(self) -> None:
        # Ports only (ORIN_PG_PORT / ORIN_REDIS_PORT): the URLs are checked against Django's below.
        config = load_settings({k: v for k, v in os.environ.items() if k.startswith("ORIN_")})
        paths = Paths()
        self.postgres = EmbeddedPostgres(paths, config.pg_port)
        self.redis = EmbeddedRedis(paths, config.redis_port)
        db_port = int(connection.settings_dict["PORT"] or 5432)
        redis_port = urlsplit(settings.REDIS_URL).port
        if db_port != self.postgres.port or redis_port != self.redis.port:
            raise RuntimeError(
                "the fault tests stop and restart the embedded PostgreSQL and Redis; run them with "
                "./orinctl test and without DATABASE_URL / REDIS_URL pointing elsewhere"
            )

    def stop_redis(self) -> None:
        assert self.redis.stop(), "the embedded Redis was not running"

    def start_redis(self) -> None:
        self.redis.ensure_started()
        # This process's broker connections (kombu's pool) died with the server; the services and
        # workers under test reconnect by themselves, later tests in this process need fresh ones.
        from orin.celery import app

        if app._pool is not None:  # what celery does after a fork: close the pool, make a new one on demand
            app._pool.force_close_all()
            app._pool = None

    def stop_postgres(self) -> None:
        assert self.postgres.stop(), "the embedded PostgreSQL was not running"

    def start_postgres(self) -> None:
        self.postgres.ensure_started()
        for conn in connections.all(initialized_only=True):
            conn.close()  # this process's sessions died with the server

    def restart_postgres(self, down_seconds: float = 0.0) -> float:
        """Stop (fast: sessions are cut) and start again; returns the seconds it was away."""
        started = time.monotonic()
        self.stop_postgres()
        if down_seconds:
            time.sleep(down_seconds)  # the outage itself is what is under test
        self.start_postgres()
        return time.monotonic() - started


@pytest.fixture
def services(django_db_setup, django_db_blocker):
    svc = Services()
    yield svc
    # Whatever happened, leave both running for the next test.
    if svc.redis.running() is None:
        svc.start_redis()
    if svc.postgres.running() is None:
        svc.start_postgres()


def start_web(log_name: str) -> tuple[object, str]:
    """`python -m orin.web_server` (daphne) against the test database; returns (process, base URL)."""
    port = free_port()
    log_path = ROOT / "test-artifacts" / "logs" / f"{log_name}.log"
    log_path.unlink(missing_ok=True)  # this run's lines only
    proc = start_process(
        [sys.executable, "-m", "orin.web_server", "-b", "127.0.0.1", "-p", str(port), "orin.asgi:application"],
        env_extra={"ORIN_THROTTLE_INGEST": "100000/min", "ORIN_THROTTLE_API_KEY": "100000/min"},
        log_name=log_name,
    )
    base = f"http://127.0.0.1:{port}"
    proc.log_path = log_path

    def answers() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"the web server exited at start; see test-artifacts/logs/{log_name}.log")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2).close()  # noqa: S310 (our server)
        except urllib.error.HTTPError:
            return True  # it answers, whatever it thinks of its health
        except OSError:
            return False
        return True

    wait_for(answers, timeout=60, what="the web server to answer")
    return proc, base


@pytest.fixture
def web(django_db_setup, django_db_blocker, request):
    proc, base = start_web(f"faults-web-{request.node.name[:40]}")
    yield proc, base
    stop_process(proc)


@dataclass
class Answer:
    status: int
    content_type: str
    retry_after: str | None
    body: bytes


def post_json(url: str, payload, headers: dict, timeout: float = 10) -> Answer:
    data = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **headers}
    req = urllib.request.Request(url, data=data, method="POST", headers=headers)  # noqa: S310 (our server)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (our server)
            return Answer(resp.status, resp.headers.get("Content-Type", ""), None, resp.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.headers.get("Content-Type", ""), exc.headers.get("Retry-After"), exc.read())


@dataclass
class EdgeDevice:
    """Posts keyed batches until stopped; each batch is retried with the same keys until 2xx."""

    base: str
    raw_key: str
    camera_id: str
    batch_size: int = 10
    statuses: Counter = field(default_factory=Counter)
    stored_keys: list[str] = field(default_factory=list)
    unexpected: list[Answer] = field(default_factory=list)
    connection_errors: int = 0
    recoveries: list[float] = field(default_factory=list)  # seconds from first failure to success, per batch

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="edge-device", daemon=True)
        self._sequence = 0

    def start(self) -> EdgeDevice:
        self._thread.start()
        return self

    def stop(self, timeout: float = 60) -> None:
        self._stop.set()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the edge device could not deliver its last batch"

    def delivered(self) -> int:
        return len(self.stored_keys)

    def _batch(self) -> list[dict]:
        at = (timezone.now() - dt.timedelta(seconds=2)).isoformat()
        items = []
        for _ in range(self.batch_size):
            self._sequence += 1
            items.append(
                {
                    "key": f"edge-{self._sequence:06d}",
                    "camera": self.camera_id,
                    "event_type": "human_detected",
                    "confidence": 0.9,
                    "bounding_box": {"x": 10, "y": 20, "width": 50, "height": 120},
                    "timestamp": at,
                }
            )
        return items

    def _run(self) -> None:
        headers = {"Authorization": f"Api-Key {self.raw_key}"}
        deadline_after_stop = 45.0
        while not self._stop.is_set():
            batch = self._batch()
            failing_since = None
            stopped_at = None
            while True:
                try:
                    answer = post_json(self.base + INGEST, batch, headers)
                except OSError:
                    self.connection_errors += 1
                    answer = None
                if answer is not None:
                    self.statuses[answer.status] += 1
                    if 200 <= answer.status < 300:
                        self.stored_keys += [item["key"] for item in batch]
                        if failing_since is not None:
                            self.recoveries.append(time.monotonic() - failing_since)
                        break
                    if not (
                        answer.status == 503
                        and answer.content_type.startswith("application/json")
                        and answer.retry_after
                    ):
                        self.unexpected.append(answer)
                failing_since = failing_since or time.monotonic()
                if self._stop.is_set():
                    stopped_at = stopped_at or time.monotonic()
                    if time.monotonic() - stopped_at > deadline_after_stop:
                        return
                time.sleep(0.2)  # a real device would honour Retry-After; the test keeps it short
