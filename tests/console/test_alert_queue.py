"""The alert queue: vw_active_alerts order within the user's sites, filters, and acknowledge /
resolve / ignore one or many with a note, refusing what the role or the site does not allow."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert
from alerts.services.queue import alert_queue, handle_alerts
from tests.console.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def alert(camera, severity="low", minutes=1, **extra):
    return Alert.objects.create(
        camera=camera,
        alert_type="person_recognized",
        severity=severity,
        message=f"{severity} alert",
        created_at=timezone.now() - dt.timedelta(minutes=minutes),
        **extra,
    )


def test_queue_is_severity_first_then_newest_and_scoped(sites, operator_a):
    cam = sites["cam_a"]
    low_new, high_old, critical, high_new = (
        alert(cam, "low", 1),
        alert(cam, "high", 9),
        alert(cam, "critical", 20),
        alert(cam, "high", 2),
    )
    alert(cam, "critical", 1, status="resolved")
    alert(sites["cam_b"], "critical", 1)
    assert list(alert_queue(operator_a)) == [critical, high_new, high_old, low_new]


def test_queue_page_and_json_filters(client_a, sites):
    alert(sites["cam_a"], "critical"), alert(sites["cam_a"], "low")
    alert(sites["cam_b"], "critical")
    page = client_a.get(reverse("admin:console_alerts"))
    assert page.status_code == 200
    assert [c["severity"] for c in page.context["cards"]] == ["critical", "low"]
    assert page.context["counts"]["critical"] == 1
    data = client_a.get(reverse("admin:console_alerts_data"), {"severity": "critical"}).json()
    assert [a["severity"] for a in data["alerts"]] == ["critical"]
    assert all(a["site"]["name"] == "Site A" for a in data["alerts"])
    bad = client_a.get(reverse("admin:console_alerts_data"), {"severity": "apocalyptic", "camera": "nope"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"severity", "camera"}
    other_site = client_a.get(reverse("admin:console_alerts_data"), {"camera": str(sites["cam_b"].pk)})
    assert other_site.status_code == 400


def test_acknowledge_and_resolve_many_with_a_note(client_a, sites, operator_a):
    first, second = alert(sites["cam_a"], "high"), alert(sites["cam_a"], "low")
    theirs = alert(sites["cam_b"], "high")
    ids = ",".join(str(a.pk) for a in (first, second, theirs))
    response = client_a.post(
        reverse("admin:console_alerts_handle"),
        {"ids": ids, "action": "acknowledge", "note": "on my way"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body["done"]) == {str(first.pk), str(second.pk)} and body["missing"] == 1
    first.refresh_from_db(), theirs.refresh_from_db()
    assert first.status == "acknowledged" and first.acknowledged_by == operator_a
    assert theirs.status == "pending"
    # Acknowledging again is refused per alert, not as a failure of the whole request.
    again = client_a.post(
        reverse("admin:console_alerts_handle"),
        {"ids": str(first.pk), "action": "acknowledge"},
        HTTP_ACCEPT="application/json",
    ).json()
    assert again["done"] == [] and "acknowledged" in again["refused"][0]["reason"]
    # Resolving a pending alert acknowledges it on the way.
    third = alert(sites["cam_a"], "critical")
    done = client_a.post(reverse("admin:console_alerts_handle"), {"ids": str(third.pk), "action": "resolve"})
    assert done.status_code == 302
    third.refresh_from_db()
    assert third.status == "resolved" and third.acknowledged_by == operator_a and third.resolved_by == operator_a


def test_bad_requests_get_clear_errors(client_a):
    response = client_a.post(
        reverse("admin:console_alerts_handle"),
        {"ids": "not-a-uuid", "action": "explode"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"ids", "action"}
    assert client_a.get(reverse("admin:console_alerts_handle")).status_code == 405


def test_a_viewer_may_look_but_not_acknowledge(client, sites):
    viewer = UserFactory(role_name="viewer", sites=[sites["a"]])
    login(client, viewer)
    mine = alert(sites["cam_a"])
    assert client.get(reverse("admin:console_alerts")).status_code == 200
    response = client.post(reverse("admin:console_alerts_handle"), {"ids": str(mine.pk), "action": "ignore"})
    assert response.status_code == 403
    with pytest.raises(Exception, match="may not acknowledge"):
        handle_alerts(viewer, [mine.pk], "ignore")
    mine.refresh_from_db()
    assert mine.status == "pending"
