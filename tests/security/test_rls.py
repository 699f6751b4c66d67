"""Row-level security as defence in depth: connected as the application's non-superuser role,
with the application's per-site filter deliberately bypassed (raw SQL, unfiltered querysets),
an operator still sees only their sites' rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connections, transaction
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import RequestFactory

from accounts.services.audit import RequestActor, audit_actor, record_access, reset_actor, set_actor
from alerts.models import Alert
from surveillance.models import Event, MediaFile
from tests.factories import CameraFactory, EventFactory, SiteFactory, UserFactory

from .conftest import APP_ROLE, APP_ROLE_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
ALIAS = "orin_app"


@pytest.fixture
def app_db(app_role_dsn):
    """A second Django connection, as the application role, to the test database. Registered
    for this thread only (not in settings), so Django's test isolation leaves it alone."""
    settings_dict = {**connections["default"].settings_dict, "USER": APP_ROLE, "PASSWORD": APP_ROLE_PASSWORD}
    connections[ALIAS] = DatabaseWrapper(settings_dict, alias=ALIAS)
    try:
        yield connections[ALIAS]
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]


@pytest.fixture
def two_sites(db):
    site_a, site_b = SiteFactory(name="Site A"), SiteFactory(name="Site B")
    cam_a, cam_b = CameraFactory(dvr__site=site_a), CameraFactory(dvr__site=site_b)
    for camera in (cam_a, cam_b):
        event = EventFactory(camera=camera)
        Alert.objects.create(camera=camera, alert_type="intrusion", severity="high", message="m", event_id=event.id)
        MediaFile.objects.create(
            camera=camera,
            file_type="snapshot",
            storage_path=f"s/{camera.pk}.jpg",
            file_size=1,
            timestamp=event.timestamp,
            retention_until=event.timestamp + dt.timedelta(days=30),
        )
    return {
        "cam_a": cam_a,
        "cam_b": cam_b,
        "operator_a": UserFactory(username="op_a", role_name="operator", sites=[site_a]),
        "super": UserFactory(username="boss", role_name="super_admin"),
    }


def raw(db, sql: str, params=()) -> list:
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def cameras_seen(db, table: str) -> set:
    return {row[0] for row in raw(db, f"SELECT DISTINCT camera_id FROM {table}")}  # noqa: S608


@pytest.mark.parametrize("table", ["events", "alerts", "media_files"])
def test_operator_a_raw_query_returns_no_rows_of_site_b(app_db, two_sites, table):
    with audit_actor(two_sites["operator_a"]):
        assert cameras_seen(app_db, table) == {two_sites["cam_a"].pk}


def test_unfiltered_orm_querysets_are_cut_down_too(app_db, two_sites):
    with audit_actor(two_sites["operator_a"]):
        assert set(Event.objects.using(ALIAS).values_list("camera_id", flat=True)) == {two_sites["cam_a"].pk}
        assert Alert.objects.using(ALIAS).count() == 1


def test_super_admin_and_named_services_see_every_site(app_db, two_sites):
    both = {two_sites["cam_a"].pk, two_sites["cam_b"].pk}
    with audit_actor(two_sites["super"]):
        assert cameras_seen(app_db, "events") == both
    with audit_actor("service:test"):
        assert cameras_seen(app_db, "alerts") == both


def test_no_actor_means_no_rows(app_db, two_sites):
    assert raw(app_db, "SELECT count(*) FROM events") == [(0,)]
    anonymous = RequestActor(RequestFactory().get("/"))
    token = set_actor(anonymous)
    try:
        assert raw(app_db, "SELECT count(*) FROM alerts") == [(0,)]
    finally:
        reset_actor(token)


def test_operator_cannot_touch_or_create_rows_of_another_site(app_db, two_sites):
    with audit_actor(two_sites["operator_a"]):
        with app_db.cursor() as cursor:
            cursor.execute("UPDATE alerts SET status = 'ignored' WHERE camera_id = %s", [two_sites["cam_b"].pk])
            assert cursor.rowcount == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic(using=ALIAS):
            EventFactory.build(camera=two_sites["cam_b"]).save(using=ALIAS)


def test_partitions_cannot_be_read_directly(app_db, two_sites):
    with audit_actor(two_sites["super"]), pytest.raises(DatabaseError, match="permission denied"):
        raw(app_db, "SELECT count(*) FROM events_default")


def test_audit_logs_show_a_user_only_their_own_rows(app_db, two_sites):
    operator = two_sites["operator_a"]
    record_access(operator, "gallery_view", "person")
    record_access(two_sites["super"], "export", "event")
    with audit_actor(operator):
        assert {a for (a,) in raw(app_db, "SELECT action FROM audit_logs")} == {"gallery_view"}
    admin = UserFactory(role_name="admin")
    with audit_actor(admin):
        assert raw(app_db, "SELECT count(*) FROM audit_logs WHERE action IN ('gallery_view', 'export')") == [(2,)]


def test_request_actor_follows_the_user_once_authentication_resolves_it(app_db, two_sites):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    token = set_actor(RequestActor(request))
    try:
        assert raw(app_db, "SELECT count(*) FROM events") == [(0,)]  # not signed in yet
        request.user = two_sites["operator_a"]  # what DRF does after authenticating
        assert cameras_seen(app_db, "events") == {two_sites["cam_a"].pk}
        assert raw(app_db, "SELECT current_setting('app.client_ip')") == [("203.0.113.9",)]
    finally:
        reset_actor(token)


def test_actor_settings_follow_transactions_and_savepoints_on_the_app_connection(app_db, two_sites):
    only_a = {two_sites["cam_a"].pk}
    with audit_actor(two_sites["operator_a"]), transaction.atomic(using=ALIAS):
        assert cameras_seen(app_db, "events") == only_a
        try:
            with transaction.atomic(using=ALIAS), audit_actor(two_sites["super"]):
                assert len(cameras_seen(app_db, "events")) == 2
                raise RuntimeError
        except RuntimeError:
            pass
        assert cameras_seen(app_db, "events") == only_a
    with audit_actor(two_sites["operator_a"]):  # after COMMIT the transaction-local values are gone
        assert cameras_seen(app_db, "events") == only_a
    assert raw(app_db, "SELECT count(*) FROM events") == [(0,)]
