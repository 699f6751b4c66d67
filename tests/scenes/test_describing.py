"""Describing against a real OpenAI-compatible server on 127.0.0.1: what is sent, what is
stored, how timeouts / 429 / 5xx are retried, the daily budget, the rate limit, the privacy
switch and the audit trail."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.core.files.storage import default_storage

from accounts.models import AuditLog
from scenes.models import CameraPrompt, DescriberEndpoint, DescriptionStatus, SceneDescription, SitePrivacy
from scenes.services import describing
from scenes.services.budget import BudgetExhausted
from tests.scenes.conftest import API_KEY, DESCRIPTION, MODEL, Reply

pytestmark = pytest.mark.django_db


def test_a_description_is_sent_as_an_image_part_and_stored_with_model_latency_and_tokens(
    chat_server, endpoint, event_a, world
):
    CameraPrompt.objects.create(camera=world.cam_a, prompt="Who is at the gate and what do they carry?")
    description = describing.describe_event(event_a, world.user_a)
    assert description.status == DescriptionStatus.QUEUED

    outcome = describing.attempt_description(description.pk)

    assert outcome.status == DescriptionStatus.DONE and outcome.retry_in is None
    [request] = chat_server.received()
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body["model"] == MODEL
    text, image = request.body["messages"][0]["content"]
    assert text == {"type": "text", "text": "Who is at the gate and what do they carry?"}
    prefix = "data:image/jpeg;base64,"
    assert image["type"] == "image_url" and image["image_url"]["url"].startswith(prefix)
    with default_storage.open(event_a.image_path, "rb") as handle:
        assert base64.b64decode(image["image_url"]["url"][len(prefix) :]) == handle.read()

    description.refresh_from_db()
    assert description.description == DESCRIPTION
    assert description.model_name == MODEL
    assert (description.prompt_tokens, description.completion_tokens, description.total_tokens) == (812, 17, 829)
    assert description.latency_ms is not None and description.latency_ms >= 0
    assert description.response["choices"][0]["message"]["content"] == DESCRIPTION
    assert description.event_id == event_a.pk and description.requested_by == world.user_a


def test_each_image_sent_is_audited_with_its_endpoint(chat_server, endpoint, event_a, world):
    description = describing.describe_event(event_a, world.user_a)
    describing.attempt_description(description.pk)

    [row] = AuditLog.objects.filter(action="scene_image_sent", resource_id=description.pk)
    with default_storage.open(event_a.image_path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    assert row.user_id == world.user_a.pk
    assert row.details["endpoint"] == f"{chat_server.base}/v1/chat/completions"
    assert row.details["image"] == event_a.image_path and row.details["sha256"] == digest
    assert row.details["model"] == MODEL


def test_429_honours_retry_after_then_succeeds(chat_server, endpoint, event_a, world):
    chat_server.plan(Reply(429, {"error": "slow down"}, headers={"Retry-After": "7"}), Reply())
    description = describing.describe_event(event_a, world.user_a)

    first = describing.attempt_description(description.pk)
    assert first.status == DescriptionStatus.QUEUED and first.retry_in == 7
    description.refresh_from_db()
    assert "HTTP 429" in description.error and description.attempts == 1

    second = describing.attempt_description(description.pk)
    assert second.status == DescriptionStatus.DONE
    description.refresh_from_db()
    assert description.attempts == 2 and description.description == DESCRIPTION
    assert len(chat_server.received()) == 2


def test_5xx_backs_off_exponentially_and_fails_after_max_attempts(chat_server, endpoint, event_a, world):
    chat_server.plan(Reply(503, {"error": "model loading"}))
    description = describing.describe_event(event_a, world.user_a)

    waits = [describing.attempt_description(description.pk).retry_in for _ in range(endpoint.max_attempts)]

    assert waits == [describing.backoff_seconds(1), describing.backoff_seconds(2), None]
    assert waits[1] == 2 * waits[0]
    description.refresh_from_db()
    assert description.status == DescriptionStatus.FAILED
    assert description.error.startswith("attempt 3: HTTP 503")
    assert len(chat_server.received()) == 3
    assert describing.attempt_description(description.pk).status == DescriptionStatus.FAILED  # finished: no resend
    assert len(chat_server.received()) == 3


def test_a_timeout_is_retried_and_a_4xx_is_not(chat_server, endpoint, event_a, world):
    endpoint.timeout_seconds = 1
    endpoint.save()
    chat_server.plan(Reply(delay=2.5), Reply(400, {"error": "model does not take images"}))
    description = describing.describe_event(event_a, world.user_a)

    slow = describing.attempt_description(description.pk)
    assert slow.status == DescriptionStatus.QUEUED and slow.retry_in == describing.backoff_seconds(1)
    description.refresh_from_db()
    assert "timed out after 1 s" in description.error

    refused = describing.attempt_description(description.pk)
    assert refused.status == DescriptionStatus.FAILED and refused.retry_in is None
    description.refresh_from_db()
    assert "HTTP 400" in description.error and "model does not take images" in description.error


def test_the_api_key_never_shows_in_an_error(chat_server, endpoint, event_a, world):
    chat_server.plan(Reply(401, f"bad key {API_KEY}"))
    description = describing.describe_event(event_a, world.user_a)
    describing.attempt_description(description.pk)
    description.refresh_from_db()
    assert description.status == DescriptionStatus.FAILED
    assert API_KEY not in description.error and "***" in description.error


def test_the_daily_budget_stops_sending_and_says_so(chat_server, endpoint, event_a, world):
    endpoint.daily_budget = 1
    endpoint.save()
    first = describing.describe_event(event_a, world.user_a)
    queued_before = describing.describe_event(event_a, world.user_a)  # asked while budget remained
    assert describing.attempt_description(first.pk).status == DescriptionStatus.DONE

    assert describing.attempt_description(queued_before.pk).status == DescriptionStatus.SKIPPED
    queued_before.refresh_from_db()
    assert "daily budget of 1 requests" in queued_before.error and "1 sent since 00:00 UTC" in queued_before.error
    with pytest.raises(BudgetExhausted, match="daily budget of 1 requests to local llava is spent"):
        describing.describe_event(event_a, world.user_a)
    assert len(chat_server.received()) == 1


def test_the_rate_limit_delays_instead_of_sending(chat_server, endpoint, event_a, world):
    endpoint.requests_per_minute = 1
    endpoint.save()
    first = describing.describe_event(event_a, world.user_a)
    second = describing.describe_event(event_a, world.user_a)
    describing.attempt_description(first.pk)

    held = describing.attempt_description(second.pk)

    assert held.status == DescriptionStatus.QUEUED and 1 <= held.retry_in <= 60
    assert len(chat_server.received()) == 1
    second.refresh_from_db()
    assert second.attempts == 0 and second.sent_at is None


def test_the_privacy_switch_keeps_a_sites_images_in(chat_server, endpoint, event_a, world):
    queued = describing.describe_event(event_a, world.user_a)
    SitePrivacy.objects.create(site=world.site_a, send_images=False)

    with pytest.raises(describing.DescribeRefused, match="does not allow its images"):
        describing.describe_event(event_a, world.user_a)
    assert describing.attempt_description(queued.pk).status == DescriptionStatus.SKIPPED
    queued.refresh_from_db()
    assert "privacy switch" in queued.error
    assert chat_server.received() == []
    assert not AuditLog.objects.filter(action="scene_image_sent").exists()


def test_nothing_is_sent_while_no_endpoint_is_switched_on(chat_server, event_a, world):
    DescriberEndpoint.objects.create(name="off", base_url=chat_server.base, model=MODEL)  # off by default
    with pytest.raises(describing.DescribeRefused, match="no describer endpoint is switched on"):
        describing.describe_event(event_a, world.user_a)
    assert SceneDescription.objects.count() == 0 and chat_server.received() == []


def test_the_api_key_is_stored_encrypted(endpoint):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key_encrypted FROM scene_describer_endpoints WHERE id = %s", [endpoint.pk])
        stored = bytes(cursor.fetchone()[0])
    assert API_KEY.encode() not in stored
    assert DescriberEndpoint.objects.get(pk=endpoint.pk).api_key == API_KEY


def test_new_alerts_at_or_above_the_threshold_are_described(chat_server, endpoint, event_a, world):
    from alerts.services.lifecycle import raise_alert

    endpoint.min_severity = "high"
    endpoint.save()
    alerts = [
        raise_alert(camera=world.cam_a, alert_type=kind, severity=severity, message="m", event=event_a)
        for kind, severity in (("intrusion", "critical"), ("tailgate", "high"), ("loiter", "low"))
    ]
    assert SceneDescription.objects.count() == 0  # nothing inside the alerts' transactions

    picked = describing.alerts_to_describe(alerts, endpoint)
    assert picked == [alerts[0].pk, alerts[1].pk]
    endpoint.describe_alerts = False
    assert describing.alerts_to_describe(alerts, endpoint) == []

    made = describing.describe_alerts(picked)
    assert {d.alert_id for d in made} == set(picked) and {d.request_type for d in made} == {"alert"}
    assert made[0].image_paths == [event_a.image_path]
    assert describing.describe_alerts(picked) == []  # a redelivered task adds nothing
    assert chat_server.received() == []  # sending is the describe task's job


def test_lost_tasks_are_queued_again_by_the_sweep(
    chat_server, endpoint, event_a, world, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    chat_server.plan(Reply(503))
    waiting = describing.describe_event(event_a, world.user_a)
    outcome = describing.attempt_description(waiting.pk)  # now queued for a retry in 5 s
    waiting.refresh_from_db()
    assert waiting.next_attempt_at > timezone.now() + dt.timedelta(seconds=outcome.retry_in - 2)
    lost = describing.describe_event(event_a, world.user_a)
    SceneDescription.objects.filter(pk=lost.pk).update(next_attempt_at=timezone.now() - dt.timedelta(minutes=6))

    with django_capture_on_commit_callbacks() as callbacks:
        assert describing.resume_lost_descriptions() == 1
    assert len(callbacks) == 1  # one enqueue, after commit
    lost.refresh_from_db()
    assert lost.next_attempt_at > timezone.now() - dt.timedelta(seconds=5)  # not picked up again at once
    assert describing.resume_lost_descriptions() == 0


def test_an_event_without_a_snapshot_sends_frames_of_its_clip(chat_server, endpoint, world, tmp_path):
    import cv2
    import numpy as np
    from django.core.files.base import ContentFile

    from tests.factories import EventFactory

    local = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(local), cv2.VideoWriter_fourcc(*"MJPG"), 5, (64, 48))
    for i in range(20):
        writer.write(np.full((48, 64, 3), i * 12, np.uint8))
    writer.release()
    name = default_storage.save("test-scenes/clip.avi", ContentFile(local.read_bytes()))
    try:
        event = EventFactory(camera=world.cam_a, image_path=None, video_clip_path=name)
        description = describing.describe_event(event, world.user_a)
        assert describing.attempt_description(description.pk).status == DescriptionStatus.DONE
    finally:
        default_storage.delete(name)

    [request] = chat_server.received()
    parts = request.body["messages"][0]["content"][1:]
    assert len(parts) == 3 and all(p["image_url"]["url"].startswith("data:image/jpeg;base64,") for p in parts)
    sent = AuditLog.objects.filter(action="scene_image_sent", resource_id=description.pk)
    assert {row.details["image"] for row in sent} == {f"{name}#frame={n}" for n in (5, 10, 15)}
