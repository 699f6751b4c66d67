"""Shared fixtures. Every test talks to the real PostgreSQL (pgvector) and Redis that
`./orinctl test` provides; nothing here replaces them with stand-ins."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import CameraFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", role_name="super_admin", is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    return sign_in(client, superuser)


def sign_in(client, user):
    """`client.force_login(user)`, plus a passed second factor when the user's role requires one
    (the session then looks exactly as after entering a TOTP code): use this, not force_login,
    for admins in tests of other areas. tests/security walks through the real MFA pages."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.mfa_models import TOTPDevice
    from accounts.services.mfa import mfa_required

    client.force_login(user)
    if mfa_required(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def camera(db):
    return CameraFactory()


def test_database_url() -> str:
    """DATABASE_URL of the database pytest-django created, for processes we start."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


test_database_url.__test__ = False


def start_process(argv: list[str], env_extra: dict | None = None, log_name: str = "proc") -> subprocess.Popen:
    log_dir = ROOT / "test-artifacts" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": test_database_url(), **(env_extra or {})}
    log = open(log_dir / f"{log_name}.log", "ab")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_celery_worker(
    node: str,
    queues: str = "recognition,notifications,maintenance,celery",
    concurrency: int | None = 2,
    log_name: str = "celery-worker",
    env_extra: dict | None = None,
    wait: bool = True,
) -> subprocess.Popen:
    """A real `celery worker` process (node name `node@host`) against the test database;
    returns once it answers a ping (unless wait=False)."""
    from orin.celery import app

    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "orin",
        "worker",
        "-Q",
        queues,
        "-l",
        "info",
        "-n",
        f"{node}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    if concurrency is not None:
        argv += ["-c", str(concurrency)]
    proc = start_process(argv, env_extra=env_extra, log_name=log_name)
    deadline = time.monotonic() + 60
    while wait and time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker {node} exited at start; see test-artifacts/logs/{log_name}.log")
        replies = app.control.ping(timeout=1.0) or []
        if any(name.startswith(f"{node}@") for reply in replies for name in reply):
            return proc
    if wait:
        stop_process(proc)
        raise RuntimeError(f"celery worker {node} did not answer a ping within 60 s")
    return proc


@pytest.fixture(scope="session")
def _shared_celery_worker(django_db_setup, django_db_blocker):
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        stop_process(proc)


@pytest.fixture
def celery_worker_process(_shared_celery_worker):
    """A real `celery worker` process on every queue, using the test database, shared by the
    session. Started again if an earlier test's fault (the fault suite stops Redis, and a
    worker whose broker vanishes mid-restore exits: kombu's "Unrecoverable error") left it dead."""
    procs = _shared_celery_worker
    if not procs or procs[-1].poll() is not None:
        procs.append(start_celery_worker(f"test-{os.getpid()}-{len(procs)}"))
    return procs[-1]


@pytest.fixture
def without_shared_worker(_shared_celery_worker):
    """For tests whose own workers must be the only consumers; the next test that asks for
    `celery_worker_process` starts the shared one again."""
    for proc in _shared_celery_worker:
        stop_process(proc)
