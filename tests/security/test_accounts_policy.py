"""Password hashing and policy, and the production settings (`check --deploy` clean)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.conftest import ROOT
from tests.factories import UserFactory


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2():
    user = UserFactory()
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password, reason",
    [("Sh0rt!pw", "too short"), ("password1234", "too common"), ("olga.smith.2024", "too similar")],
)
def test_weak_passwords_are_refused(password, reason):
    user = UserFactory.build(username="olga.smith", email="olga.smith@example.test")
    with pytest.raises(ValidationError, match=reason):
        validate_password(password, user)


def production_env(**extra) -> dict:
    # Neither ORIN_* development values nor the browser suite's DJANGO_ALLOW_ASYNC_UNSAFE belong in production.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORIN_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        ORIN_DEBUG="false",
        ORIN_SECRET_KEY="x" * 20 + Fernet.generate_key().decode(),
        ORIN_FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ORIN_ALLOWED_HOSTS="orin.example.com",
        **extra,
    )
    return env


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'orin.settings'; django.setup();"
            "from django.conf import settings as s;"
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT)",
        ],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.stdout.split() == ["True", "True", "True", "True"], probe.stderr
