"""factory_boy factories shared by every test module."""

import datetime as dt
import uuid
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Role, User, UserSiteAssignment
from accounts.services.roles import ensure_role
from alerts.models import AlertRule
from faces.models import Person, PersonCluster
from surveillance.models import DVR, Camera, CameraZone, Event, EventType, Site

PASSWORD = "correct-horse-battery-staple"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Site {n}")
    timezone = "UTC"


class DVRFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DVR

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"NVR {n}")
    ip_address = "192.0.2.1"


class CameraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Camera

    dvr = factory.SubFactory(DVRFactory)
    channel_number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Camera {n}")
    status = "online"


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CameraZone

    camera = factory.SubFactory(CameraFactory)
    name = factory.Sequence(lambda n: f"Zone {n}")
    zone_type = "restricted"
    polygon_points = [{"x": 0.0, "y": 0.5}, {"x": 0.5, "y": 0.5}, {"x": 0.5, "y": 1.0}, {"x": 0.0, "y": 1.0}]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        role_name = None

    @factory.lazy_attribute
    def role(self):
        return ensure_role(self.role_name or Role.OPERATOR)

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        for site in extracted or []:
            UserSiteAssignment.objects.create(user=self, site=site)
        if create:
            self.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")
    status = "known"


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonCluster

    cluster_label = factory.Sequence(lambda n: f"Unknown-T{n:05d}")
    first_seen = factory.LazyFunction(timezone.now)
    last_seen = factory.LazyFunction(timezone.now)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    id = factory.LazyFunction(uuid.uuid4)
    camera = factory.SubFactory(CameraFactory)
    event_type = EventType.HUMAN_DETECTED
    confidence = Decimal("0.900")
    bounding_box = {"x": 100, "y": 600, "width": 100, "height": 300, "frame_width": 1920, "frame_height": 1080}
    timestamp = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=1))


class AlertRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    created_by = factory.SubFactory(UserFactory, role_name=Role.ADMIN)
    confidence_threshold = Decimal("0.5")
    severity = "high"
