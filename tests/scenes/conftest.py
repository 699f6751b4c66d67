"""Fixtures of the scene-description tests: a real OpenAI-compatible server on 127.0.0.1
(threading http.server) that speaks POST /v1/chat/completions, records every request and answers
as planned (a description, 429 with Retry-After, 5xx, or too slowly), plus two sites with a
camera, an event with a real JPEG snapshot in storage, and an active describer endpoint."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from scenes.models import DescriberEndpoint
from tests.factories import CameraFactory, EventFactory, SiteFactory, UserFactory

DESCRIPTION = "A man in a red jacket stands at the gate holding a ladder."
MODEL = "llava:7b-test"
API_KEY = "sk-local-test-key"


def completion(text: str = DESCRIPTION, model: str = MODEL) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 812, "completion_tokens": 17, "total_tokens": 829},
    }


@dataclass
class Reply:
    status: int = 200
    body: dict | str | None = None  # None: a completion with DESCRIPTION
    delay: float = 0.0
    headers: dict = field(default_factory=dict)


@dataclass
class Received:
    path: str
    headers: dict
    body: dict
    at: float = 0.0
    answered_at: float | None = None


@dataclass
class ChatServer:
    """Requests received, and the replies to give in order (the last one repeats)."""

    base: str = ""
    requests: list = field(default_factory=list)
    replies: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, *replies: Reply) -> None:
        with self.lock:
            self.replies = list(replies)

    def next_reply(self) -> Reply:
        with self.lock:
            if not self.replies:
                return Reply()
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.requests)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.replies.clear()


class _Handler(BaseHTTPRequestHandler):
    server_state: ChatServer

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"unparsed": raw.decode(errors="replace")}
        headers = {k.lower(): v for k, v in self.headers.items()}
        received = Received(self.path, headers, body, time.monotonic())
        with self.server_state.lock:
            self.server_state.requests.append(received)
        reply = self.server_state.next_reply()
        if self.path != "/v1/chat/completions":
            reply = Reply(404, {"error": {"message": f"unknown path {self.path}"}})
        if reply.delay:
            time.sleep(reply.delay)
        payload = reply.body if reply.body is not None else completion()
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            received.answered_at = time.monotonic()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


def _start() -> ChatServer:
    state = ChatServer()
    handler = type("Handler", (_Handler,), {"server_state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="scenes-chat-server", daemon=True).start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    return state


CHAT = _start()


@pytest.fixture
def chat_server() -> ChatServer:
    CHAT.reset()
    yield CHAT
    CHAT.reset()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def jpeg_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def snapshot():
    """A real JPEG in the configured storage (the one a Celery worker reads too)."""
    name = default_storage.save(f"test-scenes/{uuid.uuid4().hex}.jpg", ContentFile(jpeg_bytes()))
    yield name
    default_storage.delete(name)


@dataclass
class World:
    site_a: object
    site_b: object
    cam_a: object
    cam_b: object
    user_a: object
    user_b: object


@pytest.fixture
def world(db) -> World:
    site_a, site_b = SiteFactory(name="Scene Site A"), SiteFactory(name="Scene Site B")
    return World(
        site_a,
        site_b,
        CameraFactory(dvr__site=site_a, name="Gate"),
        CameraFactory(dvr__site=site_b, name="Dock"),
        UserFactory(username="operator_scene_a", role_name="operator", sites=[site_a]),
        UserFactory(username="operator_scene_b", role_name="operator", sites=[site_b]),
    )


@pytest.fixture
def event_a(world, snapshot):
    return EventFactory(camera=world.cam_a, image_path=snapshot)


@pytest.fixture
def endpoint(db, chat_server) -> DescriberEndpoint:
    return DescriberEndpoint.objects.create(
        name="local llava",
        base_url=chat_server.base,
        model=MODEL,
        api_key=API_KEY,
        is_active=True,
        timeout_seconds=2,
        max_attempts=3,
        requests_per_minute=100,
        daily_budget=100,
    )
