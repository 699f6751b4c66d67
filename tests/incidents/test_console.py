"""Console screens: the list (shared FilterSet), the incident page, the alert queue's "open
incident from the selected alerts", the printable report with its images, the dashboard tile;
another site's operator gets 404 everywhere."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from incidents.models import Incident, IncidentType
from incidents.services import actions, evidence
from tests.conftest import sign_in
from tests.incidents.conftest import make_alert

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    return sign_in(Client(), user)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 10, 10)).save(out, "PNG")
    return out.getvalue()


def test_open_incident_from_selected_alerts_and_attach_more(world):
    a1, a2, a3 = (make_alert(world["cam_a"]) for _ in range(3))
    page = browser(world["op_a"])
    queue = page.get(reverse("admin:console_alerts"))
    assert b'id="orin-open-incident"' in queue.content and b"incident_from_alerts.js" in queue.content
    url = reverse("admin:console_incidents_from_alerts")
    opened = page.post(url, {"ids": f"{a1.pk},{a2.pk}", "title": ""}, HTTP_ACCEPT="application/json")
    assert opened.status_code == 200, opened.content
    body = opened.json()
    incident = Incident.objects.get(pk=body["id"])
    assert body["url"] == reverse("admin:console_incident", kwargs={"incident_id": incident.pk})
    assert incident.title == "Intrusion at Gate A (+1 more)" and incident.alerts.count() == 2
    added = page.post(url, {"ids": str(a3.pk), "incident": incident.number.lower()})
    assert added.status_code == 200 and incident.alerts.count() == 3
    again = page.post(url, {"ids": str(a3.pk)})
    assert again.status_code == 409 and "already in an incident" in again.json()["error"]
    bad = page.post(url, {"ids": "nope"})
    assert bad.status_code == 400 and "UUID" in bad.json()["error"]
    other_site = browser(world["op_b"]).post(url, {"ids": str(a1.pk)})
    assert other_site.status_code == 400 and "unknown alert" in other_site.json()["error"]


def test_incident_page_acts_and_other_site_gets_404(world):
    kind = IncidentType.objects.create(name="Intrusion", sop_steps=["Verify on camera"])
    incident = actions.open_incident(user=world["op_a"], title="Fence", site=world["a"], incident_type=kind)
    page = browser(world["op_a"])
    url = reverse("admin:console_incident", kwargs={"incident_id": incident.pk})
    shown = page.get(url)
    assert shown.status_code == 200 and incident.number.encode() in shown.content
    assert b"Verify on camera" in shown.content and b"/ws/incidents/" in shown.content
    act = reverse("admin:console_incident_act", kwargs={"incident_id": incident.pk})
    step = incident.sop_steps.get()
    assert page.post(act, {"action": "sop", "step": step.pk, "done": "on"}).status_code == 302
    assert page.post(act, {"action": "comment", "body": "on my way"}, HTTP_ACCEPT="application/json").json()["ok"]
    refused = page.post(act, {"action": "comment", "body": " "}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and "must not be empty" in refused.json()["error"]
    page.post(act, {"action": "assign", "assignee": world["op_a2"].pk})
    incident.refresh_from_db()
    assert incident.status == "assigned" and incident.assigned_to == world["op_a2"]
    assert incident.sop_steps.get().done_by == world["op_a"]
    listing = page.get(reverse("admin:console_incidents"), {"mine": "false", "state": "open"})
    assert incident.number.encode() in listing.content
    other = browser(world["op_b"])
    assert incident.number.encode() not in other.get(reverse("admin:console_incidents")).content
    assert other.get(url).status_code == 404
    assert other.post(act, {"action": "comment", "body": "hi"}).status_code == 404
    report = reverse("admin:console_incident_report", kwargs={"incident_id": incident.pk})
    assert other.get(report).status_code == 404
    assert incident.messages.filter(body="hi").count() == 0


def test_report_renders_with_images_in_site_time(world):
    alert = make_alert(world["cam_a"])
    incident = actions.open_incident(user=world["op_a"], title="Break-in", alert_ids=[alert.pk])
    evidence.attach_bytes(incident, png(), "door.png", world["op_a"], "the door")
    page = browser(world["op_a"])
    url = reverse("admin:console_incident_report", kwargs={"incident_id": incident.pk})
    html = page.get(url).content.decode()
    assert "data:image/png;base64," in html and "the door" in html
    local = incident.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    assert f"{local} +08" in html and "Asia/Singapore" in html
    assert ".%f" not in html and "+00:00" not in html
    pdf = page.get(url, {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"/Subtype /Image" in pdf.content  # the snapshot is in the PDF


def test_dashboard_shows_overdue_incidents(world):
    late = actions.open_incident(user=world["op_a"], title="Late", site=world["a"], priority=1)
    Incident.objects.filter(pk=late.pk).update(acknowledge_due_at=timezone.now() - dt.timedelta(minutes=2))
    html = browser(world["op_a"]).get(reverse("admin:index")).content.decode()
    assert 'id="orin-incident-tile"' in html and late.number in html
    assert late.number not in browser(world["op_b"]).get(reverse("admin:index")).content.decode()
