"""The incidents API under the per-site policy: another site's user gets 404 on everything,
refusals answer 400/403/409 with JSON, and nothing is half-written."""

import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from accounts.services.sessions import start_session
from incidents.models import Incident, IncidentEvidence
from incidents.services import actions
from tests.incidents.conftest import make_alert

pytestmark = pytest.mark.django_db
BASE = "/api/v1/incidents/"


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {start_session(user).access_token}")
    return client


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_open_act_and_read_through_the_api(world):
    alert = make_alert(world["cam_a"])
    op = api(world["op_a"])
    created = op.post(BASE, {"title": "Fence cut", "alerts": [str(alert.pk)]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["number"].startswith("INC-") and body["alerts"] == [str(alert.pk)] and body["status"] == "new"
    url = f"{BASE}{body['id']}/"
    assigned = op.post(f"{url}assign/", {"assignee": str(world["op_a2"].pk)}, format="json")
    assert assigned.status_code == 200 and assigned.json()["status"] == "assigned"
    assert op.post(f"{url}messages/", {"body": "guard on the way"}, format="json").status_code == 201
    closing = op.post(f"{url}status/", {"status": "closed"}, format="json")
    assert closing.status_code == 403  # operators may not close
    admin = api(world["admin_a"])
    conflict = admin.post(f"{url}status/", {"status": "closed"}, format="json")
    assert conflict.status_code == 409 and "resolve it before closing" in conflict.json()["detail"]
    assert admin.post(f"{url}status/", {"status": "resolved", "note": "caught"}, format="json").status_code == 200
    assert admin.post(f"{url}status/", {"status": "closed"}, format="json").json()["status"] == "closed"
    timeline = op.get(f"{url}messages/").json()
    assert [m["kind"] for m in timeline][:3] == ["status", "alerts", "status"]
    assert any(m["body"] == "guard on the way" and m["author_name"] == "op-a" for m in timeline)
    assert [t["to_status"] for t in op.get(f"{url}transitions/").json()] == ["assigned", "resolved", "closed"]
    upload = op.post(
        f"{url}evidence/", {"file": named(jpeg(), "fence.bin"), "caption": "cut fence"}, format="multipart"
    )
    assert upload.status_code == 201, upload.json()
    evidence = upload.json()
    assert evidence["kind"] == "snapshot" and len(evidence["sha256"]) == 64 and evidence["locked"]
    file = op.get(f"{url}evidence/{evidence['id']}/file/")
    assert file.status_code == 200 and file["Content-Type"] == "image/jpeg" and file.content == jpeg()
    pdf = op.get(f"{url}report.pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000


def test_another_sites_user_cannot_list_see_or_change(world):
    incident = actions.open_incident(user=world["op_a"], title="A only", site=world["a"])
    other = api(world["op_b"])
    assert other.get(BASE).json()["results"] == []
    url = f"{BASE}{incident.pk}/"
    for method, path, data in [
        ("get", url, None),
        ("get", f"{url}messages/", None),
        ("post", f"{url}messages/", {"body": "x"}),
        ("post", f"{url}status/", {"status": "cancelled"}),
        ("patch", url, {"title": "mine now"}),
        ("get", f"{url}report.pdf/", None),
        ("post", f"{url}assign/", {"assignee": str(world["op_b"].pk)}),
    ]:
        response = getattr(other, method)(path, data, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
    assert Incident.objects.get(pk=incident.pk).title == "A only"
    assert incident.messages.count() == 1
    # Viewers read but may not write.
    viewer = api(world["viewer_a"])
    assert viewer.get(url).status_code == 200
    assert viewer.post(f"{url}messages/", {"body": "x"}, format="json").status_code == 403


def test_bad_input_is_a_clear_400_and_nothing_is_written(world, settings):
    op = api(world["op_a"])
    alert_b = make_alert(world["cam_b"])
    cases = [
        ({"title": "", "site": str(world["a"].pk)}, "title"),
        ({"title": "x"}, "site"),
        ({"title": "x", "alerts": ["not-a-uuid"]}, "alerts"),
        ({"title": "x", "alerts": ["00000000-0000-0000-0000-0000000000aa"]}, "unknown alert"),
        ({"title": "x", "alerts": [str(alert_b.pk)]}, "unknown alert"),  # another site's alert
        ({"title": "x", "site": str(world["b"].pk)}, "site"),
        ({"title": "x", "site": str(world["a"].pk), "priority": 9}, "priority"),
    ]
    for payload, expected in cases:
        response = op.post(BASE, payload, format="json")
        assert response.status_code == 400, (payload, response.status_code)
        assert expected in str(response.json()), (payload, response.json())
    assert not Incident.objects.exists()
    incident = actions.open_incident(user=world["op_a"], title="Big file", site=world["a"])
    settings.INCIDENT_MAX_ATTACHMENT_BYTES = 1000
    big = op.post(f"{BASE}{incident.pk}/evidence/", {"file": io.BytesIO(b"x" * 5000)}, format="multipart")
    assert big.status_code == 400 and "too large" in str(big.json())
    assert not IncidentEvidence.objects.exists()
    both = op.post(f"{BASE}{incident.pk}/evidence/", {}, format="multipart")
    assert both.status_code == 400


def test_list_filters_mine_and_overdue(world):
    from django.utils import timezone

    mine = actions.open_incident(user=world["op_a"], title="Mine", site=world["a"])
    actions.assign_incident(mine, world["op_a"], world["op_a"])
    late = actions.open_incident(user=world["op_a"], title="Late", site=world["a"], priority=1)
    Incident.objects.filter(pk=late.pk).update(acknowledge_due_at=timezone.now() - timezone.timedelta(minutes=1))
    op = api(world["op_a"])
    assert [i["title"] for i in op.get(BASE, {"mine": "true"}).json()["results"]] == ["Mine"]
    overdue = op.get(BASE, {"overdue": "true"}).json()["results"]
    assert [i["title"] for i in overdue] == ["Late"] and overdue[0]["overdue"] is True
    assert [i["title"] for i in op.get(BASE, {"q": "lat"}).json()["results"]] == ["Late"]
    assert op.get(BASE, {"priority": "7"}).status_code == 400
