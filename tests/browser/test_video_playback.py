"""An alert's clip plays in headless Chromium: the page's <video> reaches readyState 4 (it had to
fetch the MP4 through the policy-checked route, with Range) and lasts what was asked, ±1 s."""

import datetime as dt

import pytest
from django.utils import timezone

from alerts.services.lifecycle import raise_alert
from tests.factories import CameraFactory, SiteFactory, UserFactory
from tests.video.conftest import h264_source, record_offline, recordings_root  # noqa: F401 (fixtures)
from video.models import ClipRequest
from video.services import clips

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.timeout(90)
def test_alert_clip_plays_in_the_browser(open_page, recordings_root, h264_source):  # noqa: F811
    site = SiteFactory(name="Playback site")
    camera = CameraFactory(dvr__site=site, config={"recording": True, "clip_pre_seconds": 3, "clip_post_seconds": 5})
    start = timezone.now() - dt.timedelta(minutes=5)
    record_offline(camera, recordings_root, h264_source, start, seconds=12)
    alert = raise_alert(camera=camera, alert_type="intrusion", severity="high", message="Someone at the gate")
    request = ClipRequest.objects.get(alert=alert)  # planned after commit by video's receiver
    ClipRequest.objects.filter(pk=request.pk).update(
        start_time=start + dt.timedelta(seconds=2), end_time=start + dt.timedelta(seconds=10)
    )
    clips.process_clip_request(request.pk)
    request.refresh_from_db()
    assert request.status == "ready", request.message
    user = UserFactory(username="playback-op", role_name="operator", sites=[site])

    page = open_page(user, f"/admin/console/alerts/{alert.pk}/evidence/")
    page.wait_for_function(
        "() => { const v = document.querySelector('#orin-clip-video'); if (!v) return false;"
        " v.muted = true; v.preload = 'auto'; if (v.readyState < 4) v.play().catch(() => {});"
        " return v.readyState === 4; }",
        timeout=30_000,
    )
    duration = page.evaluate("document.querySelector('#orin-clip-video').duration")
    assert duration == pytest.approx(8, abs=1)
