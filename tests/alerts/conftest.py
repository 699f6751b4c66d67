"""Fixtures of the alerts tests: real local stand-ins for the third parties.

One HTTP server (Telegram, WhatsApp and webhooks by path) and one SMTP server (aiosmtpd), both
on 127.0.0.1, recording what they receive. They start when this conftest is imported, before
any test runs, and their addresses go into the environment, so every Celery worker started in
this session (the shared `celery_worker_process` included) talks to them and nothing leaves
the machine.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import start_celery_worker, stop_process


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes
    at: float


@dataclass
class Planned:
    status: int = 200
    body: bytes = b'{"ok": true}'
    delay: float = 0.0


@dataclass
class HttpRecorder:
    """Requests received, and per path prefix the responses to give (last one repeats)."""

    requests: list = field(default_factory=list)
    plans: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""

    def plan(self, prefix: str, *responses: Planned) -> None:
        with self.lock:
            self.plans[prefix] = list(responses)

    def next_response(self, path: str) -> Planned:
        with self.lock:
            prefixes = sorted((p for p in self.plans if path.startswith(p)), key=len, reverse=True)
            if not prefixes:
                return Planned()
            queue = self.plans[prefixes[0]]
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def received(self, prefix: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path.startswith(prefix)]


class _Handler(BaseHTTPRequestHandler):
    recorder: HttpRecorder

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with self.recorder.lock:
            self.recorder.requests.append(
                Received("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time())
            )
        planned = self.recorder.next_response(self.path)
        if planned.delay:
            time.sleep(planned.delay)
        try:
            self.send_response(planned.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(planned.body)))
            self.end_headers()
            self.wfile.write(planned.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


@dataclass
class MailRecorder:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        self.messages.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message_from_bytes(envelope.content)}
        )
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["to"]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_servers() -> tuple[HttpRecorder, MailRecorder]:
    recorder = HttpRecorder()
    handler = type("Handler", (_Handler,), {"recorder": recorder})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="alerts-http-recorder", daemon=True).start()
    recorder.base = f"http://127.0.0.1:{server.server_address[1]}"
    mail = MailRecorder()
    smtp_port = _free_port()
    Controller(mail, hostname="127.0.0.1", port=smtp_port).start()
    os.environ.update(
        {
            "ORIN_TELEGRAM_API_BASE": f"{recorder.base}/telegram",
            "ORIN_WHATSAPP_API_BASE": f"{recorder.base}/whatsapp",
            "ORIN_EMAIL_HOST": "127.0.0.1",
            "ORIN_EMAIL_PORT": str(smtp_port),
            "ORIN_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        }
    )
    return recorder, mail


HTTP, MAIL = _start_servers()


@pytest.fixture
def http_recorder(settings) -> HttpRecorder:
    # The same addresses for code that runs inside the test process.
    settings.ORIN_TELEGRAM_API_BASE = os.environ["ORIN_TELEGRAM_API_BASE"]
    settings.ORIN_WHATSAPP_API_BASE = os.environ["ORIN_WHATSAPP_API_BASE"]
    with HTTP.lock:
        HTTP.plans.clear()  # a planned failure must not outlive the test that planned it
    return HTTP


@pytest.fixture
def mail_recorder(settings) -> MailRecorder:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = int(os.environ["ORIN_EMAIL_PORT"])
    return MAIL


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05, message: str = "condition"):
    """Poll until `predicate()` is truthy (returns it) or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")


@pytest.fixture
def second_worker(celery_worker_process):
    """Another `celery worker` process (its own node) on the notifications queue."""
    name = f"alerts-second-{os.getpid()}"
    proc = start_celery_worker(name, queues="notifications", concurrency=1, log_name="celery-worker-alerts-second")
    yield name
    stop_process(proc)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Factories set passwords; Argon2's deliberate slowness buys nothing in these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
