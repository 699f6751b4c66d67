"""The access policy: role matrix × site assignments, three users (owner site, other site, outsider)."""

import pytest

from accounts import policy
from accounts.services.api_keys import issue_api_key, revoke_api_key, verify_api_key
from alerts.models import Alert
from surveillance.models import Camera, Event
from tests.factories import CameraFactory, ClusterFactory, EventFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sites():
    site_a, site_b = SiteFactory(), SiteFactory()
    cam_a, cam_b = CameraFactory(dvr__site=site_a), CameraFactory(dvr__site=site_b)
    return site_a, site_b, cam_a, cam_b


@pytest.mark.parametrize(
    "role,resource,action,expected",
    [
        ("operator", "events", "acknowledge", True),
        ("operator", "cameras", "write", False),
        ("operator", "users", "read", False),
        ("viewer", "events", "acknowledge", False),
        ("viewer", "persons", "write", False),
        ("admin", "persons", "merge", True),
        ("admin", "sites", "delete", False),
        ("admin", "alerts", "write", True),  # "write" on alerts is the matrix's "configure"
        ("operator", "alerts", "write", False),
        ("api_client", "events", "write", True),
        ("api_client", "users", "read", False),
        ("super_admin", "anything", "at_all", True),
    ],
)
def test_role_matrix(role, resource, action, expected):
    assert policy.can(UserFactory(role_name=role), resource, action) is expected


def test_operator_sees_only_own_site(two_sites):
    site_a, _, cam_a, cam_b = two_sites
    operator = UserFactory(role_name="operator", sites=[site_a])
    EventFactory(camera=cam_a), EventFactory(camera=cam_b)
    Alert.objects.create(camera=cam_b, alert_type="x", severity="low", message="m")
    assert list(Camera.objects.all().restrict(operator)) == [cam_a]
    assert {e.camera_id for e in Event.objects.all().restrict(operator)} == {cam_a.id}
    assert not Alert.objects.all().restrict(operator).exists()


def test_super_admin_sees_everything_and_outsider_nothing(two_sites):
    assert Camera.objects.all().restrict(UserFactory(role_name="super_admin")).count() == 2
    assert Camera.objects.all().restrict(UserFactory(role_name="operator")).count() == 0


def test_missing_permission_empties_the_queryset(two_sites):
    site_a, *_ = two_sites
    viewer = UserFactory(role_name="viewer", sites=[site_a])
    assert Camera.objects.all().restrict(viewer, "write").count() == 0
    assert Camera.objects.all().restrict(viewer, "read").count() == 1


def test_clusters_are_visible_where_they_were_seen(two_sites):
    site_a, _, cam_a, cam_b = two_sites
    here, there = ClusterFactory(), ClusterFactory()
    EventFactory(camera=cam_a, cluster=here, event_type="face_detected")
    EventFactory(camera=cam_b, cluster=there, event_type="face_detected")
    operator = UserFactory(role_name="operator", sites=[site_a])
    from faces.models import PersonCluster

    assert list(PersonCluster.objects.all().restrict(operator)) == [here]


def test_credentials_only_for_those_who_configure_the_site(two_sites):
    site_a, site_b, *_ = two_sites
    assert not policy.can_see_device_credentials(UserFactory(role_name="operator", sites=[site_a]), site_a.id)
    admin = UserFactory(role_name="admin", sites=[site_a])
    assert policy.can_see_device_credentials(admin, site_a.id)
    assert not policy.can_see_device_credentials(admin, site_b.id)


def test_api_key_is_hashed_scoped_and_revocable(two_sites):
    site_a, site_b, cam_a, cam_b = two_sites
    device = UserFactory(role_name="api_client", sites=[site_a, site_b], is_staff=False)
    api_key, raw = issue_api_key(device, "gate", cameras=[cam_a])
    assert raw not in api_key.key_hash and api_key.prefix in raw
    assert verify_api_key(raw) == api_key
    assert verify_api_key(raw + "x") is None and verify_api_key("garbage") is None
    # Narrowed to one camera: the key sees that camera and its events, not its site's others.
    cam_a2 = CameraFactory(dvr=cam_a.dvr)
    EventFactory(camera=cam_a), EventFactory(camera=cam_a2)
    assert {e.camera_id for e in Event.objects.restrict(device, api_key=api_key)} == {cam_a.id}
    assert Camera.objects.filter(pk=cam_a2.pk).restrict(device).exists()  # the user alone sees it
    assert list(Camera.objects.all().restrict(device, api_key=api_key)) == [cam_a]
    revoke_api_key(api_key)
    assert verify_api_key(raw) is None
