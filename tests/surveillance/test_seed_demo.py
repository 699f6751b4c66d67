import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import User
from alerts.models import Alert, AlertRule
from console.services.demo import DEMO_SOURCE
from faces.models import Person
from surveillance.models import Camera, CameraZone, Event, Site

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_raises_matching_alerts(capsys):
    call_command("seed_demo", events=2000, days=60)
    counts = (Site.objects.count(), Camera.objects.count(), CameraZone.objects.count(), User.objects.count())
    assert counts[:2] == (2, 9) and counts[2] >= 8  # 8 cameras + the demo video camera
    assert {u.role.name for u in User.objects.all()} == {"super_admin", "admin", "operator", "viewer", "api_client"}
    assert Event.objects.filter(metadata__source=DEMO_SOURCE).count() == 2000
    alerts = Alert.objects.count()
    assert alerts > 0
    # Every alert points at a stored event that its rule matches.
    for alert in Alert.objects.select_related("alert_rule")[:50]:
        event = Event.objects.get(id=alert.event_id)
        rule = alert.alert_rule
        assert rule.camera_id in (None, event.camera_id) and rule.event_type in (None, event.event_type)
        assert event.confidence >= rule.confidence_threshold

    # People share names: a namesake of a demo person created since must not break the re-seed.
    persons = Person.objects.count()
    Person.objects.create(name="Hiroshi Sato")
    first_rule = AlertRule.objects.order_by("name").first()
    AlertRule.objects.create(name=first_rule.name, created_by=first_rule.created_by)
    call_command("seed_demo", events=2000, days=60)
    assert Person.objects.count() == persons + 1 and Person.objects.filter(name="Hiroshi Sato").count() == 2
    assert (Site.objects.count(), Camera.objects.count(), CameraZone.objects.count(), User.objects.count()) == counts
    assert Event.objects.filter(metadata__source=DEMO_SOURCE).count() == 2000
    assert Alert.objects.count() == alerts
    assert "superadmin" in (settings.STATE_DIR / "demo_logins.txt").read_text()


def test_seed_demo_rejects_bad_arguments():
    with pytest.raises(SystemExit):
        call_command("seed_demo", events=-1)
