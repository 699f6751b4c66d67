"""Two sites with one row of every site-bound model each, for the isolation matrix.

`BUILDERS` maps each model whose rows belong to a site (scope kinds camera, site, via and rule)
to a function that makes one such row at a given site. The matrix fails for a model served by the
admin or the API that is site-bound but has no builder here, so a new model cannot skip it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils import timezone
from model_bakery import baker, generators
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import APIKey, AuditLog, User, UserSiteAssignment
from accounts.scoping import scope_of
from accounts.services.api_keys import issue_api_key
from accounts.services.sessions import start_session
from alerts.models import (
    Alert,
    AlertRule,
    EmailConfig,
    NotificationChannel,
    NotificationDelivery,
    NotificationPreference,
    TelegramConfig,
    WebhookConfig,
    WhatsAppConfig,
)
from faces.models import FaceEmbedding, FaceObservation, IngestFrame, NegativeExample, PersonCluster, ReviewAction
from surveillance.models import (
    DVR,
    Camera,
    CameraZone,
    DeviceConnectivityLog,
    Event,
    MediaFile,
    Site,
    SuspiciousActivityEvent,
    VideoClip,
)
from tests.console.conftest import stored_snapshot
from tests.factories import (
    AlertRuleFactory,
    CameraFactory,
    ClusterFactory,
    EventFactory,
    PersonFactory,
    SiteFactory,
    UserFactory,
    ZoneFactory,
)

generators.add("accounts.crypto.EncryptedTextField", lambda: "s3cret-test-value")
generators.add("pgvector.django.vector.VectorField", lambda: [0.044] * 512)
generators.add("pgvector.django.halfvec.HalfVectorField", lambda: [0.044] * 512)
generators.add("faces.fields.HalfEmbeddingField", lambda: [0.044] * 512)


@dataclass
class SiteWorld:
    """One site, its people, and one row of every site-bound model (`rows[Model]`)."""

    name: str
    site: Site
    camera: Camera
    users: dict[str, User]
    rows: dict[type[models.Model], models.Model] = field(default_factory=dict)
    media: MediaFile | None = None

    def row(self, model: type[models.Model]) -> models.Model:
        return self.rows[model]


def _alert(w: SiteWorld) -> Alert:
    return Alert.objects.create(
        camera=w.camera,
        alert_type="person_recognized",
        severity="high",
        message=f"alert at {w.name}",
        event_id=w.row(Event).id,
    )


def _channel(w: SiteWorld) -> NotificationChannel:
    # Personal: a shared channel's name is readable at every site by design (see its scope).
    return NotificationChannel.objects.create(
        name=f"{w.name} pager",
        channel_type="webhook",
        owner=w.users["operator"],
        created_by=w.users["operator"],
        is_active=True,
    )


def _config(model: type[models.Model]) -> Callable[[SiteWorld], models.Model]:
    def build(w: SiteWorld) -> models.Model:
        channel = NotificationChannel.objects.create(
            name=f"{w.name} {model.__name__}", owner=w.users["operator"], created_by=w.users["operator"]
        )
        return baker.make(model, channel=channel)

    return build


def _session(w: SiteWorld) -> OutstandingToken:
    start_session(w.users["operator"])
    return OutstandingToken.objects.filter(user=w.users["operator"]).latest("created_at")


def _cluster(w: SiteWorld) -> PersonCluster:
    cluster = ClusterFactory(cluster_label=f"Unknown-{w.name}")
    EventFactory(camera=w.camera, cluster=cluster, event_type="face_detected")
    return cluster


def _sighting_of(model: type[models.Model], **extra) -> Callable[[SiteWorld], models.Model]:
    def build(w: SiteWorld) -> models.Model:
        return baker.make(model, event_id=w.row(Event).id, **{k: v(w) for k, v in extra.items()})

    return build


BUILDERS: dict[type[models.Model], Callable[[SiteWorld], models.Model]] = {
    Site: lambda w: w.site,
    DVR: lambda w: w.camera.dvr,
    Camera: lambda w: w.camera,
    CameraZone: lambda w: ZoneFactory(camera=w.camera, name=f"{w.name} yard"),
    Event: lambda w: EventFactory(camera=w.camera),
    MediaFile: lambda w: w.media,
    VideoClip: lambda w: VideoClip.objects.create(
        media_file=w.media,
        camera=w.camera,
        duration=Decimal("30"),
        size_bytes=w.media.file_size,
        start_time=w.media.timestamp,
        end_time=w.media.timestamp + dt.timedelta(seconds=30),
    ),
    SuspiciousActivityEvent: lambda w: SuspiciousActivityEvent.objects.create(
        camera=w.camera,
        activity_type="loitering",
        confidence=Decimal("0.800"),
        severity="medium",
        timestamp=timezone.now() - dt.timedelta(minutes=2),
    ),
    DeviceConnectivityLog: lambda w: DeviceConnectivityLog.objects.create(
        device_type="camera", device_id=w.camera.id, event="offline", timestamp=timezone.now()
    ),
    User: lambda w: w.users["operator"],
    UserSiteAssignment: lambda w: UserSiteAssignment.objects.get(user=w.users["operator"]),
    APIKey: lambda w: issue_api_key(w.users["operator"], f"{w.name} detector", sites=[w.site])[0],
    OutstandingToken: lambda w: _session(w),
    AuditLog: lambda w: AuditLog.objects.create(
        user=w.users["operator"],
        action="update",
        resource_type="camera",
        resource_id=w.camera.id,
        timestamp=timezone.now(),
    ),
    Alert: _alert,
    AlertRule: lambda w: AlertRuleFactory(name=f"{w.name} rule", camera=w.camera, created_by=w.users["admin"]),
    NotificationChannel: _channel,
    EmailConfig: _config(EmailConfig),
    TelegramConfig: _config(TelegramConfig),
    WebhookConfig: _config(WebhookConfig),
    WhatsAppConfig: _config(WhatsAppConfig),
    NotificationDelivery: lambda w: NotificationDelivery.objects.create(
        alert=w.row(Alert), channel=w.row(NotificationChannel), status="sent"
    ),
    NotificationPreference: lambda w: NotificationPreference.objects.create(user=w.users["operator"]),
    PersonCluster: _cluster,
    FaceEmbedding: lambda w: baker.make(
        FaceEmbedding, crop=w.media, cluster=w.row(PersonCluster), person=None, event_id=w.row(Event).id
    ),
    FaceObservation: lambda w: baker.make(FaceObservation, camera=w.camera, crop=w.media, event_id=w.row(Event).id),
    IngestFrame: lambda w: baker.make(IngestFrame, camera=w.camera, media=w.media),
    NegativeExample: _sighting_of(NegativeExample, person=lambda w: PersonFactory(name=f"{w.name} suspect")),
    ReviewAction: _sighting_of(ReviewAction, reviewer=lambda w: w.users["operator"]),
}


def automatic_builder(model: type[models.Model]) -> Callable[[SiteWorld], models.Model] | None:
    """For a scope that is one foreign key away from the camera, the site or another scoped
    model: a row made by model_bakery with that key set (every other field filled at random)."""
    scope = scope_of(model)
    if scope.camera and "__" not in scope.camera and scope.camera != "pk":
        return lambda w: baker.make(model, **{scope.camera: w.camera})
    if scope.site and "__" not in scope.site and scope.site != "pk":
        return lambda w: baker.make(model, **{scope.site: w.site})
    if scope.via and "__" not in scope.via:
        target = model._meta.get_field(scope.via).related_model
        return lambda w: baker.make(model, **{scope.via: w.row(target)})
    return None


def builder_for(model: type[models.Model]) -> Callable[[SiteWorld], models.Model] | None:
    return BUILDERS.get(model) or automatic_builder(model)


def build_site(name: str, extra_models=()) -> SiteWorld:
    """A site with a camera, an operator, a viewer and an admin assigned to it, and one row of
    every model in BUILDERS and of `extra_models` (automatic builders)."""
    site = SiteFactory(name=f"Site {name}")
    camera = CameraFactory(dvr__site=site, name=f"Gate {name}")
    users = {
        role: UserFactory(username=f"{role}-{name.lower()}", role_name=role, sites=[site])
        for role in ("operator", "viewer", "admin")
    }
    w = SiteWorld(name=name, site=site, camera=camera, users=users)
    w.media = stored_snapshot(camera)
    for model, build in BUILDERS.items():
        w.rows[model] = build(w)
    pending = [m for m in extra_models if m not in w.rows and automatic_builder(m) is not None]
    while pending:  # a `via` row needs its target's row first
        ready = [m for m in pending if not scope_of(m).via or _via_target(m) not in pending]
        if not ready:
            raise RuntimeError(f"no order builds {pending}")
        for model in ready:
            w.rows[model] = automatic_builder(model)(w)
            pending.remove(model)
    return w


def _via_target(model: type[models.Model]) -> type[models.Model]:
    return model._meta.get_field(scope_of(model).via).related_model
