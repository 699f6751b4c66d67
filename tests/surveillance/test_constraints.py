"""Every CHECK and unique constraint of the schema rejects a bad row."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import PermissionGrant, Role, UserSiteAssignment
from faces.models import FaceEmbedding, ModelVersion, PersonAlias, PersonCluster, PersonLabel, Watchlist, WatchlistEntry
from surveillance.models import Camera, MediaFile, Site, SuspiciousActivityEvent, VideoClip
from tests.factories import CameraFactory, ClusterFactory, EventFactory, PersonFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def rejects(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def vector():
    v = np.random.default_rng(1).normal(size=512)
    return v / np.linalg.norm(v)


@pytest.mark.parametrize("value", [Decimal("-0.001"), Decimal("1.001")])
def test_confidence_and_quality_must_be_within_0_and_1(value):
    camera = CameraFactory()
    person = PersonFactory()
    rejects(lambda: EventFactory(camera=camera, confidence=value))
    rejects(
        lambda: SuspiciousActivityEvent.objects.create(
            camera=camera, activity_type="loitering", confidence=value, severity="high", timestamp=timezone.now()
        )
    )
    rejects(
        lambda: FaceEmbedding.objects.create(
            person=person, embedding=vector(), source_image_path="x.jpg", face_quality=value, model_version="t"
        )
    )
    rejects(
        lambda: FaceEmbedding.objects.create(
            person=person, embedding=vector(), source_image_path="x.jpg", confidence=value, model_version="t"
        )
    )
    from tests.factories import AlertRuleFactory

    rejects(lambda: AlertRuleFactory(confidence_threshold=value))


def test_boundaries_are_accepted():
    EventFactory(confidence=Decimal("0"))
    EventFactory(confidence=Decimal("1"))


def test_embedding_needs_a_person_or_a_cluster():
    rejects(lambda: FaceEmbedding.objects.create(embedding=vector(), source_image_path="x.jpg", model_version="t"))
    FaceEmbedding.objects.create(cluster=ClusterFactory(), embedding=vector(), source_image_path="x", model_version="t")


def test_clip_end_after_start_and_positive_duration():
    camera = CameraFactory()
    now = timezone.now()
    media = MediaFile.objects.create(
        file_type="video",
        storage_path="c.mp4",
        file_size=10,
        checksum="0" * 64,
        camera=camera,
        timestamp=now,
        retention_until=now,
    )
    rejects(
        lambda: VideoClip.objects.create(
            media_file=media, camera=camera, duration=Decimal("5"), start_time=now, end_time=now, size_bytes=10
        )
    )
    rejects(
        lambda: VideoClip.objects.create(
            media_file=media,
            camera=camera,
            duration=Decimal("0"),
            start_time=now,
            end_time=now + dt.timedelta(seconds=5),
            size_bytes=10,
        )
    )


def test_unique_constraints():
    site = SiteFactory(name="Dup")
    rejects(lambda: Site.objects.create(name="Dup"))
    camera = CameraFactory()
    rejects(lambda: Camera.objects.create(dvr=camera.dvr, channel_number=camera.channel_number, name="again"))
    person = PersonFactory()
    PersonAlias.objects.create(person=person, alias_name="Al")
    rejects(lambda: PersonAlias.objects.create(person=person, alias_name="Al"))
    PersonLabel.objects.create(person=person, label="vip")
    rejects(lambda: PersonLabel.objects.create(person=person, label="vip"))
    ClusterFactory(cluster_label="Unknown-99999")
    rejects(
        lambda: PersonCluster.objects.create(
            cluster_label="Unknown-99999", first_seen=timezone.now(), last_seen=timezone.now()
        )
    )
    user = UserFactory(sites=[site])
    rejects(lambda: UserSiteAssignment.objects.create(user=user, site=site))
    rejects(lambda: UserFactory(username=user.username))
    rejects(lambda: UserFactory(email=user.email))
    watchlist = Watchlist.objects.create(name="W", watch_type="vip", created_by=user)
    WatchlistEntry.objects.create(watchlist=watchlist, person=person, added_by=user)
    rejects(lambda: WatchlistEntry.objects.create(watchlist=watchlist, person=person, added_by=user))
    role = Role.objects.get(name="viewer")
    rejects(lambda: Role.objects.create(name="viewer"))
    rejects(lambda: PermissionGrant.objects.create(role=role, resource="cameras", action="read"))
    ModelVersion.objects.create(version_string="1.0")
    rejects(lambda: ModelVersion.objects.create(version_string="1.0"))


def test_only_one_production_model_version():
    ModelVersion.objects.create(version_string="a", is_production=True)
    ModelVersion.objects.create(version_string="b", is_production=False)
    rejects(lambda: ModelVersion.objects.create(version_string="c", is_production=True))


def test_default_roles_and_their_matrix_rows_are_seeded():
    names = set(Role.objects.values_list("name", flat=True))
    assert {"super_admin", "admin", "operator", "viewer", "api_client"} <= names
    operator = Role.objects.get(name="operator")
    assert operator.allows("events", "acknowledge") and not operator.allows("users", "write")
    grants = {(g.resource, g.action): g.granted for g in PermissionGrant.objects.filter(role=operator)}
    assert grants[("events", "acknowledge")] is True and grants[("users", "write")] is False
    assert len(grants) == sum(len(actions) for actions in operator.permissions.values())


def test_updated_at_is_maintained_by_the_database():
    camera = CameraFactory()
    before = camera.updated_at
    Camera.objects.filter(pk=camera.pk).update(name="renamed")  # bypasses auto_now: the trigger does it
    camera.refresh_from_db()
    assert camera.updated_at > before


def test_a_cameras_config_is_checked_where_it_is_edited():
    camera = CameraFactory(config={})
    camera.config = {"recording": "yes", "clip_pre_seconds": 900, "jpeg_quality": 80.5, "vendor": {"any": 1}}
    with pytest.raises(ValidationError) as failure:
        camera.full_clean()  # what the admin's form runs
    assert failure.value.message_dict["config"] == [
        "clip_pre_seconds: must be between 0 and 300",
        "jpeg_quality: must be a whole number",
        "recording: must be true or false",
    ]
    camera.config = {"recording": True, "clip_pre_seconds": 5, "jpeg_quality": 80, "vendor": {"any": 1}}
    camera.full_clean()
