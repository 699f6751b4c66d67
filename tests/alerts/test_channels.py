"""Channel secrets at rest and in the admin, the admin's test message, safe templates, and
operators' preferences on personal channels (run in-process against the local servers)."""

import datetime as dt
import json
import re
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from alerts.models import (
    Alert,
    AlertRule,
    EmailConfig,
    NotificationChannel,
    NotificationDelivery,
    NotificationPreference,
    TelegramConfig,
    WebhookConfig,
    WhatsAppConfig,
)
from alerts.services.delivery import attempt_delivery
from alerts.services.dispatch import plan_deliveries
from alerts.services.templates import render, validate_template
from tests.alerts.conftest import Planned
from tests.factories import CameraFactory, PersonFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

ALERTS_TABLES = [
    "alert_rules",
    "alerts",
    "alert_transitions",
    "notification_channels",
    "telegram_configs",
    "whatsapp_configs",
    "email_configs",
    "webhook_configs",
    "notification_deliveries",
    "notification_preferences",
    "audit_logs",  # whatever the audit trail recorded of these rows
]


@pytest.fixture
def owner():
    return UserFactory(role_name="admin")


def every_stored_byte() -> bytes:
    """All rows of the alerts tables as the database holds them (bytea as raw bytes)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in ALERTS_TABLES:
            cursor.execute(f"SELECT t::text FROM {table} t")  # noqa: S608 - fixed table names
            chunks += [row[0].encode() for row in cursor.fetchall()]
        for table, column in [
            ("telegram_configs", "bot_token_encrypted"),
            ("whatsapp_configs", "api_key_encrypted"),
            ("webhook_configs", "secret_encrypted"),
        ]:
            cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608
            chunks += [bytes(row[0]) for row in cursor.fetchall()]
    return b"\n".join(chunks)


def new_alert(site=None, **fields) -> Alert:
    camera = CameraFactory(dvr__site=site) if site else CameraFactory()
    return Alert.objects.create(
        camera=camera,
        alert_type=fields.pop("alert_type", "person_recognized"),
        severity="high",
        message='Kim detected on camera "Gate"',
        confidence=Decimal("0.9"),
        last_seen=timezone.now(),
        **fields,
    )


def test_tokens_never_reach_the_database_in_clear_not_even_in_errors(http_recorder, owner):
    token = f"777:AAH-{uuid.uuid4().hex}"
    api_key = f"EAAG{uuid.uuid4().hex}"
    secret = f"whsec-{uuid.uuid4().hex}"
    telegram = NotificationChannel.objects.create(name="tg", channel_type="telegram", created_by=owner)
    TelegramConfig.objects.create(channel=telegram, bot_token=token, chat_id="1")
    whatsapp = NotificationChannel.objects.create(name="wa", channel_type="whatsapp", created_by=owner)
    WhatsAppConfig.objects.create(
        channel=whatsapp, api_key=api_key, phone_number_id="42", recipient_groups=["+6591234567"]
    )
    hook = NotificationChannel.objects.create(name="hook", channel_type="webhook", created_by=owner)
    WebhookConfig.objects.create(channel=hook, url=f"{http_recorder.base}/echo/{uuid.uuid4().hex}", secret=secret)
    # Providers that echo the request (token in the URL, key in the header) in their error.
    http_recorder.plan(f"/telegram/bot{token}", Planned(401, json.dumps({"description": f"bad bot{token}"}).encode()))
    http_recorder.plan("/whatsapp/42", Planned(403, json.dumps({"error": f"key {api_key} revoked"}).encode()))
    alert = new_alert()
    rows = plan_deliveries([(alert.pk, c.pk) for c in (telegram, whatsapp, hook)], "alert")
    for row in rows:
        attempt_delivery(row.pk)
    statuses = dict(NotificationDelivery.objects.values_list("channel__channel_type", "status"))
    assert statuses == {"telegram": "failed", "whatsapp": "failed", "webhook": "delivered"}
    errors = " ".join(NotificationDelivery.objects.values_list("error", flat=True))
    assert "HTTP 401" in errors and "HTTP 403" in errors and "***" in errors
    stored = every_stored_byte()
    for clear in (token, api_key, secret):
        assert clear.encode() not in stored
    assert TelegramConfig.objects.get(channel=telegram).bot_token == token  # and still readable


def test_admin_never_shows_a_stored_secret(admin_client, owner):
    token = f"555:AAH-{uuid.uuid4().hex}"
    telegram = NotificationChannel.objects.create(name="tg", channel_type="telegram", created_by=owner)
    TelegramConfig.objects.create(channel=telegram, bot_token=token, chat_id="1")
    page = admin_client.get(reverse("admin:alerts_notificationchannel_change", args=[telegram.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and token not in html
    assert f"…{token[-4:]}" in html  # recognisable, not usable


def test_admin_test_message_action_delivers_and_reports(admin_client, http_recorder, owner):
    hook = NotificationChannel.objects.create(name="Incident system", channel_type="webhook", created_by=owner)
    path = f"/test-action/{uuid.uuid4().hex}"
    WebhookConfig.objects.create(channel=hook, url=f"{http_recorder.base}{path}", secret="s" * 32)
    response = admin_client.post(
        reverse("admin:alerts_notificationchannel_changelist"),
        {"action": "send_test_message", "_selected_action": [str(hook.pk)]},
        follow=True,
    )
    assert "Incident system: test message delivered." in response.content.decode()
    (call,) = http_recorder.received(path)
    assert json.loads(call.body)["event"] == "test"
    assert NotificationDelivery.objects.get(channel=hook).purpose == "test"


@pytest.mark.parametrize(
    "template,context,expected",
    [
        ("{{alert_type}}: {{ message }}", {"alert_type": "x", "message": "y"}, "x: y"),
        # A name holding template syntax stays text: one pass, no recursion.
        (
            "Who: {{person_name}}",
            {"person_name": "{{message}} {% debug %}", "message": "leak"},
            "Who: {{message}} {% debug %}",
        ),
        ("{{camera.dvr.password}} {{__class__}}", {"camera_name": "c"}, "{{camera.dvr.password}} "),
    ],
)
def test_templates_render_only_whitelisted_values(template, context, expected):
    assert render(template, context) == expected


def test_unknown_placeholders_are_a_form_error(owner):
    with pytest.raises(ValidationError, match="Unknown placeholder"):
        validate_template("{{secret_key}}")
    channel = NotificationChannel.objects.create(name="tg", channel_type="telegram", created_by=owner)
    config = TelegramConfig(channel=channel, bot_token="t", chat_id="1", message_template="{{bot_token}}")
    with pytest.raises(ValidationError) as caught:
        config.full_clean()
    assert "message_template" in caught.value.message_dict


@pytest.mark.parametrize(
    "schedule,quiet,message",
    [
        ({"days": [7]}, None, "between 0 (Sunday) and 6"),
        ({"start_time": "25:00"}, None, "HH:MM"),
        ({"timezone": "Mars/Olympus"}, None, "Unknown timezone"),
        ({"days": []}, None, "never fire"),
        (None, {"start": "12:00"}, "HH:MM"),
        (None, {"start": "12:00", "end": "13:00", "enabled": "yes"}, "true or false"),
    ],
)
def test_bad_schedules_are_refused_with_the_reason(owner, schedule, quiet, message):
    rule = AlertRule(name="r", created_by=owner, schedule=schedule or {}, quiet_hours=quiet)
    with pytest.raises(ValidationError, match=re.escape(message)):
        rule.full_clean()


def test_bad_channel_config_is_refused_and_a_stored_one_falls_back_to_defaults(owner):
    from alerts.services.channels import delivery_settings

    bad = {"retry_count": 0, "timeout_seconds": "fast"}
    channel = NotificationChannel(name="x", channel_type="webhook", created_by=owner, config=bad)
    with pytest.raises(ValidationError) as caught:
        channel.full_clean()
    assert any("retry_count" in m for m in caught.value.message_dict["config"])
    settings = delivery_settings(bad)
    assert (settings.retry_count, settings.timeout_seconds) == (1, 30.0)


def test_whatsapp_recipient_groups_must_resolve(owner):
    channel = NotificationChannel.objects.create(
        name="wa", channel_type="whatsapp", created_by=owner, config={"groups": {"security-team": ["+6591234567"]}}
    )
    config = WhatsAppConfig(channel=channel, api_key="k", phone_number_id="1", recipient_groups=["managers"])
    with pytest.raises(ValidationError, match="neither a phone number nor a group"):
        config.full_clean()
    config.recipient_groups = ["security-team", "+6598765432"]
    config.full_clean()


@pytest.fixture
def personal(owner, mail_recorder):
    """An operator of one site with a personal e-mail channel."""
    site = SiteFactory(timezone="Europe/Berlin")
    operator = UserFactory(role_name="operator", sites=[site], email=f"op-{uuid.uuid4().hex[:6]}@example.test")
    channel = NotificationChannel.objects.create(name="mine", channel_type="email", created_by=owner, owner=operator)
    EmailConfig.objects.create(channel=channel)  # no recipients: the owner's address
    return site, operator, channel


def deliver(alert, channel) -> NotificationDelivery:
    (row,) = plan_deliveries([(alert.pk, channel.pk)], "alert")
    attempt_delivery(row.pk)
    return NotificationDelivery.objects.get(pk=row.pk)


def test_personal_channel_delivers_to_the_owner(personal, mail_recorder):
    site, operator, channel = personal
    row = deliver(new_alert(site), channel)
    assert row.status == "delivered", row.error
    assert len(mail_recorder.to(operator.email)) == 1


def test_personal_quiet_hours_hold_back_notifications(personal, mail_recorder):
    site, operator, channel = personal
    now = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))  # Asia/Kolkata, no DST
    start = (now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    NotificationPreference.objects.create(
        user=operator, quiet_hours_enabled=True, quiet_hours_start=start, quiet_hours_end=end, timezone="Asia/Kolkata"
    )
    row = deliver(new_alert(site), channel)
    assert row.status == "skipped" and "quiet hours" in row.error
    assert mail_recorder.to(operator.email) == []


@pytest.mark.parametrize(
    "preference,alert_type,reason",
    [
        ({"notifications_enabled": False}, "person_recognized", "turned notifications off"),
        ({"email_enabled": False}, "person_recognized", "turned Email notifications off"),
        ({"event_types": {"motion_detected": False}}, "motion_detected", "turned off motion_detected"),
    ],
)
def test_personal_toggles_are_honoured(personal, mail_recorder, preference, alert_type, reason):
    site, operator, channel = personal
    NotificationPreference.objects.create(user=operator, **preference)
    row = deliver(new_alert(site, alert_type=alert_type), channel)
    assert row.status == "skipped" and reason in row.error
    assert mail_recorder.to(operator.email) == []


def test_personal_channel_never_carries_another_sites_alert(personal, mail_recorder):
    _, operator, channel = personal
    row = deliver(new_alert(SiteFactory()), channel)
    assert row.status == "skipped" and "no access to this alert's site" in row.error
    assert mail_recorder.to(operator.email) == []


def test_shared_channels_ignore_personal_preferences(owner, mail_recorder):
    address = f"team-{uuid.uuid4().hex[:6]}@example.test"
    channel = NotificationChannel.objects.create(name="team", channel_type="email", created_by=owner)
    EmailConfig.objects.create(channel=channel, recipients=[address])
    NotificationPreference.objects.create(user=owner, notifications_enabled=False)
    assert deliver(new_alert(person=PersonFactory()), channel).status == "delivered"
    assert len(mail_recorder.to(address)) == 1
