"""Two of everything on one machine, as production runs them on two (docs/scale.md): two daphne
nodes and two Celery workers, real processes, against one PostgreSQL and one Redis.

- an alert raised through node A reaches a websocket on node B (and nobody of another site);
- frames queued while both workers run are each recognised exactly once, by both workers;
- a worker node killed outright (SIGKILL to the whole process group) mid-task: the other one
  takes its unacknowledged frame over once the visibility timeout passes, nothing is lost and
  nothing is stored twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import socket
import sys

import pytest
import requests
import websockets
from django.test import Client
from django.utils import timezone

from accounts.services.api_keys import issue_api_key
from alerts.models import Alert
from faces.models import FrameStatus, IngestFrame
from faces.services.ingest import submit_frame
from orin.celery import app
from surveillance.models import Event
from tests.conftest import sign_in, start_celery_worker, start_process, stop_process
from tests.faces.conftest import jpeg, read_photo
from tests.factories import AlertRuleFactory, CameraFactory, SiteFactory, UserFactory
from tests.ops.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Short enough for a test, long enough for a frame on a busy 2-core box (see the kill test).
VISIBILITY_TIMEOUT = 20
WORKER_ENV = {
    "ORIN_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    "ORIN_CELERY_RESTORE_INTERVAL": "1",
    "ORIN_CELERY_RESTORE_THROTTLE": "1",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web_node(name: str):
    port = free_port()
    argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "orin.asgi:application"]
    proc = start_process(argv, log_name=f"two-nodes-{name}")

    def healthy():
        if proc.poll() is not None:
            raise AssertionError(f"daphne {name} exited; see test-artifacts/logs/two-nodes-{name}.log")
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500
        except requests.ConnectionError:
            return False

    wait_for(healthy, timeout=90, what=f"daphne {name} to answer")
    return proc, port


@pytest.fixture
def web_nodes():
    nodes = [start_web_node("a"), start_web_node("b")]
    yield [port for _, port in nodes]
    for proc, _ in nodes:
        stop_process(proc)


@pytest.fixture
def worker_nodes(without_shared_worker):
    app.control.purge()
    names = [f"two-{os.getpid()}-{n}" for n in "ab"]
    procs = {name: start_celery_worker(name, concurrency=1, log_name=name, env_extra=WORKER_ENV) for name in names}
    yield procs
    for proc in procs.values():
        stop_process(proc)


def cookie_for(user) -> str:
    return f"sessionid={sign_in(Client(), user).cookies['sessionid'].value}"


async def listen(port: int, cookie: str, seconds: float, until_alert: bool) -> list[dict]:
    """Messages a console socket on `port` receives; stops at the first alert if asked."""
    headers = {"Cookie": cookie, "Origin": f"http://127.0.0.1:{port}"}
    got = []
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/console/", additional_headers=headers) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "hello"
        got.append({"type": "ready"})
        try:
            async with asyncio.timeout(seconds):
                async for raw in ws:
                    got.append(json.loads(raw))
                    if until_alert and got[-1].get("kind") == "alert":
                        break
        except TimeoutError:
            pass
    return got


def test_alert_raised_through_node_a_reaches_a_socket_on_node_b(web_nodes):
    node_a, node_b = web_nodes
    site_a, site_b = SiteFactory(name="Two A"), SiteFactory(name="Two B")
    camera = CameraFactory(dvr__site=site_a)
    AlertRuleFactory(camera=camera, event_type="human_detected", confidence_threshold="0.1", severity="high")
    operator_a = UserFactory(role_name="operator", sites=[site_a])
    operator_b = UserFactory(role_name="operator", sites=[site_b])
    device = UserFactory(role_name="api_client", sites=[site_a], is_staff=False)
    _, key = issue_api_key(device, "two nodes", sites=[site_a])
    cookie_a, cookie_b = cookie_for(operator_a), cookie_for(operator_b)

    async def scenario():
        on_b = asyncio.ensure_future(listen(node_b, cookie_a, 60, until_alert=True))
        stranger = asyncio.ensure_future(listen(node_b, cookie_b, 8, until_alert=False))
        await asyncio.sleep(3)  # both sockets joined their groups (hello received well before)
        body = [
            {
                "camera": str(camera.id),
                "event_type": "human_detected",
                "confidence": 0.9,
                "bounding_box": {"x": 1, "y": 1, "width": 20, "height": 40},
                "timestamp": timezone.now().isoformat(),
            }
        ]
        answer = await asyncio.to_thread(
            requests.post,
            f"http://127.0.0.1:{node_a}/api/v1/ingest/events",
            json=body,
            headers={"Authorization": f"Api-Key {key}"},
            timeout=60,
        )
        assert answer.status_code == 201, answer.text
        return await on_b, await stranger

    received, stranger = asyncio.run(scenario())
    alert = Alert.objects.get(camera=camera)
    alerts = [m for m in received if m.get("kind") == "alert"]
    assert [m["id"] for m in alerts] == [str(alert.id)]
    assert {"type": "ready"} in stranger and not [m for m in stranger if m.get("kind")]


def queue_frames(camera, count: int, tag: str) -> list[str]:
    photo = jpeg(read_photo("t1.jpg"))
    now = timezone.now()
    return [
        submit_frame(
            camera=camera,
            image_bytes=photo,
            timestamp=now - dt.timedelta(seconds=count - n),
            frame_key=f"{tag}:{camera.id}:{n}",
            source="test",
        )
        for n in range(count)
    ]


def recognised_once(camera, keys: list[str]) -> list[IngestFrame]:
    frames = wait_for(
        lambda: (
            lambda rows: rows if len(rows) == len(keys) and all(f.status == FrameStatus.DONE for f in rows) else None
        )(list(IngestFrame.objects.filter(frame_key__in=keys))),
        timeout=300,
        interval=0.5,
        what="every frame to be recognised",
    )
    events = list(Event.objects.filter(camera=camera))
    assert sorted(str(e.id) for e in events) == sorted(str(i) for f in frames for i in f.event_ids)
    assert len(events) == sum(f.face_count for f in frames) and all(f.face_count >= 1 for f in frames)
    return frames


def tasks_done_per_worker() -> dict[str, int]:
    stats = app.control.inspect(timeout=2.0).stats() or {}
    return {node: info.get("total", {}).get("faces.tasks.recognize_frame", 0) for node, info in stats.items()}


def test_frames_queued_while_both_workers_run_are_recognised_exactly_once(worker_nodes):
    camera = CameraFactory(config={"min_face_size": 20})
    keys = queue_frames(camera, 6, "both")
    recognised_once(camera, keys)
    done = {node: n for node, n in tasks_done_per_worker().items() if node.split("@")[0] in worker_nodes}
    assert sum(done.values()) == 6 and len(done) == 2 and all(done.values()), done


def test_a_worker_node_killed_mid_task_leaves_the_other_to_finish(worker_nodes):
    camera = CameraFactory(config={"min_face_size": 20})
    keys = queue_frames(camera, 4, "kill")

    def busy_node():
        for node, tasks in (app.control.inspect(timeout=1.0).active() or {}).items():
            if tasks and node.split("@")[0] in worker_nodes:
                return node.split("@")[0]
        return None

    victim = wait_for(busy_node, timeout=120, interval=0.1, what="a worker to start a frame")
    os.killpg(worker_nodes[victim].pid, signal.SIGKILL)  # the node and its pool: nothing acknowledges
    frames = recognised_once(camera, keys)
    assert all(f.status == FrameStatus.DONE for f in frames)
