"""The same analysis fed by a producer that publishes TrackPoints (ORIN's own detector), the
periodic closing of quiet tracks, and two workers analysing one camera at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from alerts.models import Alert
from analytics.models import TrackState, ZoneAnalytics
from analytics.services.engine import close_quiet_tracks
from surveillance.models import SuspiciousActivityEvent
from surveillance.services.tracks import publish_track_points
from tests.analytics.conftest import at, point, zone

pytestmark = pytest.mark.timeout(60)
INSIDE = (0.25, 0.8)


@pytest.mark.django_db
def test_intrusion_and_loitering_from_published_points(world):
    dock = zone(world.cam_a, "restricted", name="Dock")
    ZoneAnalytics.objects.create(zone=dock, thresholds={"loitering_s": 60})
    alerts = publish_track_points([point(world.cam_a, "7", t, INSIDE) for t in range(0, 91, 3)])
    assert sorted(a.alert_type for a in alerts) == [
        "suspicious_activity_intrusion",
        "suspicious_activity_loitering",
    ]
    rows = {r.activity_type: r for r in SuspiciousActivityEvent.objects.all()}
    assert set(rows) == {"intrusion", "loitering"}
    assert rows["intrusion"].event_id is None and rows["intrusion"].zone_id == dock.id
    assert rows["loitering"].details["duration_seconds"] == 60.0
    # Published again (a restarted producer replays its buffer): nothing new.
    assert publish_track_points([point(world.cam_a, "7", t, INSIDE) for t in range(0, 91, 3)]) == []
    assert SuspiciousActivityEvent.objects.count() == 2


@pytest.mark.django_db
def test_quiet_tracks_are_closed_by_the_periodic_task(world):
    zone(world.cam_a, "interest", name="Shelf")
    publish_track_points([point(world.cam_a, "s", t, INSIDE) for t in range(0, 75, 5)])
    [row] = SuspiciousActivityEvent.objects.filter(activity_type="dwell_time")
    assert "ended" not in row.details
    result = close_quiet_tracks(now=at(200))
    assert result["closed"] == 1
    row.refresh_from_db()
    assert row.details["ended"] is True and row.details["duration_seconds"] == 70.0
    # Later states are forgotten after a day.
    assert close_quiet_tracks(now=at(200) + dt.timedelta(days=2))["forgotten"] >= 1
    assert not TrackState.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_camera_report_once(world):
    """Two processes' worth of connections publish the same track at the same moment: the
    per-camera lock and the state in PostgreSQL leave one intrusion and one alert."""
    zone(world.cam_a, "restricted")
    points = [point(world.cam_a, "w", t, INSIDE) for t in range(5)]
    barrier, errors = threading.Barrier(2), []

    def worker():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                publish_track_points(points)
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert SuspiciousActivityEvent.objects.filter(activity_type="intrusion").count() == 1
    assert Alert.objects.filter(alert_type="suspicious_activity_intrusion").count() == 1
