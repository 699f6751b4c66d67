"""The access policy on every route: role matrix (403), site isolation (other sites' objects 404
on detail, actions and nested routes; absent from lists)."""

import pytest

from accounts.models import UserSiteAssignment
from alerts.models import AlertRule
from faces.models import FaceEmbedding, ReviewAction
from surveillance.models import MediaFile, SuspiciousActivityEvent, VideoClip
from tests.api.conftest import ago, jwt_client, make_alert
from tests.factories import ClusterFactory, EventFactory, PersonFactory, UserFactory, ZoneFactory

pytestmark = pytest.mark.django_db


def site_objects(site, camera, user):
    """One object of each site-scoped resource at `site`, keyed by its API collection."""
    event = EventFactory(camera=camera, event_type="person_recognized", person=PersonFactory())
    cluster = ClusterFactory()
    EventFactory(camera=camera, cluster=cluster, event_type="face_detected")
    media = MediaFile.objects.create(
        file_type="image",
        storage_path=f"snapshots/{camera.pk}.jpg",
        file_size=3,
        checksum="0" * 64,
        camera=camera,
        event_id=event.id,
        timestamp=ago(minutes=1),
        retention_until=ago(days=-30),
    )
    clip = VideoClip.objects.create(
        media_file=media,
        duration=5,
        start_time=ago(minutes=2),
        end_time=ago(minutes=1),
        camera=camera,
        size_bytes=10,
    )
    suspicious = SuspiciousActivityEvent.objects.create(
        camera=camera, activity_type="loitering", confidence="0.9", severity="high", timestamp=ago(minutes=1)
    )
    face = FaceEmbedding.objects.create(
        cluster=cluster, embedding=[0.0] * 511 + [1.0], source_image_path="faces/x.jpg", model_version="t"
    )
    review = ReviewAction.objects.create(event_id=event.id, reviewer=user, action="confirm")
    rule = AlertRule.objects.create(name=f"rule {site.name}", camera=camera, created_by=user)
    return {
        "sites": site,
        "dvrs": camera.dvr,
        "cameras": camera,
        "zones": ZoneFactory(camera=camera),
        "events": event,
        "suspicious-events": suspicious,
        "media-files": media,
        "video-clips": clip,
        "alerts": make_alert(camera),
        "clusters": cluster,
        "face-embeddings": face,
        "review-actions": review,
        "alert-rules": rule,
        "site-assignments": UserSiteAssignment.objects.filter(site=site).first(),
    }


@pytest.fixture
def both_sites(world, users):
    UserFactory(sites=[world.site_b])  # so site B has an assignment too
    a = site_objects(world.site_a, world.cam_a, users["admin"])
    b = site_objects(world.site_b, world.cam_b, users["admin"])
    return a, b


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    return {row["id"] for row in body.get("results", body)}


def test_site_isolation_on_lists_and_details(both_sites, users):
    a, b = both_sites
    admin = jwt_client(users["admin"])  # admin of site A: may read every resource here
    for collection in a:
        listed = ids(admin.get(f"/api/v1/{collection}/"))
        assert str(a[collection].pk) in listed, collection
        assert str(b[collection].pk) not in listed, collection
        assert admin.get(f"/api/v1/{collection}/{a[collection].pk}/").status_code == 200, collection
        hidden = admin.get(f"/api/v1/{collection}/{b[collection].pk}/")
        assert hidden.status_code == 404, collection
        assert hidden.json()["code"] == "not_found"
    root = jwt_client(users["super_admin"])
    for collection in a:
        assert str(b[collection].pk) in ids(root.get(f"/api/v1/{collection}/")), collection


def test_other_sites_objects_are_404_for_writes_and_actions(both_sites, users):
    a, b = both_sites
    admin, operator = jwt_client(users["admin"]), jwt_client(users["operator"])
    assert admin.patch(f"/api/v1/cameras/{b['cameras'].pk}/", {"name": "x"}, format="json").status_code == 404
    assert admin.patch(f"/api/v1/zones/{b['zones'].pk}/", {"name": "x"}, format="json").status_code == 404
    assert jwt_client(users["admin"]).delete(f"/api/v1/zones/{a['zones'].pk}/").status_code == 403  # role first
    assert operator.post(f"/api/v1/alerts/{b['alerts'].pk}/acknowledge/").status_code == 404
    assert operator.get(f"/api/v1/alerts/{b['alerts'].pk}/transitions/").status_code == 404
    assert admin.post(f"/api/v1/clusters/{b['clusters'].pk}/reject/").status_code == 404
    assert operator.post(f"/api/v1/alerts/{a['alerts'].pk}/acknowledge/").status_code == 200
    # Foreign keys may only point at rows of one's own sites.
    moved = admin.patch(f"/api/v1/cameras/{a['cameras'].pk}/", {"dvr": str(b["dvrs"].pk)}, format="json")
    assert moved.status_code == 400 and "dvr" in moved.json()["fields"]
    rule = admin.post("/api/v1/alert-rules/", {"name": "r", "camera": str(b["cameras"].pk)}, format="json")
    assert rule.status_code == 400 and "camera" in rule.json()["fields"]
    review = operator.post(
        "/api/v1/review-actions/", {"event": str(b["events"].pk), "action": "confirm"}, format="json"
    )
    assert review.status_code == 400 and "event" in review.json()["fields"]


ROLE_CASES = [
    ("viewer", "post", "/api/v1/cameras/", 403),
    ("operator", "post", "/api/v1/sites/", 403),
    ("operator", "get", "/api/v1/users/", 403),
    ("operator", "get", "/api/v1/audit-logs/", 403),
    ("operator", "get", "/api/v1/health-logs/", 403),
    ("operator", "post", "/api/v1/alert-rules/", 403),
    ("operator", "post", "/api/v1/notification-channels/", 403),
    ("viewer", "post", "/api/v1/persons/", 403),
    ("viewer", "get", "/api/v1/training-jobs/", 403),
    ("operator", "post", "/api/v1/training-datasets/", 403),
    ("device", "post", "/api/v1/persons/", 403),
    ("device", "get", "/api/v1/users/", 403),
    ("admin", "delete", "/api/v1/sites/{site_a}/", 403),
    ("admin", "get", "/api/v1/users/", 200),
    ("admin", "get", "/api/v1/audit-logs/", 200),
    ("operator", "get", "/api/v1/cameras/", 200),
    ("viewer", "get", "/api/v1/events/", 200),
    ("device", "get", "/api/v1/cameras/", 200),
]


def test_role_matrix(world, clients):
    for role, method, url, expected in ROLE_CASES:
        response = getattr(clients[role], method)(url.format(site_a=world.site_a.pk), {}, format="json")
        assert response.status_code == expected, (role, method, url, response.content)
        if expected == 403:
            assert response.json()["code"] == "permission_denied"


def test_viewer_cannot_handle_alerts_but_operator_can(world, clients):
    alert = make_alert(world.cam_a)
    refused = clients["viewer"].post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json")
    assert refused.status_code == 403
    assert clients["operator"].post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json").status_code == 200


def test_cross_site_views_are_for_super_admins_only(world, clients):
    EventFactory(camera=world.cam_a, cluster=ClusterFactory(), event_type="face_detected")
    make_alert(world.cam_a)
    for url in ["/api/v1/recent-events/", "/api/v1/active-alerts/", "/api/v1/clusters-for-review/"]:
        assert clients["admin"].get(url).json()["results"] == [], url
        assert clients["super_admin"].get(url).json()["results"], url
    assert clients["admin"].get("/api/v1/dashboard/stats/").status_code == 404
    stats = clients["super_admin"].get("/api/v1/dashboard/stats/")
    assert stats.status_code == 200 and stats.json()["total_cameras"] == 2


def test_unassigned_users_see_nothing(world, clients):
    lonely = jwt_client(UserFactory(role_name="operator"))
    for url in ["/api/v1/sites/", "/api/v1/cameras/", "/api/v1/events/", "/api/v1/alerts/"]:
        assert lonely.get(url).json()["results"] == [], url
