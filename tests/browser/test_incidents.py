"""Incidents in headless Chromium: alerts selected in the queue become an incident with the
keyboard (x, o, Enter); two operators of the site watch its timeline grow live; an operator of
another site gets 404 for the page and its report."""

import pytest

from alerts.models import Alert
from incidents.models import Incident
from tests.browser.conftest import screenshot
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_from_the_queue_and_a_live_timeline_for_two_operators(open_page):
    site_a, site_b = SiteFactory(name="North", timezone="Asia/Singapore"), SiteFactory(name="South")
    cam = CameraFactory(dvr__site=site_a, name="Fence")
    CameraFactory(dvr__site=site_b, name="Dock")
    op_a = UserFactory(username="incident-op-a", role_name="operator", sites=[site_a])
    op_a2 = UserFactory(username="incident-op-a2", role_name="operator", sites=[site_a])
    op_b = UserFactory(username="incident-op-b", role_name="operator", sites=[site_b])
    first, second = (
        Alert.objects.create(camera=cam, alert_type="intrusion", severity="critical", message=f"cut {n}")
        for n in (1, 2)
    )

    queue = open_page(op_a, "/admin/console/alerts/")
    for alert in (first, second):
        queue.click(f'.orin-alert[data-id="{alert.id}"] .msg')
        queue.keyboard.press("x")
    queue.keyboard.press("o")
    queue.wait_for_selector("#orin-incident-form:not([hidden])")
    queue.keyboard.type("Fence cut at the north gate")
    queue.keyboard.press("Enter")
    queue.wait_for_url("**/admin/console/incidents/*/", timeout=10_000)
    incident = Incident.objects.get()
    assert set(incident.alerts.all()) == {first, second} and incident.title == "Fence cut at the north gate"

    other = open_page(op_a2, f"/admin/console/incidents/{incident.pk}/")
    for page in (queue, other):
        page.wait_for_selector('#orin-incident[data-live="1"]', timeout=10_000)
    queue.fill("#orin-comment", "guard on the way")
    queue.keyboard.press("Control+Enter")
    for page in (queue, other):
        page.wait_for_selector('#orin-incident-timeline li[data-kind="comment"]', timeout=10_000)
        assert "guard on the way" in page.inner_text("#orin-incident-timeline")
    screenshot(other, "incident-live-timeline")

    stranger = open_page(op_b)
    assert stranger.goto(f"/admin/console/incidents/{incident.pk}/").status == 404
    assert stranger.goto(f"/admin/console/incidents/{incident.pk}/report/").status == 404
    report = queue.context.new_page()
    report.goto(f"/admin/console/incidents/{incident.pk}/report/")
    assert incident.number in report.inner_text("h1") and "+08" in report.inner_text("body")
