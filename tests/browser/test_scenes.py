"""'Describe this' in a real browser (headless Chromium) against the real ASGI server and a real
Celery worker: the operator clicks, the worker asks the local model, and the page, which polls
the pending description, reloads with the answer."""

from __future__ import annotations

import pytest

from scenes.models import DescriptionStatus, SceneDescription
from tests.browser.conftest import screenshot
from tests.scenes.conftest import DESCRIPTION, Reply, chat_server, endpoint, event_a, snapshot, world  # noqa: F401

# Here, not in tests/scenes: Playwright's event loop must stop with this package's browser
# fixture, before tests that run asyncio themselves.

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
]


@pytest.fixture(autouse=True)
def fast_password_hashing():
    """Overrides the conftest's: daphne checks the password with the real hashers."""


def test_describe_this_on_the_event_page_shows_the_answer(
    open_page,
    celery_worker_process,
    chat_server,  # noqa: F811 (fixtures imported above)
    endpoint,  # noqa: F811
    event_a,  # noqa: F811
    world,  # noqa: F811
):
    endpoint.timeout_seconds = 10
    endpoint.save()
    chat_server.plan(Reply(delay=2))  # slow enough for the page to show the pending state first
    page = open_page(world.user_a, f"/admin/surveillance/event/{event_a.pk}/change/")
    assert "No description yet." in page.inner_text(".orin-scenes")

    page.click(".orin-scenes button[type=submit]")
    page.wait_for_selector('.orin-scene[data-status="queued"], .orin-scene[data-status="sending"]', timeout=10_000)
    page.wait_for_selector('.orin-scene[data-status="done"]', timeout=60_000)

    assert DESCRIPTION in page.inner_text(".orin-scenes")
    assert "829 tokens" in page.inner_text(".orin-scenes")
    done = SceneDescription.objects.get(event_id=event_a.pk)
    assert done.status == DescriptionStatus.DONE and done.requested_by == world.user_a and done.attempts == 1
    assert len(chat_server.received()) == 1
    screenshot(page, "scene-description-event")
