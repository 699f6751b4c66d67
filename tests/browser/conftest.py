"""The real stack for browser tests: daphne (HTTP + websockets) on a free 127.0.0.1 port against
the test database, the Redis channel layer, a Celery worker where recognition is needed, and
Debian's headless Chromium driven by Playwright."""

import os
import socket
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, start_process, stop_process

# Playwright's sync API keeps an event loop in this thread between calls; the ORM calls the
# tests make in between are ordinary blocking calls, so Django's async-safety guard is lifted.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct-horse-battery-staple"  # tests.factories.PASSWORD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker):
    """daphne serving orin.asgi against the test database (media: the same ORIN_MEDIA_ROOT as this
    process and the Celery worker); yields its base URL."""
    port = free_port()
    proc = start_process(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "orin.asgi:application"],
        env_extra={"ORIN_LOG_LEVEL": "WARNING"},
        log_name="daphne",
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError("daphne exited at start; see test-artifacts/logs/daphne.log")
        try:
            with urllib.request.urlopen(f"{base}/admin/login/", timeout=2) as response:  # noqa: S310 (our server)
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_process(proc)
            raise RuntimeError("daphne did not answer within 60 s")
        time.sleep(0.2)
    yield base
    stop_process(proc)


# Package scope: Playwright's sync API runs an event loop in this thread until it stops, and
# the websocket tests that follow need asgiref's AsyncToSync, which refuses to share a thread with one.
@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, asgi_server):
    """open_page(user) → a Playwright page signed in through the real login form."""
    contexts = []

    def open_as(user, path: str = "/admin/"):
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, base_url=asgi_server)
        contexts.append(context)
        page = context.new_page()
        page.goto("/admin/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/**")
        assert "/login/" not in page.url, "login failed"
        if path != "/admin/":
            page.goto(path)
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """A full-page PNG under test-artifacts/screenshots/, once every image has loaded."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach((img) => (img.loading = 'eager'))")
    page.wait_for_function("Array.from(document.images).every((img) => img.complete)", timeout=10_000)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
