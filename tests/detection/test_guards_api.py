"""AI guards over the API: edge detections posted to /api/v1/ingest/events go through the same
guards (class, sensitivity, schedule in the site's timezone, zones); reviewers mark false
detections; each guard reports catches, false positives and success rate (API and admin)."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from alerts.models import Alert
from detection.services.guards import clear_guard_cache
from tests.api.conftest import key_client
from tests.conftest import sign_in
from tests.factories import ZoneFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]

GUARDS = "/api/v1/guards/"
DETECTIONS = "/api/v1/detections/"
INGEST = "/api/v1/ingest/events"


def window_around(now_local: dt.datetime, inside: bool) -> dict:
    """A daily window that contains (or avoids) the current local time, every day."""
    hour = now_local.hour
    start, end = ((hour - 1) % 24, (hour + 1) % 24) if inside else ((hour + 2) % 24, (hour + 4) % 24)
    return {"days": list(range(7)), "start_time": f"{start:02d}:00", "end_time": f"{end:02d}:00"}


def seen(camera, label: str, confidence: float, box=(500, 300, 100, 300), track: str = "edge-1") -> dict:
    x, y, w, h = box
    return {
        "camera": str(camera.pk),
        "event_type": "human_detected" if label == "person" else "object_detected",
        "confidence": confidence,
        "bounding_box": {"x": x, "y": y, "width": w, "height": h, "frame_width": 1280, "frame_height": 720},
        "timestamp": (timezone.now() - dt.timedelta(seconds=2)).isoformat(),
        "metadata": {"label": label, "track_id": track},
    }


@pytest.fixture(autouse=True)
def fresh_guards():
    clear_guard_cache()


@pytest.fixture
def singapore(world):
    world.site_a.timezone = "Asia/Singapore"
    world.site_a.save()
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Singapore"))


def test_guards_filter_by_class_sensitivity_schedule_and_zone(world, clients, device_key, singapore):
    admin = clients["admin"]
    # bottom-right quarter of the frame: the feet of a box at x 500..600, y 300..600 are outside it
    zone = ZoneFactory(
        camera=world.cam_a,
        polygon_points=[{"x": 0.6, "y": 0.5}, {"x": 1, "y": 0.5}, {"x": 1, "y": 1}, {"x": 0.6, "y": 1}],
    )
    people = admin.post(
        GUARDS,
        {"site": str(world.site_a.pk), "name": "People, now", "guard_type": "people", "sensitivity": 50,
         "schedule": window_around(singapore, True), "cameras": [str(world.cam_a.pk)]},
        format="json",
    )  # fmt: skip
    assert people.status_code == 201, people.content
    assert people.json()["min_confidence"] == pytest.approx(0.528)
    vehicles_later = admin.post(
        GUARDS,
        {"site": str(world.site_a.pk), "name": "Vehicles, later", "guard_type": "vehicles",
         "schedule": window_around(singapore, False), "cameras": [str(world.cam_a.pk)], "notify": False},
        format="json",
    )  # fmt: skip
    zoned = admin.post(
        GUARDS,
        {"site": str(world.site_a.pk), "name": "Bags in the zone", "guard_type": "custom",
         "classes": ["backpack", "suitcase"], "zones": [str(zone.pk)], "cameras": [str(world.cam_a.pk)],
         "notify": False},
        format="json",
    )  # fmt: skip
    assert vehicles_later.status_code == zoned.status_code == 201

    _, raw = device_key
    batch = [
        seen(world.cam_a, "person", 0.9),  # caught by "People, now"
        seen(world.cam_a, "person", 0.4),  # below the guard's minimum confidence
        seen(world.cam_a, "car", 0.9),  # the vehicle guard is off at this hour
        seen(world.cam_a, "suitcase", 0.8),  # feet outside the zone
        seen(world.cam_a, "suitcase", 0.8, box=(900, 500, 100, 150)),  # inside the zone
    ]
    response = key_client(raw).post(INGEST, batch, format="json")
    assert response.status_code == 201, response.content
    ids = response.json()["event_ids"]

    listed = {row["id"]: row for row in admin.get(DETECTIONS).json()["results"]}
    guards = [listed[i]["guard"] for i in ids]
    assert guards == [people.json()["id"], None, None, None, zoned.json()["id"]]
    assert all(listed[i]["track_id"] == "edge-1" for i in ids)
    # only the notifying guard raised an alert
    assert Alert.objects.filter(event_id=ids[0]).count() == 1 and Alert.objects.count() == 1

    by_class = admin.get(DETECTIONS, {"label": "suitcase"}).json()["results"]
    assert {row["id"] for row in by_class} == {ids[3], ids[4]}
    by_guard = admin.get(DETECTIONS, {"guard": zoned.json()["id"]}).json()["results"]
    assert [row["id"] for row in by_guard] == [ids[4]]


def test_false_detections_count_against_the_guard(world, users, clients, device_key, client):
    admin = clients["admin"]
    guard = admin.post(
        GUARDS,
        {"site": str(world.site_a.pk), "name": "People", "guard_type": "people", "sensitivity": 100,
         "cameras": [str(world.cam_a.pk)], "notify": False},
        format="json",
    ).json()  # fmt: skip
    _, raw = device_key
    batch = [seen(world.cam_a, "person", 0.6, track=f"t{i}") for i in range(4)]
    ids = key_client(raw).post(INGEST, batch, format="json").json()["event_ids"]

    assert clients["viewer"].post(f"{DETECTIONS}{ids[0]}/review/", {"verdict": "false_positive"}).status_code == 403
    bad = clients["operator"].post(f"{DETECTIONS}{ids[0]}/review/", {"verdict": "maybe"}, format="json")
    assert bad.status_code == 400 and "verdict" in bad.json()["fields"]
    reviewed = clients["operator"].post(
        f"{DETECTIONS}{ids[0]}/review/", {"verdict": "false_positive", "note": "a coat on a chair"}, format="json"
    )
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["reviewed"] is True and reviewed.json()["review_action"] == "reject"

    stats = admin.get(f"{GUARDS}{guard['id']}/").json()
    assert (stats["catches"], stats["false_positives"], stats["success_rate"]) == (4, 1, 0.75)
    listed = admin.get(GUARDS).json()["results"][0]
    assert (listed["catches"], listed["success_rate"]) == (4, 0.75)

    page = sign_in(client, users["super_admin"]).get("/admin/detection/guard/")
    assert page.status_code == 200
    assert b"75%" in page.content and b"Success rate" in page.content


def test_guard_input_errors_are_400_with_fields(world, clients):
    admin = clients["admin"]
    unknown = admin.post(
        GUARDS,
        {"site": str(world.site_a.pk), "name": "x", "guard_type": "custom", "classes": ["dragon"]},
        format="json",
    )
    assert unknown.status_code == 400 and "classes" in unknown.json()["fields"]
    empty = admin.post(GUARDS, {"site": str(world.site_a.pk), "name": "y", "guard_type": "custom"}, format="json")
    assert empty.status_code == 400 and "classes" in empty.json()["fields"]
    elsewhere = admin.post(
        GUARDS,
        {"site": str(world.site_a.pk), "name": "z", "guard_type": "people", "cameras": [str(world.cam_b.pk)]},
        format="json",
    )
    assert elsewhere.status_code == 400 and "cameras" in elsewhere.json()["fields"]
    schedule = admin.post(
        GUARDS,
        {"site": str(world.site_a.pk), "name": "w", "guard_type": "people", "schedule": {"days": [9]}},
        format="json",
    )
    assert schedule.status_code == 400 and "schedule" in schedule.json()["fields"]
    # a guard of site B is invisible to site A's admin
    assert (
        clients["super_admin"]
        .post(GUARDS, {"site": str(world.site_b.pk), "name": "B", "guard_type": "pets"}, format="json")
        .status_code
        == 201
    )
    assert [g["name"] for g in admin.get(GUARDS).json()["results"]] == []


def test_an_alert_rule_can_target_a_guard(world, clients, device_key):
    admin = clients["admin"]
    site, camera = str(world.site_a.pk), [str(world.cam_a.pk)]
    strict = admin.post(
        GUARDS,
        {"site": site, "name": "Strict", "guard_type": "people", "sensitivity": 1, "cameras": camera, "notify": False},
        format="json",
    ).json()
    lenient = admin.post(
        GUARDS,
        {"site": site, "name": "Lenient", "guard_type": "people", "sensitivity": 100, "cameras": camera,
         "notify": False},
        format="json",
    ).json()  # fmt: skip
    rule = admin.post(
        "/api/v1/alert-rules/",
        {"name": "Strict guard's catches", "event_type": "human_detected", "guard_id": lenient["id"],
         "severity": "high", "cooldown_seconds": 0, "confidence_threshold": "0.1"},
        format="json",
    )  # fmt: skip
    assert rule.status_code == 201, rule.content
    _, raw = device_key
    ids = (
        key_client(raw)
        .post(
            INGEST,
            [seen(world.cam_a, "person", 0.9, track="a"), seen(world.cam_a, "person", 0.4, track="b")],
            format="json",
        )
        .json()["event_ids"]
    )
    listed = {row["id"]: row["guard"] for row in admin.get(DETECTIONS).json()["results"]}
    assert [listed[i] for i in ids] == [strict["id"], lenient["id"]]  # the stricter guard is credited first
    alerted = Alert.objects.filter(alert_rule_id=rule.json()["id"]).values_list("event_id", flat=True)
    assert [str(event_id) for event_id in alerted] == [ids[1]]
