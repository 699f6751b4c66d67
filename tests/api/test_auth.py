"""Authentication: JWT sign-in, rotation with blacklisting, sign-out, sessions, device keys, session auth."""

import re
import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import APIKey
from tests.api.conftest import jwt_client, key_client
from tests.factories import PASSWORD, CameraFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/auth/me/"
SESSIONS = "/api/v1/auth/sessions/"


def sign_in(username: str, password: str = PASSWORD):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json")


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


PUBLIC = {
    "/api/v1/auth/token/",
    "/api/v1/auth/token/refresh/",
    "/api/v1/auth/logout/",
    "/api/v1/media/download/{token}/",
}


def _numeric(schema: dict) -> bool:
    return schema.get("type") == "integer" or schema.get("pattern") == "^[0-9]+$"


def test_every_operation_requires_authentication(world):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    checked = 0
    for path, operations in schema["paths"].items():
        if path in PUBLIC:  # sign-in, sign-out and signed links: tested on their own
            continue
        for method in set(operations) & {"get", "post", "put", "patch", "delete"}:
            params = {p["name"]: p["schema"] for p in operations[method].get("parameters", []) if p["in"] == "path"}
            url = re.sub(
                r"\{([^}]+)\}",
                lambda m, params=params: "1" if _numeric(params[m.group(1)]) else str(uuid.uuid4()),
                path,
            )
            response = getattr(APIClient(), method)(url, {}, format="json")
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.json()["code"] == "not_authenticated", (method, path)
            checked += 1
    assert checked > 120


def test_sign_in_gives_a_working_pair_and_bad_credentials_are_refused(users):
    response = sign_in("operator_a")
    assert response.status_code == 200, response.content
    tokens = response.json()
    me = bearer(tokens["access"]).get(ME)
    assert me.status_code == 200 and me.json()["username"] == "operator_a" and me.json()["role"] == "operator"

    wrong = sign_in("operator_a", "not-the-password")
    assert wrong.status_code == 401 and wrong.json()["code"] == "no_active_account"
    missing = APIClient().post(TOKEN, {"username": "operator_a"}, format="json")
    assert missing.status_code == 400 and missing.json()["fields"]["password"]


def test_inactive_users_cannot_sign_in_or_use_old_tokens(users):
    tokens = sign_in("viewer_a").json()
    users["viewer"].is_active = False
    users["viewer"].save()
    assert sign_in("viewer_a").status_code == 401
    assert bearer(tokens["access"]).get(ME).status_code == 401
    assert APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_refresh_rotates_and_blacklists_the_used_token(users):
    first = sign_in("operator_a").json()
    rotated = APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh"] != first["refresh"] and second["access"]
    assert bearer(second["access"]).get(ME).status_code == 200

    replay = APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert replay.status_code == 401 and "blacklisted" in replay.json()["detail"]
    # Rotation keeps the sign-in one session, not two.
    sessions = bearer(second["access"]).get(SESSIONS).json()["results"]
    assert len(sessions) == 1 and sessions[0]["current"] is True


def test_logout_revokes_refresh_and_access_at_once(users):
    tokens = sign_in("operator_a").json()
    client = bearer(tokens["access"])
    assert client.get(ME).status_code == 200
    assert APIClient().post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 204
    after = client.get(ME)
    assert after.status_code == 401 and "signed out" in after.json()["detail"]
    assert APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    again = APIClient().post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert again.status_code == 400 and again.json()["fields"]["refresh"]
    garbage = APIClient().post(LOGOUT, {"refresh": "not-a-token"}, format="json")
    assert garbage.status_code == 400


def test_users_list_and_revoke_their_sessions(users):
    phone, laptop, tablet = (sign_in("operator_a").json() for _ in range(3))
    client = bearer(phone["access"])
    listed = client.get(SESSIONS).json()["results"]
    assert len(listed) == 3 and sum(s["current"] for s in listed) == 1
    laptop_session = next(s for s in listed if not s["current"])
    assert client.delete(f"{SESSIONS}{laptop_session['id']}/").status_code == 204
    assert len(client.get(SESSIONS).json()["results"]) == 2
    # Another user's sessions are not there to revoke.
    other = jwt_client(users["viewer"])
    assert other.delete(f"{SESSIONS}{listed[0]['id']}/").status_code == 404

    assert client.post(f"{SESSIONS}revoke-all/").status_code == 204
    for tokens in (phone, laptop, tablet):
        assert bearer(tokens["access"]).get(ME).status_code == 401
    del tablet


def test_session_authentication_serves_the_console(client, users):
    client.force_login(users["operator"])
    assert client.get(ME).json()["username"] == "operator_a"


def test_admin_issues_a_device_key_shown_once_and_stored_hashed(users, world, clients):
    cam_a2 = CameraFactory(dvr__site=world.site_a)
    response = clients["admin"].post(
        "/api/v1/api-keys/",
        {"name": "gate", "user": str(users["device"].pk), "cameras": [str(world.cam_a.pk)]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    raw = body["key"]
    stored = APIKey.objects.get(pk=body["id"])
    assert raw not in stored.key_hash and stored.prefix in raw
    listed = clients["admin"].get(f"/api/v1/api-keys/{body['id']}/").json()
    assert "key" not in listed and "key_hash" not in listed

    device = key_client(raw)
    cameras = {c["id"] for c in device.get("/api/v1/cameras/").json()["results"]}
    assert str(world.cam_a.pk) in cameras and str(world.cam_b.pk) not in cameras
    detection = {"camera": str(cam_a2.pk), "event_type": "human_detected", "confidence": 0.9}
    detection |= {"bounding_box": {"x": 1, "y": 1, "width": 5, "height": 5}, "timestamp": "2026-01-01T00:00:00Z"}
    refused = device.post("/api/v1/ingest/events", [detection], format="json")
    assert refused.status_code == 400 and "camera" in refused.json()["fields"]["0"]
    assert device.get(f"/api/v1/cameras/{world.cam_b.pk}/").status_code == 404
    stored.refresh_from_db()
    assert stored.last_used_at is not None and stored.last_used_ip == "127.0.0.1"

    assert clients["admin"].post(f"/api/v1/api-keys/{body['id']}/revoke/").status_code == 200
    refused = device.get("/api/v1/cameras/")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


def test_only_administrators_issue_keys_and_keys_cannot_reach_outside_their_sites(users, world, clients, device_key):
    payload = {"name": "x", "user": str(users["device"].pk)}
    assert clients["operator"].post("/api/v1/api-keys/", payload, format="json").status_code == 403
    outside = clients["admin"].post("/api/v1/api-keys/", {**payload, "sites": [str(world.site_b.pk)]}, format="json")
    assert outside.status_code == 400 and "sites" in outside.json()["fields"]
    _, raw = device_key
    assert key_client(raw).post("/api/v1/api-keys/", payload, format="json").status_code == 403
    assert key_client(raw + "x").get("/api/v1/cameras/").status_code == 401


def test_users_see_and_revoke_their_own_keys_only(users, world, device_key):
    api_key, _ = device_key
    own = jwt_client(users["device"])
    assert [k["id"] for k in own.get("/api/v1/api-keys/").json()["results"]] == [str(api_key.pk)]
    stranger = jwt_client(UserFactory(role_name="operator", sites=[world.site_a]))
    assert stranger.get("/api/v1/api-keys/").json()["results"] == []
    assert stranger.delete(f"/api/v1/api-keys/{api_key.pk}/").status_code == 404
    assert own.delete(f"/api/v1/api-keys/{api_key.pk}/").status_code == 204
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
