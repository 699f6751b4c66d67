"""Cooldown folding: repeats of a rule + camera + person/cluster fold into the open alert."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from alerts.models import Alert
from alerts.services.lifecycle import acknowledge_alert, resolve_alert
from alerts.signals import alert_changed, alerts_changed
from surveillance.models import Event
from surveillance.services.events import record_events
from tests.factories import AlertRuleFactory, CameraFactory, ClusterFactory, PersonFactory, UserFactory

T0 = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)


def sighting(camera, person=None, cluster=None, at=0.0) -> Event:
    return Event(
        camera=camera,
        person=person,
        cluster=cluster,
        event_type="person_recognized" if person else "face_detected",
        confidence=Decimal("0.950"),
        bounding_box={"x": 0.4, "y": 0.4, "width": 0.1, "height": 0.3},
        timestamp=T0 + dt.timedelta(seconds=at),
    )


@pytest.fixture
def setup(db):
    camera = CameraFactory()
    rule = AlertRuleFactory(cooldown_seconds=60)
    return camera, rule, PersonFactory(), PersonFactory()


def alerts_of(rule):
    return list(Alert.objects.filter(alert_rule=rule).order_by("first_seen"))


def test_repeats_in_one_batch_fold_into_one_alert(setup):
    camera, rule, kim, _ = setup
    created = record_events([sighting(camera, kim, at=s) for s in (50, 0, 10, 30, 100)])
    assert len(created) == 1
    (alert,) = alerts_of(rule)
    assert alert.occurrences == 5
    assert (alert.first_seen, alert.last_seen) == (T0, T0 + dt.timedelta(seconds=100))
    assert created[0].event_id == alert.event_id  # the first sighting is the alert's evidence


def test_later_batches_fold_and_a_gap_beyond_the_cooldown_opens_a_new_alert(setup):
    camera, rule, kim, _ = setup
    record_events([sighting(camera, kim, at=0)])
    assert record_events([sighting(camera, kim, at=45)]) == []  # folded
    assert record_events([sighting(camera, kim, at=-30)]) == []  # out of order, still within the cooldown
    (alert,) = alerts_of(rule)
    assert alert.occurrences == 3 and alert.first_seen == T0 - dt.timedelta(seconds=30)
    assert alert.last_seen == T0 + dt.timedelta(seconds=45)
    new = record_events([sighting(camera, kim, at=45 + 61)])
    assert len(new) == 1 and len(alerts_of(rule)) == 2


def test_the_key_is_rule_camera_and_person_or_cluster(setup):
    camera, rule, kim, lee = setup
    other_camera = CameraFactory()
    cluster_a, cluster_b = ClusterFactory(), ClusterFactory()
    record_events(
        [
            sighting(camera, kim, at=0),
            sighting(camera, lee, at=1),
            sighting(other_camera, kim, at=2),
            sighting(camera, cluster=cluster_a, at=3),
            sighting(camera, cluster=cluster_a, at=4),
            sighting(camera, cluster=cluster_b, at=5),
        ]
    )
    by_subject = {(a.camera_id, a.person_id or a.cluster_id): a.occurrences for a in alerts_of(rule)}
    assert by_subject == {
        (camera.id, kim.id): 1,
        (camera.id, lee.id): 1,
        (other_camera.id, kim.id): 1,
        (camera.id, cluster_a.id): 2,
        (camera.id, cluster_b.id): 1,
    }


def test_cooldown_zero_means_every_match_is_an_alert(setup):
    camera, rule, kim, _ = setup
    rule.cooldown_seconds = 0
    rule.save()
    record_events([sighting(camera, kim, at=s) for s in (0, 1, 2)])
    record_events([sighting(camera, kim, at=3)])
    assert [a.occurrences for a in alerts_of(rule)] == [1, 1, 1, 1]


def test_acknowledged_alerts_still_fold_but_closed_ones_do_not(setup):
    camera, rule, kim, _ = setup
    operator = UserFactory()
    (first,) = record_events([sighting(camera, kim, at=0)])
    acknowledge_alert(first, operator)
    assert record_events([sighting(camera, kim, at=20)]) == []
    resolve_alert(first, operator)
    assert len(record_events([sighting(camera, kim, at=40)])) == 1
    assert [a.occurrences for a in alerts_of(rule)] == [2, 1]


def test_folds_are_announced_after_commit(setup):
    camera, rule, kim, _ = setup
    seen = []

    def receiver(sender, alert, change, **kwargs):
        seen.append((change, alert.occurrences, alert.pk))

    alert_changed.connect(receiver)
    try:
        (alert,) = record_events([sighting(camera, kim, at=0)])
        # pytest-django wraps the test in a transaction: nothing is sent until it commits.
        assert seen == []
        with transaction.atomic():
            record_events([sighting(camera, kim, at=10)])
    finally:
        alert_changed.disconnect(receiver)
    assert seen == []


@pytest.mark.django_db(transaction=True)
def test_signals_follow_the_commit():
    camera, rule, kim = CameraFactory(), AlertRuleFactory(cooldown_seconds=60), PersonFactory()
    seen, batches = [], []

    def receiver(sender, alert, change, **kwargs):
        seen.append((change, alert.occurrences))

    def batch_receiver(sender, alerts, change, **kwargs):
        batches.append((change, len(alerts)))

    alert_changed.connect(receiver)
    alerts_changed.connect(batch_receiver)
    try:
        record_events([sighting(camera, kim, at=0), sighting(camera, PersonFactory(), at=0)])
        record_events([sighting(camera, kim, at=10), sighting(camera, kim, at=20)])
        try:
            with transaction.atomic():
                record_events([sighting(camera, kim, at=30)])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    finally:
        alert_changed.disconnect(receiver)
        alerts_changed.disconnect(batch_receiver)
    assert seen == [("created", 1), ("created", 1), ("folded", 3)]
    assert batches == [("created", 2), ("folded", 1)]
    assert Alert.objects.get(alert_rule=rule, person=kim).occurrences == 3


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ingests_open_one_alert_not_two():
    """The advisory lock per rule × camera: the second ingest waits, then folds."""
    camera, rule, kim = CameraFactory(), AlertRuleFactory(cooldown_seconds=60), PersonFactory()
    first_wrote = threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                record_events([sighting(camera, kim, at=0)])
                first_wrote.set()
                # Hold the transaction open while the second ingest starts.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_sleep(0.5)")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            first_wrote.wait(10)
            record_events([sighting(camera, kim, at=5)])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    (alert,) = Alert.objects.filter(alert_rule=rule)
    assert alert.occurrences == 2
