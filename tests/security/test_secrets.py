"""Secrets at rest: one mechanism, ciphertext only in the columns, rotation, and no leak into the
audit trail, logs or API output."""

from __future__ import annotations

import io
import json
import logging

import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from accounts.mfa_models import TOTPDevice
from accounts.models import AuditLog
from accounts.services.api_keys import issue_api_key
from accounts.services.secrets import encrypted_columns
from alerts.models import NotificationChannel, TelegramConfig, WhatsAppConfig
from surveillance.models import DVR
from tests.factories import DVRFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRETS = {
    "dvr_user": "dvr-operator-name",
    "dvr_password": "Dvr-Pa55-Secret!",
    "bot_token": "555:Telegram-Bot-Secret",
    "whatsapp": "EAAG-WhatsApp-Secret",
}


@pytest.fixture
def stored_secrets(admin_user):
    dvr = DVRFactory(username=SECRETS["dvr_user"], password=SECRETS["dvr_password"])
    telegram = NotificationChannel.objects.create(name="tg", channel_type="telegram", created_by=admin_user)
    TelegramConfig.objects.create(channel=telegram, bot_token=SECRETS["bot_token"], chat_id="1")
    whatsapp = NotificationChannel.objects.create(name="wa", channel_type="whatsapp", created_by=admin_user)
    WhatsAppConfig.objects.create(channel=whatsapp, api_key=SECRETS["whatsapp"], phone_number_id="1")
    device = TOTPDevice.objects.create(user=admin_user, name="phone")
    return {"dvr": dvr, "totp_key": device.key}


def raw_column_values() -> dict[str, list[bytes]]:
    values = {}
    with connection.cursor() as cursor:
        for (table, _), columns in encrypted_columns().items():
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is None:  # a model whose migration is not in yet
                continue
            for column in columns:
                cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')  # noqa: S608
                values[f"{table}.{column}"] = [bytes(v) for (v,) in cursor.fetchall()]
    return values


def test_every_encrypted_column_holds_fernet_ciphertext_only(stored_secrets, settings):
    values = raw_column_values()
    for required in (
        "dvrs.password_encrypted",
        "dvrs.username_encrypted",
        "telegram_configs.bot_token_encrypted",
        "whatsapp_configs.api_key_encrypted",
        "mfa_totp_devices.key",
    ):
        assert values.get(required), f"{required} holds no row"
    fernet = MultiFernet([Fernet(k) for k in settings.ORIN_FIELD_ENCRYPTION_KEYS])
    plaintexts = [*SECRETS.values(), stored_secrets["totp_key"]]
    for column, tokens in values.items():
        for token in tokens:
            assert not any(p.encode() in token for p in plaintexts), column
            assert fernet.decrypt(token)  # raises unless it is one of our Fernet tokens


def test_api_keys_are_stored_as_hashes_only():
    api_key, raw = issue_api_key(UserFactory(role_name="api_client"), "gate device")
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(k)::text FROM api_keys k WHERE id = %s", [api_key.id])
        stored = cursor.fetchone()[0]
    assert raw not in stored and raw.split("_", 2)[2] not in stored


def test_rotation_re_encrypts_everything_with_the_new_first_key(stored_secrets, settings):
    old_keys = list(settings.ORIN_FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    with override_settings(ORIN_FIELD_ENCRYPTION_KEYS=[new_key, *old_keys]):
        call_command("rotate_secrets", stdout=io.StringIO())
    new_only = Fernet(new_key)
    for column, tokens in raw_column_values().items():
        for token in tokens:
            assert new_only.decrypt(token), column
    with override_settings(ORIN_FIELD_ENCRYPTION_KEYS=[new_key]):
        assert DVR.objects.get(pk=stored_secrets["dvr"].pk).password == SECRETS["dvr_password"]
        assert TOTPDevice.objects.get().key == stored_secrets["totp_key"]


def test_rotation_reports_values_no_key_can_decrypt(stored_secrets):
    unrelated_key = Fernet.generate_key().decode()
    with (
        override_settings(ORIN_FIELD_ENCRYPTION_KEYS=[unrelated_key]),
        pytest.raises(CommandError, match="could not be decrypted"),
    ):
        call_command("rotate_secrets", stdout=io.StringIO(), stderr=io.StringIO())


def test_secrets_reach_neither_the_audit_trail_nor_the_logs(verified_admin_client, site, caplog):
    caplog.set_level(logging.DEBUG)
    url = reverse("admin:surveillance_dvr_add")
    response = verified_admin_client.post(
        url,
        {
            "site": str(site.id),
            "name": "Logged NVR",
            "ip_address": "192.0.2.9",
            "ports": "{}",
            "username": SECRETS["dvr_user"],
            "password": SECRETS["dvr_password"],
        },
    )
    assert response.status_code == 302
    verified_admin_client.post(reverse("admin:login"), {"username": "ada", "password": SECRETS["whatsapp"]})
    audit_text = json.dumps([row.details for row in AuditLog.objects.all()])
    with connection.cursor() as cursor:
        cursor.execute("SELECT encode(password_encrypted, 'escape') FROM dvrs WHERE name = 'Logged NVR'")
        ciphertext = cursor.fetchone()[0]
    for secret in (SECRETS["dvr_user"], SECRETS["dvr_password"], SECRETS["whatsapp"], ciphertext):
        assert secret not in audit_text
        assert secret not in caplog.text


def test_api_output_never_carries_device_credentials(verified_admin_client, site):
    dvr = DVRFactory(site=site, username=SECRETS["dvr_user"], password=SECRETS["dvr_password"])
    response = verified_admin_client.get(f"/api/v1/dvrs/{dvr.id}/")
    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert SECRETS["dvr_user"] not in body and SECRETS["dvr_password"] not in body
    assert "password" not in response.json() and "username" not in response.json()
