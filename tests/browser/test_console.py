"""The operator console in a real browser (Debian's headless Chromium) against the real ASGI
server, Redis channel layer and, for recognition, a real Celery worker."""

import datetime as dt
import re
import time

import pytest
from django.utils import timezone

from alerts.models import Alert
from console.services.dashboard import dashboard_stats, start_of_day
from faces.models import FrameStatus, IngestFrame, Person, PersonCluster
from surveillance.models import Event
from surveillance.services.events import record_events
from tests.browser.conftest import screenshot
from tests.browser.scene import alert_rule_for_people, build_sites, fill_day, snapshot_event
from tests.faces.conftest import flipped, jpeg, read_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE_WITHIN_MS = 2000


def wait_live(page):
    page.wait_for_selector('#orin-live[data-state="live"]', timeout=10_000)


def test_dashboard_numbers_match_the_database(open_page):
    scene = build_sites()
    fill_day(scene)
    page = open_page(scene.operator_a)
    wait_live(page)
    shown = {
        name: page.inner_text(f'[data-stat="{name}"]')
        for name in ("events_today", "online_cameras", "total_cameras", "pending_alerts", "critical_alerts")
    }
    today = Event.objects.filter(camera__dvr__site=scene.site_a, timestamp__gte=start_of_day())
    expected = dashboard_stats(scene.operator_a)
    assert int(shown["events_today"]) == today.count() == expected["events_today"]
    assert int(shown["online_cameras"]) == 2 and int(shown["total_cameras"]) == 3
    active_a = Alert.objects.filter(camera__dvr__site=scene.site_a, created_at__gte=start_of_day())
    assert int(shown["pending_alerts"]) == active_a.filter(status="pending").count()
    assert int(shown["critical_alerts"]) == active_a.filter(severity="critical", status__in=["pending", "sent"]).count()
    # Charts drawn from the same scoped data: one bar segment per non-empty hour and type.
    assert page.locator("#orin-events-chart svg rect.bar").count() > 0
    assert page.locator("#orin-severity-chart svg").count() == 1
    assert page.locator(".orin-camera").count() == 3
    assert "Reception" not in page.inner_text("#orin-dashboard")  # site B's camera
    screenshot(page, "dashboard")


def test_new_alert_reaches_its_sites_queue_live_and_is_acknowledged(open_page):
    scene = build_sites()
    fill_day(scene, per_camera=5)
    alert_rule_for_people("critical")
    queue_a = open_page(scene.operator_a, "/admin/console/alerts/")
    queue_b = open_page(scene.operator_b, "/admin/console/alerts/")
    wait_live(queue_a), wait_live(queue_b)

    started = time.monotonic()
    [new_alert] = record_events([snapshot_event(scene.cameras_a[0])])
    card = queue_a.wait_for_selector(f'.orin-alert[data-id="{new_alert.id}"]', timeout=LIVE_WITHIN_MS)
    elapsed_ms = (time.monotonic() - started) * 1000
    print(f"alert visible in the queue {elapsed_ms:.0f} ms after record_events was called")
    assert card.get_attribute("data-severity") == "critical"
    assert queue_a.locator(f'.orin-alert[data-id="{new_alert.id}"] .orin-snap img').count() == 1
    # Operator B's live queue never receives site A's alert...
    queue_b.wait_for_timeout(1000)
    assert queue_b.locator(f'[data-id="{new_alert.id}"]').count() == 0
    # ...while their own site's alerts do arrive (their feed is working).
    [alert_b] = record_events([snapshot_event(scene.cameras_b[0])])
    queue_b.wait_for_selector(f'.orin-alert[data-id="{alert_b.id}"]', timeout=LIVE_WITHIN_MS)
    assert queue_a.locator(f'[data-id="{alert_b.id}"]').count() == 0
    screenshot(queue_a, "alert-queue")

    # Acknowledge from the queue with the keyboard: focus the card, type a note, press "a".
    queue_a.fill("#orin-note", "guard sent to the gate")
    queue_a.click(f'.orin-alert[data-id="{new_alert.id}"] .msg')
    queue_a.keyboard.press("a")
    queue_a.wait_for_selector(f'.orin-alert[data-id="{new_alert.id}"][data-status="acknowledged"]', timeout=5000)
    new_alert.refresh_from_db()
    assert new_alert.status == "acknowledged" and new_alert.acknowledged_by_id == scene.operator_a.pk
    screenshot(queue_a, "alert-queue-acknowledged")


def test_feed_reconnects_by_itself_and_catches_up(open_page):
    scene = build_sites()
    alert_rule_for_people("high")
    page = open_page(scene.operator_a, "/admin/console/alerts/")
    wait_live(page)
    page.evaluate("window.OrinLive.lastServerTime = new Date(Date.now() - 5000).toISOString()")
    # Drop the connection the way a network blip would, and raise an alert while it is down.
    page.evaluate("window.OrinLive.socket.close()")
    page.wait_for_selector('#orin-live[data-state="reconnecting"]', timeout=5000)
    [missed] = record_events([snapshot_event(scene.cameras_a[1])])
    page.wait_for_selector(f'.orin-alert[data-id="{missed.id}"]', timeout=10_000)
    wait_live(page)


@pytest.mark.worker
def test_naming_an_unknown_face_then_recognising_it(open_page, celery_worker_process):
    from faces.services.ingest import submit_frame

    scene = build_sites()
    fill_day(scene, per_camera=10)
    camera = scene.cameras_a[0]
    astronaut = read_photo("astronaut")

    def recognise(image, seconds_ago: int) -> list[Event]:
        key = submit_frame(
            camera=camera, image_bytes=jpeg(image), timestamp=timezone.now() - dt.timedelta(seconds=seconds_ago)
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            frame = IngestFrame.objects.get(frame_key=key)
            if frame.status == FrameStatus.DONE:
                return list(Event.objects.filter(id__in=frame.event_ids))
            assert frame.status != FrameStatus.FAILED, frame.error
            time.sleep(0.25)
        raise AssertionError("the worker did not recognise the frame within 120 s")

    group = recognise(read_photo("t1.jpg"), 40)  # other unknown faces waiting in the queue
    assert len({e.cluster_id for e in group if e.cluster_id}) >= 3
    [first] = recognise(astronaut, 20)
    assert first.event_type == "face_detected" and first.cluster_id
    cluster = PersonCluster.objects.get(pk=first.cluster_id)

    other = next(e.cluster_id for e in group if e.cluster_id)
    cluster_page = open_page(scene.operator_a, f"/admin/console/review/cluster/{other}/")
    assert cluster_page.locator(".orin-face").count() >= 1
    screenshot(cluster_page, "review-cluster")

    page = open_page(scene.operator_a, "/admin/console/review/")
    wait_live(page)
    assert page.locator(".orin-cluster").count() >= 4
    screenshot(page, "review-queue")
    page.click(f'.orin-cluster[data-cluster="{cluster.pk}"] header .n')
    page.fill("#orin-person-input", "Eileen Collins")
    page.keyboard.press("Escape")
    page.click('#orin-review-bar button[data-action="name"]')
    page.wait_for_selector(".orin-flash.ok", timeout=10_000)
    assert "named Eileen Collins" in page.inner_text(".orin-flash.ok")
    person = Person.objects.get(name="Eileen Collins")
    assert person.embeddings.exists()

    events_page = open_page(scene.operator_a, "/admin/console/events/?range=1h")
    wait_live(events_page)
    [second] = recognise(flipped(astronaut), 5)
    assert second.event_type == "person_recognized" and second.person_id == person.pk
    events_page.wait_for_selector("#orin-newbar.show", timeout=LIVE_WITHIN_MS)
    events_page.reload()
    newest = events_page.locator(".orin-event").first
    assert "Eileen Collins" in newest.inner_text()
    assert re.search(r"Person recognized", newest.inner_text(), re.I)
    screenshot(events_page, "event-browser")

    person_page = open_page(scene.operator_a, f"/admin/console/review/person/{person.pk}/")
    assert person_page.locator(".orin-face").count() >= 1
    screenshot(person_page, "review-person")
    timeline = open_page(scene.operator_a, f"/admin/console/timeline/person/{person.pk}/")
    assert timeline.locator("#orin-timeline circle").count() == 2
    screenshot(timeline, "person-timeline")
