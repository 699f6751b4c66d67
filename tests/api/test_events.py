"""Events: filters, the default time bound, keyset pagination (stable while rows arrive, no
count(*)), and batch ingest of detections (rules run, idempotent, validated, scoped)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import Alert
from surveillance.models import Event
from surveillance.services.events import record_events
from tests.api.conftest import ago, key_client
from tests.factories import AlertRuleFactory, CameraFactory, EventFactory, PersonFactory

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"
INGEST = "/api/v1/ingest/events"


def detection(camera, **extra) -> dict:
    return {
        "camera": str(camera.pk),
        "event_type": "human_detected",
        "confidence": 0.87654,
        "bounding_box": {"x": 10, "y": 20, "width": 50, "height": 120},
        "timestamp": (timezone.now() - dt.timedelta(seconds=5)).isoformat(),
        **extra,
    }


def listed(client, url=EVENTS, **params) -> list[dict]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_filters(world, clients):
    person = PersonFactory()
    cam_a2 = CameraFactory(dvr__site=world.site_a)
    recognised = EventFactory(camera=world.cam_a, event_type="person_recognized", person=person)
    human = EventFactory(camera=cam_a2, event_type="human_detected", confidence="0.400")
    EventFactory(camera=world.cam_b, event_type="person_recognized", person=person)
    client = clients["super_admin"]
    assert {e["id"] for e in listed(client, person=person.pk)} >= {str(recognised.pk)}
    assert len(listed(client, person=person.pk)) == 2
    assert [e["id"] for e in listed(client, site=world.site_a.pk, event_type="human_detected")] == [str(human.pk)]
    assert [e["id"] for e in listed(client, camera=world.cam_a.pk)] == [str(recognised.pk)]
    assert str(human.pk) not in {e["id"] for e in listed(client, min_confidence="0.5")}
    two_types = listed(client, site=world.site_a.pk, event_type=["human_detected", "person_recognized"])
    assert len(two_types) == 2
    assert listed(client, timestamp_after=(timezone.now() + dt.timedelta(hours=1)).isoformat()) == []
    bad = client.get(EVENTS, {"event_type": "dancing", "timestamp_after": "yesterday-ish", "camera": "nope"})
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"event_type", "timestamp", "camera"}


def test_lists_default_to_a_recent_window_unless_asked(world, clients, settings):
    settings.ORIN_API_EVENT_WINDOW_DAYS = 30
    old = EventFactory(camera=world.cam_a, timestamp=ago(days=80))
    recent = EventFactory(camera=world.cam_a)
    client = clients["operator"]
    assert [e["id"] for e in listed(client)] == [str(recent.pk)]
    since = listed(client, timestamp_after=ago(days=100).isoformat())
    assert [e["id"] for e in since] == [str(recent.pk), str(old.pk)]
    before = listed(client, timestamp_before=ago(days=60).isoformat())
    assert [e["id"] for e in before] == [str(old.pk)]
    assert client.get(f"{EVENTS}{old.pk}/").status_code == 200, "an old event is still found by its id"


def test_keyset_pages_are_stable_while_events_arrive_and_never_count(world, clients):
    now = timezone.now()
    # Ties on the timestamp too: a frame with several faces gives several events at one instant.
    batch = [
        Event(
            camera=world.cam_a,
            event_type="face_detected",
            confidence="0.9",
            bounding_box={},
            timestamp=now - dt.timedelta(seconds=i // 3),
        )
        for i in range(25)
    ]
    record_events(batch)
    client = clients["operator"]
    expected = [str(e.id) for e in sorted(batch, key=lambda e: (e.timestamp, e.id), reverse=True)]

    seen, url, params = [], EVENTS, {"page_size": 7}
    with CaptureQueriesContext(connection) as queries:
        while url:
            response = client.get(url, params)
            assert response.status_code == 200
            body = response.json()
            seen += [e["id"] for e in body["results"]]
            url, params = body["next"], None
            # New events keep arriving (newer and at the very same instant) while the client pages.
            EventFactory(camera=world.cam_a, timestamp=timezone.now())
            EventFactory(camera=world.cam_a, timestamp=now)
    wanted = set(expected)
    assert [i for i in seen if i in wanted] == expected, "every row once, in (time, id) order"
    assert len(seen) == len(set(seen)), "a row was repeated across pages"
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_previous_links_walk_back_and_bad_cursors_are_400(world, clients):
    record_events(
        [
            Event(
                camera=world.cam_a,
                event_type="face_detected",
                confidence="0.9",
                bounding_box={},
                timestamp=ago(seconds=i),
            )
            for i in range(5)
        ]
    )
    client = clients["operator"]
    first = client.get(EVENTS, {"page_size": 2}).json()
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [e["id"] for e in back["results"]] == [e["id"] for e in first["results"]]
    for cursor in ("garbage", "eyJyIjowfQ", "eyJyIjowLCJ0IjoiMjAyNi0wMS0wMVQwMDowMDowMCIsImkiOiJ4In0"):
        response = client.get(EVENTS, {"cursor": cursor})
        assert response.status_code == 400 and response.json()["fields"]["cursor"] == ["invalid cursor"]
    assert client.get(EVENTS, {"page_size": 0}).status_code == 400


def test_ingest_stores_a_batch_and_runs_the_rules(world, users, device_key):
    rule = AlertRuleFactory(
        camera=world.cam_a, event_type="human_detected", confidence_threshold="0.8", cooldown_seconds=0
    )
    _, raw = device_key
    batch = [detection(world.cam_a, key=f"gate:1:{i}") for i in range(3)] + [
        detection(world.cam_a, key="gate:1:low", confidence=0.3)
    ]
    response = key_client(raw).post(INGEST, batch, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["received"] == 4 and body["created"] == 4 and body["duplicates"] == 0
    stored = Event.objects.filter(id__in=body["event_ids"])
    assert stored.count() == 4
    assert {str(e.confidence) for e in stored} == {"0.877", "0.300"}
    assert body["alerts"] == 3 and Alert.objects.filter(alert_rule=rule).count() == 3

    replay = key_client(raw).post(INGEST, batch, format="json")
    assert replay.status_code == 200
    assert replay.json()["created"] == 0 and replay.json()["duplicates"] == 4
    assert replay.json()["event_ids"] == body["event_ids"]
    assert Event.objects.filter(camera=world.cam_a).count() == 4 and Alert.objects.count() == 3


def test_ingest_validation_errors_name_the_item_and_field(world, users, device_key, settings):
    _, raw = device_key
    device = key_client(raw)
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    batch = [
        detection(world.cam_a),
        detection(world.cam_b),  # another site's camera
        detection(world.cam_a, confidence=1.5, timestamp=future),
        {"camera": str(world.cam_a.pk)},
        detection(world.cam_a, bounding_box={"x": -1, "y": 0, "width": 1, "height": 1}, key="bad key!"),
    ]
    response = device.post(INGEST, batch, format="json")
    assert response.status_code == 400, response.content
    fields = response.json()["fields"]
    assert set(fields) == {"2", "3", "4"}
    assert set(fields["2"]) == {"confidence", "timestamp"}
    assert {"event_type", "confidence", "bounding_box", "timestamp"} <= set(fields["3"])
    assert set(fields["4"]) == {"bounding_box", "key"}
    scoped = device.post(INGEST, [detection(world.cam_a), detection(world.cam_b)], format="json")
    assert scoped.status_code == 400 and set(scoped.json()["fields"]) == {"1"}
    assert Event.objects.count() == 0, "nothing of a refused batch is stored"

    settings.ORIN_INGEST_MAX_BATCH = 2
    too_big = device.post(INGEST, [detection(world.cam_a)] * 3, format="json")
    assert too_big.status_code == 400
    assert device.post(INGEST, [], format="json").status_code == 400
    assert device.post(INGEST, {"camera": "x"}, format="json").status_code == 400


def test_ingest_needs_events_write(world, clients):
    assert clients["viewer"].post(INGEST, [detection(world.cam_a)], format="json").status_code == 403
    assert clients["operator"].post(INGEST, [detection(world.cam_a)], format="json").status_code == 403
    assert clients["super_admin"].post(INGEST, [detection(world.cam_b)], format="json").status_code == 201
