"""Two sites (A in Singapore time, B in UTC) with a camera each, users of both, alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alerts.models import Alert
from tests.factories import CameraFactory, SiteFactory, UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@pytest.fixture
def world(db) -> dict:
    site_a = SiteFactory(name="Site A", timezone="Asia/Singapore")
    site_b = SiteFactory(name="Site B", timezone="UTC")
    return {
        "a": site_a,
        "b": site_b,
        "cam_a": CameraFactory(dvr__site=site_a, name="Gate A"),
        "cam_b": CameraFactory(dvr__site=site_b, name="Gate B"),
        "op_a": UserFactory(username="op-a", role_name="operator", sites=[site_a]),
        "op_a2": UserFactory(username="op-a2", role_name="operator", sites=[site_a]),
        "op_b": UserFactory(username="op-b", role_name="operator", sites=[site_b]),
        "admin_a": UserFactory(username="admin-a", role_name="admin", sites=[site_a]),
        "viewer_a": UserFactory(username="viewer-a", role_name="viewer", sites=[site_a]),
        "root": UserFactory(username="root", role_name="super_admin", is_superuser=True),
    }


def make_alert(camera, minutes_ago: float = 0, **kwargs) -> Alert:
    created = timezone.now() - dt.timedelta(minutes=minutes_ago)
    defaults = {"alert_type": "intrusion", "severity": "critical", "message": "someone at the fence"}
    return Alert.objects.create(camera=camera, created_at=created, **{**defaults, **kwargs})
