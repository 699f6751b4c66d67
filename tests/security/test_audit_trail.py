"""Every audited write path leaves exactly one audit row, attributed and redacted."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.db import connection, transaction
from django.urls import reverse

from accounts.models import AuditLog, User
from accounts.services.audit import audit_actor, record_access
from alerts.models import NotificationChannel, TelegramConfig, WebhookConfig
from faces.models import FaceEmbedding
from surveillance.models import DVR, Camera, Site
from tests.conftest import ROOT, test_database_url
from tests.factories import PASSWORD, CameraFactory, DVRFactory, PersonFactory, SiteFactory, UserFactory

from .conftest import audit_rows, totp_now

AGENT = "pytest-security/1.0"


def changes(row: AuditLog) -> dict:
    return row.details["changes"]


@pytest.mark.django_db
def test_admin_change_is_audited_once_with_user_ip_agent_and_old_to_new(verified_admin_client, admin_user, site):
    url = reverse("admin:surveillance_site_change", args=[site.id])
    form = verified_admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"name": "North gate (renamed)", "vpn_config": "{}"})
    response = verified_admin_client.post(url, data, HTTP_USER_AGENT=AGENT)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    [row] = audit_rows(resource_type="site", resource_id=site.id, action="site_update")
    assert row.user_id == admin_user.id
    assert str(row.ip_address) == "127.0.0.1" and row.user_agent == AGENT
    assert changes(row) == {"name": {"old": "North gate", "new": "North gate (renamed)"}}
    assert row.details["actor"] == "ada"


@pytest.mark.django_db
def test_admin_dvr_create_redacts_credentials_and_url_passwords(verified_admin_client, site):
    response = verified_admin_client.post(
        reverse("admin:surveillance_dvr_add"),
        {
            "site": str(site.id),
            "name": "Gate NVR",
            "ip_address": "192.0.2.50",
            "ports": "{}",
            "username": "nvr-admin",
            "password": "Nvr-Pa55word!",
        },
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    dvr = DVR.objects.get(name="Gate NVR")
    [row] = audit_rows(resource_type="dvr", resource_id=dvr.id)
    assert row.action == "dvr_create"
    assert row.details["new"]["password_encrypted"] == "[redacted]"
    assert row.details["new"]["username_encrypted"] == "[redacted]"
    text = json.dumps(row.details)
    assert "Nvr-Pa55word!" not in text and "nvr-admin" not in text

    camera = CameraFactory(dvr=dvr, rtsp_url="rtsp://viewer:Cam-Secret-9@192.0.2.50:554/ch1")
    [created] = audit_rows(resource_type="camera", resource_id=camera.id)
    # Stored encrypted, so the trail holds no part of it.
    assert created.details["new"]["rtsp_url_encrypted"] == "[redacted]"
    assert "Cam-Secret-9" not in json.dumps(created.details)


@pytest.mark.django_db
def test_api_write_is_audited_once(client, admin_user, site):
    from accounts.mfa_models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "ada", "password": PASSWORD, "otp": totp_now(device)},
        content_type="application/json",
    )
    assert token.status_code == 200, token.content
    response = client.patch(
        f"/api/v1/sites/{site.id}/",
        {"address": "1 Harbour Road"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}",
        HTTP_USER_AGENT=AGENT,
    )
    assert response.status_code == 200, response.content
    [row] = audit_rows(resource_type="site", action="site_update")
    assert row.user_id == admin_user.id and row.user_agent == AGENT and str(row.ip_address) == "127.0.0.1"
    assert changes(row) == {"address": {"old": "1 Quay", "new": "1 Harbour Road"}}


@pytest.mark.django_db(transaction=True)
def test_management_command_is_audited_as_a_service():
    dvr = DVRFactory(username="cmd-user", password="Cmd-Secret-77")
    before = AuditLog.objects.latest("timestamp").timestamp
    result = subprocess.run(
        [sys.executable, "manage.py", "rotate_secrets"],
        cwd=ROOT,
        env={**_env(), "DATABASE_URL": test_database_url()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    [row] = AuditLog.objects.filter(timestamp__gt=before)
    assert (row.action, row.resource_id) == ("dvr_update", dvr.id)
    assert row.user_id is None and row.details["actor"] == "service:manage:rotate_secrets"
    assert changes(row) == {"password_encrypted": "[redacted]", "username_encrypted": "[redacted]"}


@pytest.mark.django_db(transaction=True)
def test_celery_task_is_audited_as_the_task(celery_worker_process):
    from accounts.tasks import deactivate_stale_accounts

    stale = UserFactory(username="dormant")
    User.objects.filter(pk=stale.pk).update(last_login="2020-01-01T00:00:00Z")
    assert deactivate_stale_accounts.apply_async(ignore_result=False).get(timeout=60) == 1

    task_actor = "service:celery:accounts.tasks.deactivate_stale_accounts"
    [row] = AuditLog.objects.filter(details__actor=task_actor)
    assert (row.action, row.resource_id, row.user_id) == ("user_update", stale.pk, None)
    assert changes(row) == {"is_active": {"old": True, "new": False}}


@pytest.mark.django_db
def test_writes_outside_any_actor_still_leave_a_row_naming_the_database_role():
    site = SiteFactory()
    Site.objects.filter(pk=site.pk).update(address="raw update")
    [row] = audit_rows(resource_id=site.pk, action="site_update")
    assert row.user_id is None and row.details["actor"] == f"db:{connection.settings_dict['USER']}"


@pytest.mark.django_db
def test_bulk_update_leaves_one_row_per_changed_row_and_telemetry_leaves_none():
    cameras = CameraFactory.create_batch(3)
    ids = [c.pk for c in cameras]
    with audit_actor("service:test"):
        assert Camera.objects.filter(pk__in=ids).update(location="Dock") == 3
        Camera.objects.filter(pk__in=ids).update(status="offline")  # health monitoring, not an act
    updates = audit_rows(resource_type="camera", action="camera_update", resource_id__in=ids)
    assert sorted(r.resource_id for r in updates) == sorted(ids)
    assert {r.details["actor"] for r in updates} == {"service:test"}


@pytest.mark.django_db
def test_password_mfa_and_embedding_never_reach_the_details():
    user = UserFactory(username="eve")
    [create] = audit_rows(resource_type="user", resource_id=user.pk, action="user_create")
    assert create.details["new"]["password"] == "[redacted]"
    with audit_actor("service:test-password-change"):
        user.set_password("Another-Long-Passw0rd")
        user.mfa_secret = "JBSWY3DPEHPK3PXP"
        user.save()
    [update] = [r for r in audit_rows(resource_id=user.pk) if r.details["actor"] == "service:test-password-change"]
    assert changes(update) == {"password": "[redacted]", "mfa_secret": "[redacted]"}

    embedding = FaceEmbedding.objects.create(person=PersonFactory(), embedding=[0.01] * 512, model_version="t")
    [row] = audit_rows(resource_type="face_embedding", resource_id=embedding.pk)
    assert "embedding" not in row.details["new"] and row.details["new"]["model_version"] == "t"

    channel = NotificationChannel.objects.create(
        name="tg", channel_type="telegram", config={"webhook_secret": "w"}, created_by=user
    )
    TelegramConfig.objects.create(channel=channel, bot_token="123:Bot-Token-Value", chat_id="42")
    hook = NotificationChannel.objects.create(name="hook", channel_type="webhook", created_by=user)
    WebhookConfig.objects.create(channel=hook, url="https://hooks.example.test/orin", secret="Hmac-Key-Value")
    [hook_row] = AuditLog.objects.filter(action="webhook_config_create")
    assert hook_row.details["new"]["url"] == "[redacted]"  # a webhook URL is a bearer capability
    site = SiteFactory(vpn_config={"private_key": "Vpn-Private-Value", "peer": "gw.example.test"})
    [created] = audit_rows(resource_id=site.pk, action="site_create")
    assert created.details["new"]["vpn_config"] == {"private_key": "[redacted]", "peer": "gw.example.test"}
    assert record_access(None, "probe", "system", monkey="ok", cache_key="x").details == {
        "monkey": "ok",
        "cache_key": "[redacted]",
    }
    text = json.dumps([r.details for r in AuditLog.objects.all()])
    secrets = (
        "Another-Long-Passw0rd",
        "JBSWY3DPEHPK3PXP",
        "Bot-Token-Value",
        '"w"',
        "Hmac-Key-Value",
        "Vpn-Private-Value",
    )
    for secret in secrets:
        assert secret not in text


@pytest.mark.django_db
def test_every_listed_table_is_audited():
    """persons, cameras, DVRs, sites, users, roles, site assignments, alerts, alert rules,
    watchlists, notification channels and face embeddings: all have the three triggers."""
    tables = [
        "persons",
        "cameras",
        "dvrs",
        "sites",
        "users",
        "roles",
        "user_site_assignments",
        "alerts",
        "alert_rules",
        "watchlists",
        "notification_channels",
        "face_embeddings",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'trg_audit_%%' AND c.relname = ANY(%s) GROUP BY 1",
            [tables],
        )
        found = dict(cursor.fetchall())
    assert found == dict.fromkeys(tables, 3)

    from django.apps import apps

    from accounts.services.audit import AUDITED_MODELS

    every = [apps.get_model(label)._meta.db_table for label in AUDITED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT c.relname) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'trg_audit_%%' AND c.relname = ANY(%s)",
            [every],
        )
        assert cursor.fetchone()[0] == len(every)  # the admin History links and the triggers agree


@pytest.mark.django_db
def test_record_access_keeps_reads_with_ip_agent_and_redaction(rf):
    user = UserFactory()
    request = rf.get("/", HTTP_USER_AGENT=AGENT, REMOTE_ADDR="198.51.100.4")
    person = PersonFactory()
    row = record_access(user, "gallery_view", "person", person.pk, request=request, api_key="orin_x_y", query="q")
    row.refresh_from_db()
    assert (row.user_id, row.action, row.resource_id) == (user.pk, "gallery_view", person.pk)
    assert str(row.ip_address) == "198.51.100.4" and row.user_agent == AGENT
    assert row.details == {"api_key": "[redacted]", "query": "q"}


@pytest.mark.django_db
def test_admin_logins_success_and_failure_are_audited(client):
    UserFactory(username="olga", role_name="operator")
    client.post(reverse("admin:login"), {"username": "olga", "password": "wrong-password-1"}, HTTP_USER_AGENT=AGENT)
    client.post(reverse("admin:login"), {"username": "nobody", "password": "wrong-password-2"})
    client.post(reverse("admin:login"), {"username": "olga", "password": PASSWORD})
    failed = audit_rows(action="login_failed")
    assert [r.details["username"] for r in failed] == ["olga", "nobody"]
    assert failed[0].resource_id == User.objects.get(username="olga").pk and failed[0].user_agent == AGENT
    assert failed[1].resource_id is None
    [ok] = audit_rows(action="login")
    assert ok.user.username == "olga" and ok.details["success"] is True
    assert "wrong-password" not in json.dumps([r.details for r in failed])


@pytest.mark.django_db
def test_actor_settings_survive_savepoint_rollback():
    """A setting made inside a rolled-back savepoint is undone by PostgreSQL; the next write
    must still carry the right actor (accounts.services.db_actor's sentinel bookkeeping)."""
    first, second = UserFactory(username="first"), UserFactory(username="second")
    site = SiteFactory()
    with audit_actor(first):
        Site.objects.filter(pk=site.pk).update(address="a")
        try:
            with transaction.atomic(), audit_actor(second):
                Site.objects.filter(pk=site.pk).update(address="b")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        Site.objects.filter(pk=site.pk).update(address="c")
    rows = audit_rows(resource_id=site.pk, action="site_update")
    assert [(r.details["changes"]["address"]["new"], r.details["actor"]) for r in rows] == [
        ("a", "first"),
        ("c", "first"),
    ]


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
