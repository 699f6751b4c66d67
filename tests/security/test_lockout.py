"""Lockout after repeated failures: per (user, address) pair, per user over all addresses, a
slow-down per address, and the audited unlock action."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import AuditLog
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


def admin_login(client, username: str, password: str, ip: str):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response.url == "/admin/"


USER_LIMIT = settings.ORIN_LOGIN_USER_FAILURE_LIMIT


def test_a_user_and_address_pair_is_locked_after_repeated_failures(client):
    UserFactory(username="olga", role_name="operator")
    statuses = [admin_login(client, "olga", f"wrong-{n}", ip="198.51.100.7").status_code for n in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]  # the failure that reaches the limit locks
    locked = admin_login(client, "olga", PASSWORD, ip="198.51.100.7")
    assert locked.status_code == 429 and not signed_in(locked)
    assert AuditLog.objects.filter(action="login_locked_out", details__username="olga").exists()
    # The same person from another address is not refused.
    assert signed_in(admin_login(client, "olga", PASSWORD, ip="203.0.113.50"))


def test_a_user_is_locked_after_failures_summed_over_addresses(client):
    UserFactory(username="olga", role_name="operator")
    for n in range(USER_LIMIT):
        admin_login(client, "olga", f"wrong-{n}", ip=f"198.51.100.{n + 1}")
    locked = admin_login(client, "olga", PASSWORD, ip="203.0.113.50")
    assert locked.status_code == 429 and not signed_in(locked)
    assert AuditLog.objects.filter(action="login_locked_out", details__scope="user").exists()


def test_a_strangers_failures_from_a_shared_address_do_not_lock_a_colleague(client, settings):
    settings.ORIN_LOGIN_IP_SLOW_AFTER = 3
    UserFactory(username="olga", role_name="operator")
    for n in range(3 * LIMIT):
        admin_login(client, f"guess{n % 4}", "wrong-password", ip="192.0.2.66")
    started = time.monotonic()
    assert signed_in(admin_login(client, "olga", PASSWORD, ip="192.0.2.66"))
    # ...but the noisy address is slowed down before each password check.
    assert time.monotonic() - started >= settings.ORIN_LOGIN_IP_MAX_DELAY * 0.9


def test_api_token_failures_count_and_a_locked_user_gets_no_token(client):
    UserFactory(username="olga", role_name="operator")
    for n in range(LIMIT):
        response = client.post(
            "/api/v1/auth/token/",
            {"username": "olga", "password": f"wrong-{n}"},
            content_type="application/json",
            REMOTE_ADDR="203.0.113.9",
        )
        assert response.status_code in (401, 429)
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "olga", "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code in (401, 429) and "access" not in response.content.decode()
    assert admin_login(client, "olga", PASSWORD, ip="203.0.113.9").status_code == 429


def test_admin_unlock_action_lets_the_user_back_in(client, admin_client):
    olga = UserFactory(username="olga", role_name="operator")
    for n in range(USER_LIMIT):
        admin_login(client, "olga", f"wrong-{n}", ip=f"198.51.100.{n + 1}")
    assert admin_login(client, "olga", PASSWORD, ip="203.0.113.50").status_code == 429

    response = admin_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "unlock_sign_in", "_selected_action": [str(olga.pk)]}
    )
    assert response.status_code == 302
    assert signed_in(admin_login(client, "olga", PASSWORD, ip="203.0.113.50"))
    [row] = AuditLog.objects.filter(action="login_unlock")
    assert row.resource_id == olga.pk and row.user.username == "root"
