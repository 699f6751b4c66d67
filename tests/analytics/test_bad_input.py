"""Bad input: refused with a clear 400 where it is refused, no crash and no double report where
it is accepted."""

from __future__ import annotations

import pytest

from analytics.models import LineCount
from surveillance.models import CameraZone, Event, SuspiciousActivityEvent
from tests.analytics.conftest import detection, jwt_client, post, zone
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]
INSIDE = (0.25, 0.8)


@pytest.mark.parametrize("track_id", [{"a": 1}, ["x"], True, "", "x" * 101])
def test_malformed_track_ids_are_refused(world, device, track_id):
    item = detection(world.cam_a, "t", 0, INSIDE)
    item["metadata"]["track_id"] = track_id
    response = device.post("/api/v1/ingest/events", [item], format="json")
    assert response.status_code == 400
    assert "track_id" in response.content.decode()
    assert not Event.objects.exists()


def test_unknown_track_id_in_the_middle_of_a_track_just_starts_a_new_track(world, device):
    zone(world.cam_a, "restricted")
    post(device, [detection(world.cam_a, "never-seen-before", t, INSIDE) for t in range(3)])
    assert SuspiciousActivityEvent.objects.filter(activity_type="intrusion").count() == 1


def test_out_of_order_timestamps_report_once(world, device):
    zone(world.cam_a, "restricted")
    batch = [detection(world.cam_a, "o", t, INSIDE) for t in (4, 0, 3, 1, 2)]
    post(device, batch)
    post(device, [detection(world.cam_a, "o", t, INSIDE) for t in (1, 2)])  # late stragglers
    [row] = SuspiciousActivityEvent.objects.all()
    assert row.activity_type == "intrusion"


def test_boxes_outside_the_frame_are_stored_but_not_placed(world, device):
    right = [{"x": 0.5, "y": 0.5}, {"x": 1.0, "y": 0.5}, {"x": 1.0, "y": 1.0}, {"x": 0.5, "y": 1.0}]
    zone(world.cam_a, "restricted", polygon_points=right)
    outside = detection(world.cam_a, "far", 0, INSIDE)
    outside["bounding_box"] = {"x": 5000, "y": 5000, "width": 50, "height": 50}
    # Half out of the frame on the right: clipped, its feet land at x = 0.975, inside the zone.
    partly = [detection(world.cam_a, "edge", t, (1.0, 0.8)) for t in range(1, 5)]
    result = post(device, [outside, *partly])
    assert result["created"] == 5
    assert SuspiciousActivityEvent.objects.filter(activity_type="intrusion").count() == 1
    assert not LineCount.objects.exists()


def test_self_crossing_zone_polygon_is_refused_by_the_api(world):
    admin = UserFactory(username="admin_a", role_name="admin", sites=[world.site_a])
    bow_tie = [{"x": 0.1, "y": 0.1}, {"x": 0.9, "y": 0.9}, {"x": 0.9, "y": 0.1}, {"x": 0.1, "y": 0.9}]
    response = jwt_client(admin).post(
        "/api/v1/zones/",
        {"camera": str(world.cam_a.id), "name": "bow tie", "zone_type": "restricted", "polygon_points": bow_tie},
        format="json",
    )
    assert response.status_code == 400
    assert "crosses itself" in response.content.decode(), response.content
    assert not CameraZone.objects.filter(name="bow tie").exists()


def test_self_crossing_zone_polygon_is_a_form_error_in_the_admin(world):
    from django.core.exceptions import ValidationError

    bow_tie = [{"x": 0.1, "y": 0.1}, {"x": 0.9, "y": 0.9}, {"x": 0.9, "y": 0.1}, {"x": 0.1, "y": 0.9}]
    with pytest.raises(ValidationError, match="crosses itself"):
        CameraZone(camera=world.cam_a, name="z", zone_type="restricted", polygon_points=bow_tie).full_clean()
