"""The event browser, its export and the timelines: always time-bounded, scoped to the user's
sites, paged by keyset, with clear errors for bad filters."""

import csv
import datetime as dt
import io
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from surveillance.services.events import record_events
from tests.factories import ClusterFactory, EventFactory, PersonFactory

pytestmark = pytest.mark.django_db


def ago(**delta):
    return timezone.now() - dt.timedelta(**delta)


def test_browser_lists_own_site_newest_first_with_bounded_queries(client_a, sites):
    record_events(
        [
            EventFactory.build(camera=sites["cam_a"], timestamp=ago(minutes=5)),
            EventFactory.build(camera=sites["cam_a"], timestamp=ago(minutes=1), event_type="face_detected"),
            EventFactory.build(camera=sites["cam_b"], timestamp=ago(minutes=2)),
            EventFactory.build(camera=sites["cam_a"], timestamp=ago(days=3)),  # outside the default 24 h
        ],
        evaluate_rules=False,
    )
    with CaptureQueriesContext(connection) as queries:
        page = client_a.get(reverse("admin:console_events"))
    assert page.status_code == 200
    events = page.context["events"]
    assert [e["event_type"] for e in events] == ["face_detected", "human_detected"]
    assert {e["site"]["name"] for e in events} == {"Site A"}
    event_sql = [q["sql"] for q in queries if 'FROM "events"' in q["sql"]]
    bounded = ('"events"."timestamp" BETWEEN',)  # the shared FilterSet's range: partitions are pruned
    assert event_sql and all(any(b in q for b in bounded) for q in event_sql)
    assert not any("COUNT(" in q.upper() for q in event_sql)
    week = client_a.get(reverse("admin:console_events"), {"range": "7d"})
    assert len(week.context["events"]) == 3


def test_filters_by_type_person_cluster_and_reviewed(client_a, sites):
    person, cluster = PersonFactory(name="Ada"), ClusterFactory(cluster_label="Unknown-00042")
    cam = sites["cam_a"]
    record_events(
        [
            EventFactory.build(camera=cam, event_type="person_recognized", person=person, timestamp=ago(minutes=3)),
            EventFactory.build(camera=cam, event_type="face_detected", cluster=cluster, timestamp=ago(minutes=2)),
            EventFactory.build(camera=cam, event_type="face_detected", reviewed=True, timestamp=ago(minutes=1)),
        ],
        evaluate_rules=False,
    )

    def ids(**params):
        return [e["event_type"] for e in client_a.get(reverse("admin:console_events"), params).context["events"]]

    assert ids(person=str(person.pk)) == ["person_recognized"]
    assert ids(cluster="unknown-00042") == ["face_detected"]
    assert ids(reviewed="yes") == ["face_detected"]
    assert ids(event_type="person_recognized") == ["person_recognized"]
    assert ids(site=str(sites["a"].pk)) == ["face_detected", "face_detected", "person_recognized"]


def test_keyset_paging_walks_every_event_once(client_a, sites):
    record_events(
        [EventFactory.build(camera=sites["cam_a"], timestamp=ago(minutes=i)) for i in range(1, 121)],
        evaluate_rules=False,
    )
    seen, query = [], {}
    for _ in range(5):
        page = client_a.get(reverse("admin:console_events"), query)
        seen += [e["id"] for e in page.context["events"]]
        if not page.context["next_query"]:
            break
        query = {key: values[0] for key, values in parse_qs(page.context["next_query"]).items()}
    assert len(seen) == len(set(seen)) == 120


def test_bad_filters_are_form_errors_not_500(client_a, sites):
    cases = [
        {"range": "custom"},  # no start
        {"range": "custom", "since": "2026-01-01T00:00", "until": "2025-01-01T00:00"},
        {"range": "custom", "since": "2020-01-01T00:00", "until": "2026-01-01T00:00"},  # too long
        {"camera": str(sites["cam_b"].pk)},  # another site's camera
        {"cluster": "Unknown-99999"},
        {"person": "not-a-uuid"},
        {"range": "forever"},
    ]
    for params in cases:
        response = client_a.get(reverse("admin:console_events"), params)
        assert response.status_code == 200, params
        assert response.context["form"].errors, params
        assert response.context["events"] == [], params
    assert client_a.get(reverse("admin:console_events_export"), {"range": "forever"}).status_code == 400


def test_export_is_scoped_and_audited(client_a, sites, operator_a):
    from accounts.models import AuditLog

    record_events(
        [
            EventFactory.build(camera=sites["cam_a"], timestamp=ago(minutes=1)),
            EventFactory.build(camera=sites["cam_b"], timestamp=ago(minutes=1)),
        ],
        evaluate_rules=False,
    )
    response = client_a.get(reverse("admin:console_events_export"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "timestamp" and len(rows) == 2 and rows[1][2] == "Site A"
    assert AuditLog.objects.filter(action="events_export", user_id=operator_a.pk).exists()


def test_timelines_show_sightings_within_the_viewers_sites(client_a, sites):
    person = PersonFactory(name="Grace")
    cluster, merged = ClusterFactory(), ClusterFactory(status="merged")
    merged.merged_into_cluster = cluster
    merged.save()
    record_events(
        [
            EventFactory.build(
                camera=sites["cam_a"], person=person, event_type="person_recognized", timestamp=ago(days=2)
            ),
            EventFactory.build(
                camera=sites["cam_b"], person=person, event_type="person_recognized", timestamp=ago(days=1)
            ),
            EventFactory.build(
                camera=sites["cam_a"], cluster=cluster, event_type="face_detected", timestamp=ago(hours=5)
            ),
            EventFactory.build(
                camera=sites["cam_a"], cluster=merged, event_type="face_detected", timestamp=ago(hours=4)
            ),
        ],
        evaluate_rules=False,
    )
    page = client_a.get(reverse("admin:console_person_timeline", args=[person.pk]))
    assert page.status_code == 200
    assert [dot["site"]["name"] for dot in page.context["timeline"]["events"]] == ["Site A"]
    assert [card["site"]["name"] for _, cards in page.context["days"] for card in cards] == ["Site A"]
    assert page.context["timeline"]["lanes"] == ["Site A · Gate A"]
    clusters = client_a.get(reverse("admin:console_cluster_timeline", args=[cluster.pk]))
    assert len(clusters.context["timeline"]["events"]) == 2  # its own sighting and the merged cluster's
    # A cluster never seen at the operator's sites does not exist for them.
    elsewhere = ClusterFactory()
    record_events([EventFactory.build(camera=sites["cam_b"], cluster=elsewhere, timestamp=ago(hours=1))], False)
    assert client_a.get(reverse("admin:console_cluster_timeline", args=[elsewhere.pk])).status_code == 404
