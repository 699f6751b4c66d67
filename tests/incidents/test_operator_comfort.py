"""Operator comfort (issue 16 §6): the dashboard's "today" is each site's own day."""

import datetime as dt

import pytest

from alerts.models import Alert
from console.services.dashboard import site_today
from tests.incidents.conftest import make_alert

pytestmark = pytest.mark.django_db


def test_today_is_the_sites_day_not_utcs(world):
    now = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)  # 04:00 on 2 December in Singapore
    at = {hour: dt.datetime(2026, 12, 1, hour, 0, tzinfo=dt.UTC) for hour in (15, 17)}
    a_early, a_late = (make_alert(world["cam_a"]) for _ in range(2))
    b_early = make_alert(world["cam_b"])
    Alert.objects.filter(pk__in=[a_early.pk, b_early.pk]).update(created_at=at[15])
    Alert.objects.filter(pk=a_late.pk).update(created_at=at[17])
    today = set(Alert.objects.restrict(world["root"]).filter(site_today(world["root"], "created_at", now)))
    # Site A (Singapore) began its day at 16:00 UTC; site B (UTC) at midnight.
    assert today == {a_late, Alert.objects.get(pk=b_early.pk)}
    only_a = set(Alert.objects.restrict(world["op_a"]).filter(site_today(world["op_a"], "created_at", now)))
    assert only_a == {a_late}


def test_an_operator_sets_their_own_quiet_hours_and_preferences(world):
    from django.test import Client
    from django.urls import reverse

    from accounts import policy
    from alerts.models import NotificationPreference
    from tests.conftest import sign_in

    operator = world["op_a"]
    assert not policy.can(operator, "alerts", "configure")
    page = sign_in(Client(), operator)
    url = reverse("admin:console_my_notifications")
    assert page.get(url).status_code == 200
    form = {
        "notifications_enabled": "on",
        "email_enabled": "on",
        "quiet_hours_enabled": "on",
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "06:00",
        "timezone": "Asia/Singapore",
        "muted_types": "motion_detected, loitering",
    }
    assert page.post(url, form).status_code == 302
    saved = NotificationPreference.objects.get(user=operator)
    assert saved.quiet_hours_enabled and f"{saved.quiet_hours_start:%H:%M}" == "22:00"
    assert not saved.telegram_enabled and saved.timezone == "Asia/Singapore"
    assert saved.event_types == {"motion_detected": False, "loitering": False}
    refused = page.post(url, {**form, "timezone": "Mars/Olympus", "quiet_hours_end": ""})
    assert refused.status_code == 400
    assert NotificationPreference.objects.get(user=operator).timezone == "Asia/Singapore"
    # Nobody else's row is touched: the page edits the signed-in user's own preferences.
    assert NotificationPreference.objects.count() == 1
