"""One scenario per activity type, driven through `POST /api/v1/ingest/events` with timestamps
and track ids, as an edge detector sends them."""

from __future__ import annotations

import pytest

from alerts.models import Alert
from analytics.models import CameraAnalytics, OpeningHours, ZoneAnalytics
from surveillance.models import SuspiciousActivityEvent
from tests.analytics.conftest import detection, post, walk, zone

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.timeout(60)]

INSIDE = (0.25, 0.8)  # in the default zone (bottom-left quarter)
OUTSIDE = (0.8, 0.2)


def rows(activity_type=None):
    qs = SuspiciousActivityEvent.objects.all()
    return list(qs.filter(activity_type=activity_type) if activity_type else qs)


def test_intrusion_one_row_and_one_alert_and_none_on_resend(world, device):
    restricted = zone(world.cam_a, "restricted", name="Loading dock")
    batch = [detection(world.cam_a, "t1", t, INSIDE) for t in range(5)]
    result = post(device, batch)
    assert result["alerts"] == 1
    [row] = rows("intrusion")
    assert row.zone_id == restricted.id and row.camera_id == world.cam_a.id
    assert row.details["zone_name"] == "Loading dock"
    assert row.details["entry_point"] == {"x": 0.25, "y": 0.8}
    assert row.event_id is not None and row.alert_sent
    [alert] = Alert.objects.filter(alert_type="suspicious_activity_intrusion")
    assert alert.camera_id == world.cam_a.id and alert.severity == "high"
    # The same detections again (no keys: new events) and later ones: still one intrusion.
    post(device, batch)
    post(device, [detection(world.cam_a, "t1", t, INSIDE) for t in range(5, 8)])
    assert len(rows("intrusion")) == 1
    assert Alert.objects.filter(alert_type="suspicious_activity_intrusion").count() == 1


def test_inertia_ignores_a_two_frame_blip(world, device):
    zone(world.cam_a, "restricted")
    post(device, [detection(world.cam_a, "t1", 0, OUTSIDE), detection(world.cam_a, "t1", 1, INSIDE)])
    post(device, [detection(world.cam_a, "t1", 2, INSIDE), detection(world.cam_a, "t1", 3, OUTSIDE)])
    assert rows("intrusion") == []


def test_loitering_90s_with_60s_threshold_is_one_row_with_final_duration(world, device):
    lobby = zone(world.cam_a, "entry", name="Lobby")
    ZoneAnalytics.objects.create(zone=lobby, thresholds={"loitering_s": 60})
    post(device, [detection(world.cam_a, "L", t, INSIDE) for t in range(0, 91, 5)])
    [row] = rows("loitering")
    assert row.zone_id == lobby.id and row.details["duration_seconds"] == 60.0
    post(device, [detection(world.cam_a, "L", t, INSIDE) for t in range(0, 91, 5)])  # re-sent
    assert len(rows("loitering")) == 1
    # It walks out: the row gets the final dwell time (from entry to the first point outside).
    post(device, [detection(world.cam_a, "L", t, OUTSIDE) for t in range(95, 110, 5)])
    row.refresh_from_db()
    assert row.details["ended"] is True and row.details["duration_seconds"] == 95.0
    assert Alert.objects.filter(alert_type="suspicious_activity_loitering").count() == 1


def test_dwell_time_in_an_interest_zone_is_reported_and_closed_when_the_track_times_out(world, device):
    shelf = zone(world.cam_a, "interest", name="Shelf")
    post(device, [detection(world.cam_a, "d", t, INSIDE) for t in range(0, 71, 5)])
    [row] = rows("dwell_time")
    assert row.zone_id == shelf.id and row.severity == "low" and row.details["duration_seconds"] == 60.0
    # Another track much later: the first one is quiet past its timeout and gets its final dwell.
    post(device, [detection(world.cam_a, "other", 200, OUTSIDE)])
    row.refresh_from_db()
    assert row.details["ended"] is True and row.details["duration_seconds"] == 70.0
    assert rows("loitering") == []  # interest zones report dwell_time, not loitering


def test_line_crossing_counts_both_ways_and_breach_against_direction(world, device, operator_a):
    from analytics.models import CountingLine, LineCount

    line = CountingLine.objects.create(
        camera=world.cam_a, name="Gate", x1=0.0, y1=0.5, x2=1.0, y2=0.5, allowed_direction="a_to_b"
    )
    # Side A is above a left→right line on screen. Down = A→B (allowed), up = B→A (breach).
    post(device, [detection(world.cam_a, "in", t, p) for t, p in enumerate(walk((0.7, 0.3), (0.7, 0.7), 5))])
    assert rows() == []
    post(device, [detection(world.cam_a, "out", t, p) for t, p in enumerate(walk((0.7, 0.7), (0.7, 0.3), 5))])
    post(
        device,
        [detection(world.cam_a, "car", 20 + t, p, label="car") for t, p in enumerate(walk((0.9, 0.7), (0.9, 0.3), 5))],
    )
    # A second wrong-way crossing within debounce_s (10 s) of the first is folded into it.
    post(device, [detection(world.cam_a, "x", 2 + t, p) for t, p in enumerate(walk((0.5, 0.7), (0.5, 0.3), 5))])
    breaches = rows("zone_breach")
    assert len(breaches) == 2
    assert {b.details["direction"] for b in breaches} == {"b_to_a"}
    assert {b.details["line_name"] for b in breaches} == {"Gate"}
    counts = {(c.label, c.direction): c.count for c in LineCount.objects.filter(line=line)}
    assert counts == {("person", "a_to_b"): 1, ("person", "b_to_a"): 2, ("car", "b_to_a"): 1}
    # Re-sent: counted once only.
    post(device, [detection(world.cam_a, "in", t, p) for t, p in enumerate(walk((0.7, 0.3), (0.7, 0.7), 5))])
    assert LineCount.objects.get(line=line, label="person", direction="a_to_b").count == 1


def test_entry_zone_against_its_heading_is_a_zone_breach(world, device):
    door = zone(world.cam_a, "entry", name="Door")
    ZoneAnalytics.objects.create(zone=door, allowed_heading="down")
    # Walking up into the zone from below (y decreasing) is against "down".
    post(device, [detection(world.cam_a, "up", t, (0.25, 1.0 - 0.05 * t)) for t in range(8)])
    # Walking down into it is fine.
    post(device, [detection(world.cam_a, "down", 20 + t, (0.3, 0.3 + 0.06 * t)) for t in range(10)])
    [breach] = rows("zone_breach")
    assert breach.details["track_id"] == "up" and breach.zone_id == door.id


def test_crowding_five_people_for_ten_seconds(world, device):
    square = zone(world.cam_a, "interest", name="Square")
    batch = [detection(world.cam_a, f"p{i}", t, (0.05 + 0.08 * i, 0.8)) for t in range(0, 14) for i in range(5)]
    post(device, batch)
    crowd = rows("crowding")
    # One for the zone, one for the whole frame.
    assert {c.zone_id for c in crowd} == {square.id, None}
    assert all(c.details["person_count"] == 5 for c in crowd)
    # Four people stay: the crowd ends and the rows learn their duration.
    post(device, [detection(world.cam_a, f"p{i}", t, (0.05 + 0.08 * i, 0.8)) for t in range(14, 20) for i in range(4)])
    for c in crowd:
        c.refresh_from_db()
        assert c.details["ended"] is True and c.details["max_count"] == 5
    assert len(rows("crowding")) == 2


def test_after_hours_uses_the_site_timezone(world, device):
    from tests.analytics.conftest import at

    local_hour = at(0).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Singapore")).hour
    world.site_a.timezone = "Asia/Singapore"
    world.site_a.save()
    # Open for one hour that excludes the detections' local hour.
    closed_start = f"{(local_hour + 2) % 24:02d}:00"
    closed_end = f"{(local_hour + 3) % 24:02d}:00"
    OpeningHours.objects.create(site=world.site_a, schedule={"start_time": closed_start, "end_time": closed_end})
    post(device, [detection(world.cam_a, "night", t, OUTSIDE) for t in range(5)])
    [row] = rows("after_hours")
    assert row.zone_id is None and row.severity == "high"
    assert row.details["local_time"].endswith("+08:00")
    # Site B has no opening hours: nothing is after hours there.
    assert not OpeningHours.objects.filter(site=world.site_b).exists()


def test_running(world, device):
    post(device, [detection(world.cam_a, "walker", t, (0.1 + 0.05 * t, 0.3)) for t in range(6)])
    post(device, [detection(world.cam_a, "runner", 10 + t / 5, (0.1 + 0.12 * t, 0.5)) for t in range(7)])
    [row] = rows("running")
    assert row.details["track_id"] == "runner" and row.details["speed"] >= 0.5


def test_repeated_entry_of_the_same_track(world, device):
    door = zone(world.cam_a, "entry", name="Door")
    t, batch = 0, []
    for _ in range(3):
        for p in [INSIDE] * 3 + [OUTSIDE] * 3:
            batch.append(detection(world.cam_a, "r", t, p))
            t += 1
    post(device, batch)
    [row] = rows("repeated_entry")
    assert row.zone_id == door.id and row.details["entries"] == 3


def test_abandoned_bag_without_owner(world, device):
    left_behind = [
        detection(world.cam_a, "bag", t, (0.6, 0.6), label="backpack", size=(0.05, 0.05)) for t in range(0, 40, 2)
    ]
    owner_leaves = [detection(world.cam_a, "owner", t, (0.6 + 0.03 * t, 0.62)) for t in range(0, 10)]
    post(device, owner_leaves + left_behind)
    [row] = rows("abandoned_object")
    assert row.details["object"] == "backpack" and row.details["stationary_seconds"] >= 30


def test_bag_with_owner_standing_by_is_not_abandoned(world, device):
    bag = [detection(world.cam_a, "bag", t, (0.6, 0.6), label="suitcase", size=(0.05, 0.05)) for t in range(0, 40, 2)]
    owner = [detection(world.cam_a, "owner", t, (0.62, 0.62)) for t in range(0, 40, 2)]
    post(device, bag + owner)
    assert rows("abandoned_object") == []


def test_activity_types_switched_off_per_camera(world, device):
    zone(world.cam_a, "restricted")
    CameraAnalytics.objects.create(camera=world.cam_a, disabled_types=["intrusion"])
    post(device, [detection(world.cam_a, "t1", t, INSIDE) for t in range(5)])
    assert rows() == []
