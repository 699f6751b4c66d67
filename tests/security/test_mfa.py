"""TOTP MFA with recovery codes: required for super_admin and admin in the admin/console and for
JWT issuance; walked through the real pages, codes computed as an authenticator app would."""

from __future__ import annotations

import re
from html import escape

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.mfa_models import RecoveryCode, TOTPDevice
from accounts.middleware import AccountsASGIMiddleware
from accounts.models import AuditLog
from accounts.services import mfa
from accounts.services.audit import current_actor
from tests.factories import PASSWORD, UserFactory

from .conftest import totp_now

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_throttle_delay(settings):
    # django-otp doubles a wait after each wrong code; tests that mean to send a wrong code and
    # then the right one would otherwise have to sleep. test_wrong_codes_are_throttled keeps it.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def password_login(client, username: str) -> None:
    response = client.post(reverse("admin:login"), {"username": username, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302, "password sign-in failed"


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if totp_now(device) != "000000" else "111111"


def test_admin_must_enrol_then_gets_in_with_recovery_codes_shown_once(client, admin_user):
    password_login(client, "ada")
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("mfa-setup"))

    page = client.get(response.url)
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    assert page.status_code == 200 and mfa_secret_shown(page) and escape(device.config_url) in page.content.decode()
    assert client.get("/admin/surveillance/site/").status_code == 302  # still locked out of the console

    rejected = client.post(page.request["PATH_INFO"], {"code": wrong_code(device), "next": "/admin/"})
    assert rejected.status_code == 200 and "not valid" in rejected.content.decode()

    done = client.post(page.request["PATH_INFO"], {"code": totp_now(device), "next": "/admin/"})
    codes = re.findall(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>", done.content.decode())
    assert len(codes) == 10 and RecoveryCode.objects.filter(device__user=admin_user).count() == 10
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()  # only digests are stored
    assert client.get("/admin/").status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.mfa_enabled
    assert AuditLog.objects.filter(action="mfa_enrolled", user=admin_user).count() == 1


def mfa_secret_shown(page) -> bool:
    return bool(re.search(r'id="totp-secret">[A-Z2-7]{32}<', page.content.decode()))


def test_enrolled_admin_is_asked_for_a_code_after_the_password(client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone")
    password_login(client, "ada")
    challenge = client.get("/admin/")
    assert challenge.status_code == 302 and challenge.url.startswith(reverse("mfa-verify"))

    failed = client.post(challenge.url, {"code": wrong_code(device)})
    assert failed.status_code == 200 and "not valid" in failed.content.decode()
    assert AuditLog.objects.filter(action="mfa_failed", user=admin_user).count() == 1

    passed = client.post(challenge.url, {"code": totp_now(device)})
    assert passed.status_code == 302 and passed.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditLog.objects.filter(action="mfa_verified", user=admin_user).count() == 1


def test_a_code_cannot_be_replayed_and_recovery_codes_work_once(client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone")
    code = totp_now(device)
    assert mfa.verify_login_otp(admin_user, code)
    assert not mfa.verify_login_otp(admin_user, code)  # same time step: refused

    recovery = mfa.issue_recovery_codes(admin_user)
    assert mfa.verify_login_otp(admin_user, recovery[0].lower().replace("-", " "))  # typed sloppily
    assert not mfa.verify_login_otp(admin_user, recovery[0])
    assert mfa.verify_login_otp(admin_user, recovery[1])


def test_wrong_codes_are_throttled(settings, admin_user):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = TOTPDevice.objects.create(user=admin_user, name="phone")
    assert not mfa.verify_login_otp(admin_user, wrong_code(device))
    assert not mfa.verify_login_otp(admin_user, totp_now(device))  # right code, but within the back-off


def test_operator_without_a_device_needs_no_second_factor(client):
    UserFactory(username="olga", role_name="operator")
    password_login(client, "olga")
    assert client.get("/admin/").status_code == 200


def test_unverified_admin_session_gets_403_from_the_api(client, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="phone")
    password_login(client, "ada")
    response = client.get("/api/v1/sites/")
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"


def token(client, username: str, otp: str | None = None):
    body = {"username": username, "password": PASSWORD}
    if otp is not None:
        body["otp"] = otp
    return client.post("/api/v1/auth/token/", body, content_type="application/json")


def test_jwt_issuance_requires_the_code_for_admins(client, admin_user):
    not_enrolled = token(client, "ada")
    assert not_enrolled.status_code == 401 and "two-step verification" in not_enrolled.json()["detail"]

    device = TOTPDevice.objects.create(user=admin_user, name="phone")
    assert token(client, "ada").status_code == 401
    assert token(client, "ada", wrong_code(device)).status_code == 401
    issued = token(client, "ada", totp_now(device))
    assert issued.status_code == 200 and issued.json()["access"]

    UserFactory(username="olga", role_name="operator")
    assert token(client, "olga").status_code == 200


def test_super_admin_role_and_superusers_require_mfa():
    assert mfa.mfa_required(UserFactory(role_name="super_admin"))
    assert mfa.mfa_required(UserFactory(role_name="viewer", is_superuser=True))
    assert not mfa.mfa_required(UserFactory(role_name="viewer"))


@pytest.mark.django_db(transaction=True)
def test_websocket_sessions_without_the_second_factor_connect_as_anonymous():
    admin = UserFactory(username="wsadmin", role_name="admin")
    device = TOTPDevice.objects.create(user=admin, name="phone")
    seen = {}

    async def inner(scope, receive, send):
        seen["user"], seen["actor"] = scope["user"], current_actor()

    app = AccountsASGIMiddleware(inner)
    scope = {"type": "websocket", "user": admin, "session": {}, "client": ("192.0.2.7", 5000), "headers": []}
    async_to_sync(app)(scope, None, None)
    assert isinstance(seen["user"], AnonymousUser) and seen["actor"].name == "anonymous"

    scope["session"] = {DEVICE_ID_SESSION_KEY: device.persistent_id}
    async_to_sync(app)(scope, None, None)
    assert seen["user"] == admin and seen["actor"].user_id == str(admin.pk) and seen["actor"].ip == "192.0.2.7"
