"""Live fan-out benchmark: N websocket clients of one site, alerts posted through the REST ingest
API, time from the POST to each client's receipt.

    eval "$(./orinctl env)" && .orin/venv/bin/python bench/live.py --clients 500 --alerts 8

The bench starts its own daphne node(s) (`--nodes 2`: clients spread over both, alerts posted to
the first, so every push also crosses nodes) with the channel layer chosen by `--layer`
(`pubsub`: channels-redis' RedisPubSubChannelLayer, one subscription per process and in-process
fan-out; `core`: RedisChannelLayer, one Redis list per consumer). All clients connect at once;
then each alert is one detection POSTed to /api/v1/ingest/events by a device key, matched by a
rule with no cooldown, and the next one is posted once every client has it (or after
`--deliver-timeout`). A few clients of a second site's operator watch for leaks. It prints
p50/p95/max of post→receipt, connections refused, deliveries lost and leaked. Its site, users
and key are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")

import django  # noqa: E402

django.setup()
logging.getLogger("axes").setLevel(logging.WARNING)

import requests  # noqa: E402
import websockets  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import Role, User, UserSiteAssignment  # noqa: E402
from accounts.services.api_keys import issue_api_key  # noqa: E402
from accounts.services.roles import ensure_role  # noqa: E402
from alerts.models import Alert, AlertRule  # noqa: E402
from surveillance.models import DVR, Camera, Site  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_fixture(tag: str) -> dict:
    sites = [Site.objects.create(name=f"live-bench-{tag}-{n}", timezone="UTC") for n in "ab"]
    cameras = []
    for n, site in enumerate(sites):
        dvr = DVR.objects.create(site=site, name="bench", ip_address=f"192.0.2.{240 + n}")
        cameras.append(Camera.objects.create(dvr=dvr, channel_number=1, name=f"live-bench-{tag}-{n}"))
    users = {}
    for name, role, site in (("a", Role.OPERATOR, sites[0]), ("b", Role.OPERATOR, sites[1])):
        user = User.objects.create(
            username=f"live-bench-{tag}-{name}",
            email=f"{tag}-{name}@orin.invalid",
            is_staff=True,
            role=ensure_role(role),
        )
        UserSiteAssignment.objects.create(user=user, site=site)
        users[name] = user
    device = User.objects.create(
        username=f"live-bench-{tag}-device",
        email=f"{tag}-device@orin.invalid",
        is_staff=False,
        role=ensure_role("api_client"),
    )
    UserSiteAssignment.objects.create(user=device, site=sites[0])
    _, raw_key = issue_api_key(device, "live bench", sites=[sites[0]])
    AlertRule.objects.create(
        name=f"live-bench-{tag}",
        camera=cameras[0],
        event_type="human_detected",
        confidence_threshold=0,
        severity="high",
        cooldown_seconds=0,
        created_by=users["a"],
    )
    cookies = {}
    for name in "ab":
        client = Client()
        client.force_login(users[name])
        cookies[name] = f"sessionid={client.cookies['sessionid'].value}"
    return {"sites": sites, "cameras": cameras, "users": [*users.values(), device], "key": raw_key, "cookies": cookies}


def drop_fixture(fixture: dict) -> None:
    Alert.objects.filter(camera__in=fixture["cameras"]).delete()
    AlertRule.objects.filter(camera__in=fixture["cameras"]).delete()
    for site in fixture["sites"]:
        site.delete()
    for user in fixture["users"]:
        user.delete()


def start_nodes(count: int, layer: str) -> tuple[list[subprocess.Popen], list[int]]:
    env = {**os.environ, "ORIN_CHANNEL_LAYER": layer}
    procs, ports = [], []
    for _ in range(count):
        port = free_port()
        argv = [str(ROOT / ".orin/venv/bin/daphne"), "-b", "127.0.0.1", "-p", str(port)]
        if os.environ.get("BENCH_PROFILE"):
            argv = [sys.executable, "-m", "cProfile", "-o", str(ROOT / f".orin/logs/daphne-{port}.prof"), *argv]
        argv += ["--websocket_connect_timeout", "60", "orin.asgi:application"]
        log = open(ROOT / f".orin/logs/live-bench-{port}.log", "wb")  # noqa: SIM115 (closed with the process)
        procs.append(subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        ports.append(port)
    deadline = time.monotonic() + 60
    for port in ports:
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"daphne on port {port} did not start") from None
                time.sleep(0.3)
    return procs, ports


class Listener:
    """One websocket client: records when each alert arrives (by alert id)."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie
        self.received: dict[str, float] = {}
        self.connected = False
        self.error: str | None = None
        self.ws = None

    async def connect(self, timeout: float) -> None:
        headers = {"Cookie": self.cookie, "Origin": f"http://127.0.0.1:{self.port}"}
        try:
            self.ws = await websockets.connect(
                f"ws://127.0.0.1:{self.port}/ws/console/",
                additional_headers=headers,
                open_timeout=timeout,
                ping_interval=None,
                max_queue=None,
            )
            hello = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            self.connected = hello.get("type") == "hello"
        except Exception as exc:  # refused, closed or timed out: counted, not fatal
            self.error = f"{type(exc).__name__}: {exc}"[:200]

    async def listen(self) -> None:
        try:
            async for raw in self.ws:
                now = time.perf_counter()
                if '"kind": "alert"' not in raw:  # event batches: not timed, not parsed
                    continue
                message = json.loads(raw)
                if message.get("change") == "created":
                    self.received.setdefault(message["id"], now)
        except websockets.ConnectionClosed:
            pass


def post_detection(port: int, key: str, camera_id) -> tuple[float, str]:
    body = [
        {
            "camera": str(camera_id),
            "event_type": "human_detected",
            "confidence": 0.9,
            "bounding_box": {"x": 10, "y": 10, "width": 50, "height": 120},
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "key": f"live-bench:{uuid.uuid4().hex}",
        }
    ]
    started = time.perf_counter()
    answer = requests.post(
        f"http://127.0.0.1:{port}/api/v1/ingest/events",
        json=body,
        headers={"Authorization": f"Api-Key {key}"},
        timeout=30,
    )
    if answer.status_code >= 300 or answer.json().get("alerts") != 1:
        raise RuntimeError(f"ingest answered {answer.status_code}: {answer.text[:300]}")
    event_id = answer.json()["event_ids"][0]
    return started, event_id


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


async def run(args, fixture: dict, ports: list[int]) -> dict:
    listeners = [Listener(ports[i % len(ports)], fixture["cookies"]["a"]) for i in range(args.clients)]
    strangers = [Listener(ports[i % len(ports)], fixture["cookies"]["b"]) for i in range(args.other_site_clients)]
    started = time.perf_counter()
    await asyncio.gather(*(c.connect(args.connect_timeout) for c in listeners + strangers))
    connect_seconds = time.perf_counter() - started
    live = [c for c in listeners if c.connected]
    errors = sorted({c.error for c in listeners + strangers if c.error})
    tasks = [asyncio.ensure_future(c.listen()) for c in listeners + strangers if c.connected]
    await asyncio.sleep(1.0)
    loop = asyncio.get_running_loop()
    posts: list[tuple[float, str]] = []
    alert_ids: list[str] = []
    for _ in range(args.alerts):
        known = {i for c in live[:1] for i in c.received}
        posted, _event = await loop.run_in_executor(
            None, post_detection, ports[0], fixture["key"], fixture["cameras"][0].id
        )
        deadline = time.perf_counter() + args.deliver_timeout
        alert_id = None
        while time.perf_counter() < deadline:
            if alert_id is None:
                fresh = {i for c in live for i in c.received} - known - set(alert_ids)
                alert_id = next(iter(fresh), None)
            if alert_id is not None and all(alert_id in c.received for c in live):
                break
            await asyncio.sleep(0.005)
        if alert_id is not None:
            alert_ids.append(alert_id)
            posts.append((posted, alert_id))
        await asyncio.sleep(args.spacing)
    await asyncio.sleep(0.5)
    latencies, lost = [], 0
    for posted, alert_id in posts:
        for c in live:
            if alert_id in c.received:
                latencies.append((c.received[alert_id] - posted) * 1000)
            else:
                lost += 1
    lost += (args.alerts - len(posts)) * len(live)
    leaked = sum(len(c.received) for c in strangers)
    for c in listeners + strangers:
        if c.ws is not None:
            await c.ws.close()
    for task in tasks:
        task.cancel()
    return {
        "connected": len(live),
        "refused": args.clients - len(live),
        "connect_s": connect_seconds,
        "errors": errors[:5],
        "deliveries": len(latencies),
        "lost": lost,
        "leaked": leaked,
        "p50": percentile(latencies, 0.5) if latencies else float("nan"),
        "p95": percentile(latencies, 0.95) if latencies else float("nan"),
        "max": max(latencies) if latencies else float("nan"),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[500])
    parser.add_argument("--alerts", type=int, default=8)
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--layer", nargs="+", default=["pubsub"], choices=["pubsub", "core"])
    parser.add_argument("--other-site-clients", type=int, default=5)
    parser.add_argument("--spacing", type=float, default=0.3, help="seconds between alerts once delivered")
    parser.add_argument("--connect-timeout", type=float, default=120)
    parser.add_argument("--deliver-timeout", type=float, default=10)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    fixture = build_fixture(uuid.uuid4().hex[:8])
    header = f"{'layer':>6} {'nodes':>5} {'clients':>7} {'conn s':>6} {'refused':>7} {'lost':>5} {'leaked':>6}"
    print(header + f" {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    try:
        for layer in args.layer:
            procs, ports = start_nodes(args.nodes, layer)
            try:
                for clients in args.clients:
                    args_n = argparse.Namespace(**{**vars(args), "clients": clients})
                    r = asyncio.run(run(args_n, fixture, ports))
                    print(
                        f"{layer:>6} {args.nodes:>5} {clients:>7} {r['connect_s']:>6.1f} {r['refused']:>7} "
                        f"{r['lost']:>5} {r['leaked']:>6} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['max']:>7.1f}",
                        flush=True,
                    )
                    for error in r["errors"]:
                        print(f"    connect error: {error}")
            finally:
                for proc in procs:
                    proc.terminate()
                for proc in procs:
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
    finally:
        drop_fixture(fixture)
    return 0


if __name__ == "__main__":
    sys.exit(main())
