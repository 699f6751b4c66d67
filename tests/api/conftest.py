"""API test fixtures: two sites (A and B) with a camera each, users of every role at site A,
and clients that authenticate for real (a signed JWT, or a device API key)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services.api_keys import issue_api_key
from accounts.services.sessions import start_session
from alerts.models import Alert
from surveillance.models import Camera, Site
from tests.factories import CameraFactory, EventFactory, SiteFactory, UserFactory

# Generous limits so ordinary tests never trip the throttle; the throttle tests lower them.
HIGH_RATES = dict.fromkeys(("anon", "user", "api_key", "ingest", "auth", "media"), "100000/min")


@pytest.fixture(autouse=True)
def generous_throttles(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": HIGH_RATES}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Argon2 is deliberately slow; these tests create many users and are not about hashing.
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


def jwt_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {start_session(user).access_token}")
    client.user = user
    return client


def key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


@dataclass
class World:
    site_a: Site
    site_b: Site
    cam_a: Camera
    cam_b: Camera


@pytest.fixture
def world(db) -> World:
    site_a, site_b = SiteFactory(name="Site A"), SiteFactory(name="Site B")
    return World(site_a, site_b, CameraFactory(dvr__site=site_a), CameraFactory(dvr__site=site_b))


@pytest.fixture
def root(db):
    return UserFactory(username="root", role_name="super_admin", is_superuser=True)


@pytest.fixture
def users(world, root):
    """One user per role, all assigned to site A (the super admin sees every site)."""
    return {
        "super_admin": root,
        "admin": UserFactory(username="admin_a", role_name="admin", sites=[world.site_a]),
        "operator": UserFactory(username="operator_a", role_name="operator", sites=[world.site_a]),
        "viewer": UserFactory(username="viewer_a", role_name="viewer", sites=[world.site_a]),
        "device": UserFactory(username="device_a", role_name="api_client", sites=[world.site_a], is_staff=False),
    }


@pytest.fixture
def clients(users):
    return {role: jwt_client(user) for role, user in users.items()}


@pytest.fixture
def device_key(users, world):
    api_key, raw = issue_api_key(users["device"], "gate detector", sites=[world.site_a])
    return api_key, raw


def make_alert(camera, **kwargs) -> Alert:
    event = EventFactory(camera=camera)
    defaults = {"alert_type": "person_recognized", "severity": "high", "message": "m", "event_id": event.id}
    return Alert.objects.create(camera=camera, **{**defaults, **kwargs})


def ago(**kwargs) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)
