"""Encrypted columns hold ciphertext only, and the admin never shows a stored secret."""

import pytest
from django.db import connection
from django.urls import reverse

from alerts.models import NotificationChannel, TelegramConfig
from surveillance.models import DVR
from tests.factories import DVRFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cret-Password-for-DVR"


def raw_bytes(table: str, column: str, row_id) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [row_id])
        return bytes(cursor.fetchone()[0])


def test_dvr_credentials_are_encrypted_at_rest_and_read_back():
    dvr = DVRFactory(username="admin-user", password=SECRET)
    assert SECRET.encode() not in raw_bytes("dvrs", "password_encrypted", dvr.id)
    assert b"admin-user" not in raw_bytes("dvrs", "username_encrypted", dvr.id)
    assert DVR.objects.get(id=dvr.id).password == SECRET


def test_bot_token_is_encrypted_at_rest():
    user = UserFactory()
    channel = NotificationChannel.objects.create(name="tg", channel_type="telegram", created_by=user)
    config = TelegramConfig.objects.create(channel=channel, bot_token="123456:ABC-token", chat_id="1")
    assert b"ABC-token" not in raw_bytes("telegram_configs", "bot_token_encrypted", config.id)


def test_admin_change_page_never_shows_the_password_and_blank_keeps_it(admin_client):
    dvr = DVRFactory(password=SECRET)
    url = reverse("admin:surveillance_dvr_change", args=[dvr.id])
    page = admin_client.get(url)
    assert page.status_code == 200 and SECRET not in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("username", "password")}
    data.update({"site": str(dvr.site_id), "ports": "{}", "name": "renamed", "ip_address": "192.0.2.9", "password": ""})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    dvr.refresh_from_db()
    assert dvr.name == "renamed" and dvr.password == SECRET
