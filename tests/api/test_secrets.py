"""No secret ever appears in an API response: every GET operation of the schema is called (lists,
then the detail of the first row and its read-only sub-routes) and the JSON searched."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.services.api_keys import issue_api_key
from alerts.models import NotificationChannel, TelegramConfig, WebhookConfig, WhatsAppConfig
from surveillance.models import DVR
from tests.api.conftest import jwt_client, make_alert
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db

SECRETS = {
    "dvr username": "dvr-user-S3CR3T",
    "dvr password": "dvr-pass-S3CR3T",
    "stream password": "cam-pass-S3CR3T",
    "vpn key": "vpn-key-S3CR3T",
    "bot token": "tg-token-S3CR3T",
    "whatsapp key": "wa-key-S3CR3T",
    "webhook secret": "wh-secret-S3CR3T",
    "webhook url token": "wh-url-S3CR3T",
    "mfa secret": "MFA-S3CR3T",
}
SKIP = ("/api/v1/media/download/",)


@pytest.fixture
def secrets(world, users):
    dvr = DVR.objects.create(
        site=world.site_a,
        name="NVR-S",
        ip_address="10.0.0.5",
        username=SECRETS["dvr username"],
        password=SECRETS["dvr password"],
    )
    CameraFactory(dvr=dvr, rtsp_url=f"rtsp://admin:{SECRETS['stream password']}@10.0.0.5/ch1")
    world.site_a.vpn_config = {"private_key": SECRETS["vpn key"]}
    world.site_a.save()
    admin = users["admin"]
    for channel_type, model, extra in (
        ("telegram", TelegramConfig, {"bot_token": SECRETS["bot token"], "chat_id": "1"}),
        ("whatsapp", WhatsAppConfig, {"api_key": SECRETS["whatsapp key"], "phone_number_id": "2"}),
        (
            "webhook",
            WebhookConfig,
            {"secret": SECRETS["webhook secret"], "url": f"https://hooks.example.test/{SECRETS['webhook url token']}"},
        ),
    ):
        channel = NotificationChannel.objects.create(name=channel_type, channel_type=channel_type, created_by=admin)
        model.objects.create(channel=channel, **extra)
    admin.mfa_secret = SECRETS["mfa secret"]
    admin.save()
    make_alert(world.cam_a)
    api_key, raw_key = issue_api_key(users["device"], "gate", sites=[world.site_a])
    return {**SECRETS, "api key": raw_key, "api key hash": api_key.key_hash, "password hash": admin.password}


def get_operations() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path, ops in schema["paths"].items() if "get" in ops and not path.startswith(SKIP))


def crawl(client) -> dict[str, str]:
    """GET every operation; a path with an id is filled from its collection's first row."""
    bodies, first_ids = {}, {}
    paths = get_operations()
    for path in (p for p in paths if "{" not in p):
        response = client.get(path)
        assert response.status_code in (200, 403, 404), (path, response.status_code)
        bodies[path] = response.content.decode()
        data = response.json() if response.status_code == 200 else {}
        rows = data.get("results", data) if isinstance(data, dict) else data
        if isinstance(rows, list) and rows and isinstance(rows[0], dict):
            first_ids[path] = next(
                (v for k, v in rows[0].items() if k in ("id", "event_id", "alert_id", "person_id", "cluster_id")), None
            )
    for path in (p for p in paths if "{" in p):
        collection = re.sub(r"\{[^}]+\}/.*$", "", path)
        if first_ids.get(collection) is None:
            continue
        url = re.sub(r"\{[^}]+\}", str(first_ids[collection]), path)
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        bodies[url] = response.content.decode()
    return bodies


@pytest.mark.parametrize("role", ["super_admin", "admin", "operator", "device"])
def test_no_secret_in_any_response(secrets, users, role):
    bodies = crawl(jwt_client(users[role]))
    assert len(bodies) > (45 if role == "super_admin" else 20), sorted(bodies)
    for url, body in bodies.items():
        for what, secret in secrets.items():
            assert secret not in body, f"{what} leaked by GET {url}"
        if "audit-logs" not in url:  # the audit trail names changed fields, with "[redacted]" values
            assert "key_hash" not in body and "mfa_secret" not in body, url
