"""End to end with a real Celery worker: a new critical alert is committed at once, and the
worker describes it later, waiting out a 429's Retry-After first."""

from __future__ import annotations

import time

import pytest

from alerts.services.lifecycle import raise_alert
from scenes.models import DescriptionStatus, SceneDescription
from tests.factories import EventFactory
from tests.scenes.conftest import DESCRIPTION, Reply

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.timeout(120)]


def wait_for(predicate, timeout: float = 45.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_a_new_alert_is_described_by_the_worker_after_a_429(
    celery_worker_process, chat_server, endpoint, world, snapshot
):
    endpoint.timeout_seconds = 10
    endpoint.save()
    chat_server.plan(Reply(429, {"error": "busy"}, headers={"Retry-After": "1"}, delay=3), Reply(delay=0.5))
    event = EventFactory(camera=world.cam_a, image_path=snapshot)

    alert = raise_alert(camera=world.cam_a, alert_type="intrusion", severity="critical", message="gate", event=event)
    returned = time.monotonic()

    done = wait_for(
        lambda: SceneDescription.objects.filter(alert=alert, status=DescriptionStatus.DONE).first(),
        what="the worker's description",
    )
    assert done.description == DESCRIPTION and done.attempts == 2
    assert done.latency_ms >= 500 and done.total_tokens == 829
    first, second = chat_server.received()
    assert returned < first.answered_at  # the alert was in before the describer first answered
    assert 1.0 <= second.at - first.answered_at < 5.0  # Retry-After: 1 honoured, not the 5 s backoff
    assert second.headers["authorization"].startswith("Bearer ")
    assert "image_url" in str(second.body["messages"][0]["content"][1])
