"""Notifications end to end: events stored → alert → delivery rows → real Celery workers →
local HTTP/SMTP servers, which record exactly what a provider would have received."""

import datetime as dt
import io
import json
import time
import uuid
from decimal import Decimal
from email import message_from_bytes

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from alerts.models import (
    Alert,
    AlertTransition,
    EmailConfig,
    NotificationChannel,
    NotificationDelivery,
    TelegramConfig,
    WebhookConfig,
    WhatsAppConfig,
)
from alerts.services.lifecycle import escalate_due_alerts
from alerts.services.signing import verify_signature
from surveillance.models import Event
from surveillance.services.events import record_events
from tests.alerts.conftest import HTTP, MAIL, Planned, wait_until
from tests.factories import AlertRuleFactory, CameraFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

FINAL = ("delivered", "failed", "skipped")


@pytest.fixture
def owner():
    return UserFactory(role_name="admin")


def snapshot_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def channel(owner, kind: str, config: dict | None = None, **extra) -> NotificationChannel:
    return NotificationChannel.objects.create(
        name=f"{kind}-{uuid.uuid4().hex[:6]}",
        channel_type=kind,
        created_by=owner,
        config={"timeout_seconds": 5, "retry_count": 3, "retry_backoff_seconds": 0.2, **(config or {})},
        **extra,
    )


def webhook(owner, config=None, path=None) -> tuple[NotificationChannel, str, str]:
    ch = channel(owner, "webhook", config)
    path = path or f"/hooks/{uuid.uuid4().hex}"
    secret = f"whsec-{uuid.uuid4().hex}"
    WebhookConfig.objects.create(channel=ch, url=f"{HTTP.base}{path}", secret=secret)
    return ch, path, secret


def raise_alert_for(channels, image_path=None, rule_fields=None, rule=None) -> Alert:
    if rule is None:
        rule = AlertRuleFactory(**(rule_fields or {}))
        rule.channels.set(channels)
    event = Event(
        camera=CameraFactory(name="Loading Dock", location="North gate"),
        person=PersonFactory(name="Kim Lee", status="blacklisted"),
        event_type="person_recognized",
        confidence=Decimal("0.912"),
        bounding_box={"x": 0.4, "y": 0.4, "width": 0.1, "height": 0.3},
        timestamp=timezone.now() - dt.timedelta(seconds=5),
        image_path=image_path,
    )
    (alert,) = record_events([event])
    return alert


def settled(alert, count: int) -> list[NotificationDelivery]:
    def done():
        rows = list(NotificationDelivery.objects.filter(alert=alert).select_related("channel"))
        return rows if len(rows) == count and all(r.status in FINAL for r in rows) else None

    return wait_until(done, timeout=30, message=f"{count} deliveries of alert {alert.pk} to settle")


def multipart(headers: dict, body: bytes) -> dict:
    parsed = message_from_bytes(b"Content-Type: " + headers["content-type"].encode() + b"\r\n\r\n" + body)
    return {
        part.get_param("name", header="content-disposition"): (part.get_filename(), part.get_payload(decode=True))
        for part in parsed.get_payload()
    }


def test_each_channel_type_delivers_the_right_payload(celery_worker_process, owner):
    image = snapshot_bytes()
    path = default_storage.save(f"snapshots/test/{uuid.uuid4().hex}.jpg", ContentFile(image))
    token = f"{uuid.uuid4().int % 10**9}:AAH-{uuid.uuid4().hex}"
    telegram = channel(owner, "telegram")
    TelegramConfig.objects.create(channel=telegram, bot_token=token, chat_id="-100123")
    phone_id = str(uuid.uuid4().int % 10**12)
    whatsapp = channel(owner, "whatsapp", {"groups": {"security-team": ["+6591234567"]}})
    WhatsAppConfig.objects.create(
        channel=whatsapp,
        api_key="EAAG-key-" + uuid.uuid4().hex,
        phone_number_id=phone_id,
        recipient_groups=["security-team", "+6598765432"],
    )
    address = f"ops-{uuid.uuid4().hex[:8]}@example.test"
    mail = channel(owner, "email")
    EmailConfig.objects.create(channel=mail, recipients=[address])
    hook, hook_path, secret = webhook(owner)

    alert = raise_alert_for([telegram, whatsapp, mail, hook], image_path=path)
    rows = settled(alert, 4)
    assert {r.channel.channel_type: r.status for r in rows} == dict.fromkeys(
        ["telegram", "whatsapp", "email", "webhook"], "delivered"
    ), [(r.channel.channel_type, r.error) for r in rows]
    assert all(r.attempts == 1 and r.duration_ms is not None and r.delivered_at for r in rows)

    # Telegram: sendPhoto, the snapshot uploaded, the seed template as caption.
    (sent,) = HTTP.received(f"/telegram/bot{token}/")
    assert sent.path == f"/telegram/bot{token}/sendPhoto"
    form = multipart(sent.headers, sent.body)
    assert form["chat_id"][1] == b"-100123"
    assert form["photo"][1] == image
    assert form["caption"][1].decode().startswith('person_recognized: Kim Lee detected on camera "Loading Dock"')

    # WhatsApp: one text message per recipient, the API key as bearer token.
    calls = HTTP.received(f"/whatsapp/{phone_id}/messages")
    assert sorted(json.loads(c.body)["to"] for c in calls) == ["6591234567", "6598765432"]
    body = json.loads(calls[0].body)
    assert body["type"] == "text" and "Confidence: 91.2%" in body["text"]["body"]
    assert calls[0].headers["authorization"].startswith("Bearer EAAG-key-")

    # E-mail: to the configured address, snapshot attached.
    (received,) = MAIL.to(address)
    message = received["message"]
    assert "critical" in message["Subject"] or "high" in message["Subject"]
    attachments = [p for p in message.walk() if p.get_filename()]
    assert [a.get_payload(decode=True) for a in attachments] == [image]

    # Webhook: signed JSON, verifiable; an old timestamp is refused (replay).
    (call,) = HTTP.received(hook_path)
    timestamp, signature = call.headers["x-orin-timestamp"], call.headers["x-orin-signature"]
    assert verify_signature(secret, timestamp, call.body, signature)
    assert not verify_signature(secret, timestamp, call.body + b" ", signature)
    assert not verify_signature(secret, timestamp, call.body, signature, now=int(timestamp) + 3600)
    payload = json.loads(call.body)
    assert payload["event"] == "alert.created" and payload["alert"]["id"] == str(alert.pk)
    assert payload["alert"]["person"]["name"] == "Kim Lee" and call.headers["x-orin-delivery"] == str(
        [r for r in rows if r.channel_id == hook.id][0].pk
    )

    # The first delivery moved the alert pending → sent, once.
    alert.refresh_from_db()
    assert alert.status == "sent" and alert.sent_at
    assert AlertTransition.objects.filter(alert=alert, action="sent").count() == 1


def test_a_500_then_200_is_delivered_after_one_retry(celery_worker_process, owner):
    hook, path, _ = webhook(owner)
    HTTP.plan(path, Planned(500, b'{"error": "busy"}'), Planned(200))
    alert = raise_alert_for([hook])
    (row,) = settled(alert, 1)
    assert (row.status, row.attempts, row.response_code, row.error) == ("delivered", 2, 200, "")
    calls = HTTP.received(path)
    assert len(calls) == 2
    # Same delivery id both times, so a receiver can drop a duplicate.
    assert calls[0].headers["x-orin-delivery"] == calls[1].headers["x-orin-delivery"] == str(row.pk)
    assert calls[1].at - calls[0].at >= 0.2  # the backoff


def test_a_timeout_fails_after_retry_count_attempts_without_holding_up_other_channels(celery_worker_process, owner):
    slow, slow_path, _ = webhook(owner, {"timeout_seconds": 0.5, "retry_count": 2, "retry_backoff_seconds": 0.1})
    HTTP.plan(slow_path, Planned(200, delay=3))
    fast, fast_path, _ = webhook(owner)
    refused, refused_path, _ = webhook(owner)
    HTTP.plan(refused_path, Planned(400, b'{"error": "bad payload"}'))
    alert = raise_alert_for([slow, fast, refused])
    rows = {r.channel_id: r for r in settled(alert, 3)}
    assert (rows[slow.id].status, rows[slow.id].attempts) == ("failed", 2)
    assert "timed out after 0.5 s" in rows[slow.id].error
    assert len(HTTP.received(slow_path)) == 2
    assert rows[fast.id].status == "delivered"
    # Delivered while the slow channel was still trying, not after it gave up.
    slow_gave_up = rows[slow.id].last_attempt_at + dt.timedelta(milliseconds=rows[slow.id].duration_ms)
    assert rows[fast.id].delivered_at < slow_gave_up
    # A 400 is the request's fault: no retry.
    assert (rows[refused.id].status, rows[refused.id].attempts, rows[refused.id].response_code) == ("failed", 1, 400)


def test_rate_limit_holds_across_two_worker_processes(celery_worker_process, second_worker, owner):
    hook, path, _ = webhook(owner, {"rate_limit_per_min": 3})
    HTTP.plan(path, Planned(200, delay=0.5))
    rule = AlertRuleFactory()
    rule.channels.set([hook])
    alerts = [raise_alert_for([hook], rule=rule) for _ in range(6)]

    def all_seen():
        rows = list(NotificationDelivery.objects.filter(alert__in=alerts))
        handled = [r for r in rows if r.status == "delivered" or r.detail.get("rate_limited")]
        return rows if len(handled) == 6 else None

    rows = wait_until(all_seen, timeout=30, message="6 deliveries delivered or rate limited")
    time.sleep(1.0)  # anything wrongly let through would arrive by now
    assert len(HTTP.received(path)) == 3
    delivered = [r for r in rows if r.status == "delivered"]
    waiting = list(NotificationDelivery.objects.filter(alert__in=alerts, status="pending"))
    assert len(delivered) == 3 and len(waiting) == 3
    # They wait for the sliding minute, not for a retry: no attempt was spent.
    assert all(r.attempts == 0 and r.next_attempt_at > timezone.now() + dt.timedelta(seconds=5) for r in waiting)
    nodes = {r.worker.split(" ")[0] for r in rows}
    assert any(second_worker in node for node in nodes) and len(nodes) >= 2, nodes


def test_escalation_notifies_the_escalation_channel_exactly_once(celery_worker_process, owner):
    hook, path, _ = webhook(owner)
    duty, duty_path, _ = webhook(owner)
    alert = raise_alert_for([hook], rule_fields={"escalate_after_seconds": 60})
    alert.alert_rule.escalation_channels.add(duty)
    settled(alert, 1)
    later = timezone.now() + dt.timedelta(seconds=61)
    assert len(escalate_due_alerts(later)) == 1
    assert escalate_due_alerts(later) == []
    rows = settled(alert, 2)
    escalation = next(r for r in rows if r.purpose == "escalation")
    assert escalation.status == "delivered" and escalation.escalation_level == 1
    (call,) = HTTP.received(duty_path)
    payload = json.loads(call.body)
    assert payload["event"] == "alert.escalated" and payload["text"].startswith("ESCALATION level 1")
    assert len(HTTP.received(path)) == 1
