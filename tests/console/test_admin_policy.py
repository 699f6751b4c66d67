"""The access policy in the admin: each role × resource × action through Django's permission
checks, and site A vs site B across changelist, change view, autocomplete, list filters,
actions, credentials and media URLs."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from accounts import policy
from accounts.backends import DJANGO_ACTIONS
from accounts.models import UserSiteAssignment
from accounts.scoping import SCOPES, has_scope, scope_of
from accounts.services.roles import DEFAULT_ROLES
from alerts.models import Alert
from surveillance.models import DVR, Camera
from tests.console.conftest import login, stored_snapshot
from tests.factories import EventFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

RESOURCE_MODELS = sorted(model._meta.label_lower for model in SCOPES)


def expected(role: str, label: str, verb: str) -> bool:
    scope = scope_of(apps.get_model(label))
    resource = scope.resource
    action = DJANGO_ACTIONS[verb]
    action = policy.ACTION_ALIASES.get((resource, action), action)
    if role != "super_admin" and scope.all_sites:
        return False
    return role == "super_admin" or bool(DEFAULT_ROLES[role][1].get(resource, {}).get(action, False))


@pytest.mark.parametrize("role", sorted(DEFAULT_ROLES))
def test_django_permissions_follow_the_role_matrix(role):
    user = UserFactory(role_name=role)
    mismatches = []
    for label in RESOURCE_MODELS:
        model = apps.get_model(label)
        for verb in DJANGO_ACTIONS:
            perm = f"{model._meta.app_label}.{verb}_{model._meta.model_name}"
            if user.has_perm(perm) != expected(role, label, verb):
                mismatches.append(perm)
    assert not mismatches, mismatches


def test_every_admin_model_is_governed_by_a_scope():
    """A model registered in the admin without an access scope would fail on its first page."""
    missing = [m._meta.label_lower for m in admin.site._registry if not has_scope(m)]
    assert not missing, missing


def test_operator_uses_the_admin_for_their_site_only(client_a, sites, operator_a):
    EventFactory(camera=sites["cam_a"]), EventFactory(camera=sites["cam_b"])
    site_c = SiteFactory(name="Site C")
    UserSiteAssignment.objects.create(user=operator_a, site=site_c)
    response = client_a.get(reverse("admin:surveillance_camera_changelist"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["cl"].result_list] == [sites["cam_a"].pk]
    events = client_a.get(reverse("admin:surveillance_event_changelist"))
    assert {e.camera_id for e in events.context["cl"].result_list} == {sites["cam_a"].pk}
    # The site list filter offers only the operator's site.
    [site_filter] = [
        f for f in events.context["cl"].filter_specs if getattr(f, "field_path", "") == "camera__dvr__site"
    ]
    assert site_filter.lookup_choices == [(sites["a"].pk, "Site A"), (site_c.pk, "Site C")]
    assert b"Site B" not in events.content
    # Their role has no user administration, so that app is not even listed.
    index = client_a.get(reverse("admin:index"))
    assert reverse("admin:accounts_user_changelist") not in index.content.decode()
    assert client_a.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_other_sites_objects_answer_404(client_a, sites):
    event_b = EventFactory(camera=sites["cam_b"])
    assert client_a.get(reverse("admin:surveillance_camera_change", args=[sites["cam_b"].pk])).status_code == 404
    assert client_a.get(reverse("admin:surveillance_event_change", args=[event_b.pk])).status_code == 404
    assert client_a.get(reverse("admin:surveillance_camera_change", args=[sites["cam_a"].pk])).status_code == 200
    assert client_a.get(reverse("admin:surveillance_camera_change", args=["not-a-uuid"])).status_code == 404


def test_autocomplete_offers_only_own_sites_cameras(client_a, sites):
    url = reverse("admin:autocomplete")
    params = {"app_label": "surveillance", "model_name": "event", "field_name": "camera", "term": "Gate"}
    response = client_a.get(url, params)
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Gate A"]


def test_bulk_action_cannot_reach_another_site(client, sites):
    admin_a = UserFactory(role_name="admin", sites=[sites["a"]])
    login(client, admin_a)
    alert_b = Alert.objects.create(camera=sites["cam_b"], alert_type="x", severity="low", message="b")
    alert_a = Alert.objects.create(camera=sites["cam_a"], alert_type="x", severity="low", message="a")
    # admin may configure alerts (delete), but only where they are assigned.
    response = client.post(
        reverse("admin:alerts_alert_changelist"),
        {"action": "delete_selected", "_selected_action": [alert_a.pk, alert_b.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Alert.objects.filter(pk=alert_a.pk).exists()
    assert Alert.objects.filter(pk=alert_b.pk).exists()


def test_credentials_only_for_who_may_configure_the_device(client, sites):
    dvr_a = DVR.objects.get(site=sites["a"])
    dvr_a.username, dvr_a.password = "root", "s3cret-pass"
    dvr_a.save()
    Camera.objects.filter(pk=sites["cam_a"].pk).update(rtsp_url="rtsp://root:s3cret-pass@192.0.2.1/1")
    operator = UserFactory(role_name="operator", sites=[sites["a"]])
    login(client, operator)
    for url in (
        reverse("admin:surveillance_dvr_change", args=[dvr_a.pk]),
        reverse("admin:surveillance_camera_change", args=[sites["cam_a"].pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert b"s3cret-pass" not in page.content
        assert b'name="password"' not in page.content and b'name="rtsp_url"' not in page.content
    admin_a = UserFactory(role_name="admin", sites=[sites["a"]])
    login(client, admin_a)
    page = client.get(reverse("admin:surveillance_dvr_change", args=[dvr_a.pk]))
    assert b'name="password"' in page.content


def test_media_url_follows_the_policy(client_a, sites, media_root):
    mine = stored_snapshot(sites["cam_a"])
    theirs = stored_snapshot(sites["cam_b"])
    ok = client_a.get(reverse("admin:console_media", args=[mine.storage_path]))
    assert ok.status_code == 200 and ok["Content-Type"] == "image/jpeg"
    thumb = client_a.get(reverse("admin:console_media", args=[mine.storage_path]) + "?w=96")
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    assert client_a.get(reverse("admin:console_media", args=[theirs.storage_path])).status_code == 404
    assert client_a.get(reverse("admin:console_media", args=["../etc/passwd"])).status_code == 404
    # No public /media/ mapping serves the files around the policy.
    assert client_a.get("/media/" + theirs.storage_path).status_code == 404


def test_full_media_downloads_are_audited(client_a, sites, media_root, operator_a):
    from accounts.models import AuditLog

    mine = stored_snapshot(sites["cam_a"])
    client_a.get(reverse("admin:console_media", args=[mine.storage_path]))
    assert AuditLog.objects.filter(action="media_download", user_id=operator_a.pk, resource_id=mine.pk).exists()


def test_cross_site_views_are_for_those_who_see_every_site(client_a, sites):
    assert client_a.get(reverse("admin:alerts_activealert_changelist")).status_code == 403
    assert client_a.get(reverse("admin:faces_unknownclusterforreview_changelist")).status_code == 403
