"""Fixtures for the security tests: audit rows, MFA-verified admins, a non-superuser DB role."""

from __future__ import annotations

import pytest
from django.db import connection
from django_otp.oath import TOTP

from accounts.mfa_models import TOTPDevice
from accounts.models import AuditLog
from tests.conftest import sign_in
from tests.factories import SiteFactory, UserFactory

APP_ROLE = "orin_app_security_test"
APP_ROLE_PASSWORD = "app-role-test-password"  # noqa: S105  (a throwaway role on the test cluster)


def totp_now(device: TOTPDevice, offset_steps: int = 0) -> str:
    """What the user's authenticator app shows now (or `offset_steps` steps later)."""
    totp = TOTP(device.bin_key, device.step, 0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def audit_rows(**filters):
    return list(AuditLog.objects.filter(**filters).order_by("timestamp"))


@pytest.fixture
def site(db):
    return SiteFactory(name="North gate", address="1 Quay", vpn_config={})


@pytest.fixture
def admin_user(db, site):
    """An `admin` (MFA required by role), assigned to `site`."""
    return UserFactory(username="ada", role_name="admin", sites=[site])


@pytest.fixture
def verified_admin_client(client, admin_user):
    return sign_in(client, admin_user)


@pytest.fixture
def app_role_dsn(django_db_setup, django_db_blocker) -> str:
    """A NOSUPERUSER NOBYPASSRLS login role holding exactly the grants production gives the
    application (accounts.services.db_roles), for connecting where RLS really applies."""
    from accounts.services.db_roles import grant_application_role

    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{APP_ROLE_PASSWORD}'")
        grant_application_role(APP_ROLE)
        s = connection.settings_dict
    return f"postgresql://{APP_ROLE}:{APP_ROLE_PASSWORD}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
