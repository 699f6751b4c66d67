"""Every lifecycle transition and every refused one; escalation firing once per level."""

import datetime as dt

import pytest
from django.utils import timezone

from alerts.models import Alert, AlertTransition, NotificationChannel, NotificationDelivery, WebhookConfig
from alerts.services import lifecycle
from alerts.services.lifecycle import TransitionError, escalate_due_alerts
from alerts.signals import alert_changed
from tests.factories import AlertRuleFactory, CameraFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return UserFactory(role_name="operator")


def new_alert(status="pending", **fields) -> Alert:
    alert = Alert.objects.create(
        camera=CameraFactory(), alert_type="human_detected", severity="high", message="m", **fields
    )
    if status != "pending":
        Alert.objects.filter(pk=alert.pk).update(status=status)
        alert.refresh_from_db()
    return alert


ACTIONS = {
    "sent": lambda a, u: lifecycle.mark_sent(a),
    "acknowledged": lambda a, u: lifecycle.acknowledge_alert(a, u, note="on it"),
    "resolved": lambda a, u: lifecycle.resolve_alert(a, u, note="false alarm"),
    "ignored": lambda a, u: lifecycle.ignore_alert(a, u, note="test walk"),
}

ALLOWED = [
    ("pending", "sent"),
    ("pending", "acknowledged"),
    ("pending", "ignored"),
    ("sent", "acknowledged"),
    ("sent", "ignored"),
    ("acknowledged", "resolved"),
    ("acknowledged", "ignored"),
]
REFUSED = [
    ("pending", "resolved", "acknowledge it before resolving it"),
    ("sent", "resolved", "acknowledge it before resolving it"),
    ("sent", "sent", "already sent"),
    ("acknowledged", "acknowledged", "already acknowledged"),
    ("acknowledged", "sent", "cannot become sent"),
    ("resolved", "acknowledged", "a closed alert cannot become acknowledged"),
    ("resolved", "ignored", "a closed alert cannot become ignored"),
    ("ignored", "resolved", "a closed alert cannot become resolved"),
    ("ignored", "sent", "a closed alert cannot become sent"),
]


@pytest.mark.parametrize("start,target", ALLOWED)
def test_allowed_transition_records_who_when_and_why(operator, start, target, django_capture_on_commit_callbacks):
    alert = new_alert(start)
    seen = []
    alert_changed.connect(receiver := lambda sender, alert, change, **kw: seen.append((alert.status, change)))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = ACTIONS[target](alert, operator)
    finally:
        alert_changed.disconnect(receiver)
    alert.refresh_from_db()
    assert alert.status == result.status == target
    transition = AlertTransition.objects.get(alert=alert)
    assert (transition.from_status, transition.to_status, transition.action) == (start, target, target)
    if target == "sent":
        assert alert.sent_at and transition.user is None
    else:
        assert transition.user == operator and transition.note
    if target == "acknowledged":
        assert alert.acknowledged_by == operator and alert.acknowledged_at
    if target in ("resolved", "ignored"):
        assert alert.resolved_by == operator and alert.resolved_at
    assert seen == [(target, "status")]


@pytest.mark.parametrize("start,target,reason", REFUSED)
def test_refused_transition_says_why_and_changes_nothing(operator, start, target, reason):
    alert = new_alert(start)
    with pytest.raises(TransitionError, match=reason):
        ACTIONS[target](alert, operator)
    alert.refresh_from_db()
    assert alert.status == start
    assert not AlertTransition.objects.filter(alert=alert).exists()


def test_a_person_must_be_named_and_notes_are_bounded(operator):
    alert = new_alert()
    with pytest.raises(TransitionError, match="someone must be named"):
        lifecycle.acknowledge_alert(alert, None)
    with pytest.raises(TransitionError, match="note is too long"):
        lifecycle.acknowledge_alert(alert, operator, note="x" * 2001)
    assert Alert.objects.get(pk=alert.pk).status == "pending"


def test_raise_alert_for_system_alerts_reaches_system_channels(django_capture_on_commit_callbacks):
    owner = UserFactory(role_name="admin")
    ops = NotificationChannel.objects.create(
        name="ops", channel_type="webhook", created_by=owner, receives_system_alerts=True
    )
    NotificationChannel.objects.create(name="quiet", channel_type="webhook", created_by=owner)
    alert = lifecycle.raise_alert(camera=CameraFactory(), alert_type="camera_offline", severity="high", message="down")
    assert alert.first_seen and alert.occurrences == 1
    assert list(NotificationDelivery.objects.values_list("channel_id", "purpose")) == [(ops.id, "alert")]


@pytest.fixture
def escalating():
    owner = UserFactory(role_name="admin")
    channel = NotificationChannel.objects.create(name="duty manager", channel_type="webhook", created_by=owner)
    WebhookConfig.objects.create(channel=channel, url="http://127.0.0.1:9/unused", secret="s" * 32)
    rule = AlertRuleFactory(escalate_after_seconds=300, max_escalation_level=2)
    rule.escalation_channels.add(channel)
    return rule, channel


def test_escalation_fires_once_per_level_and_notifies_the_escalation_channels(operator, escalating):
    rule, channel = escalating
    now = timezone.now()
    old = new_alert(alert_rule=rule, created_at=now - dt.timedelta(seconds=301))
    young = new_alert(alert_rule=rule, created_at=now - dt.timedelta(seconds=100))
    handled = new_alert(alert_rule=rule, created_at=now - dt.timedelta(seconds=900))
    lifecycle.acknowledge_alert(handled, operator)
    no_rule = new_alert(created_at=now - dt.timedelta(days=1))

    assert [a.pk for a in escalate_due_alerts(now)] == [old.pk]
    assert escalate_due_alerts(now) == []  # not twice
    old.refresh_from_db()
    assert (old.escalation_level, old.escalated_at, old.status) == (1, now, "pending")
    entry = AlertTransition.objects.get(alert=old, action="escalated")
    assert entry.escalation_level == 1 and entry.from_status == entry.to_status == "pending"
    assert list(NotificationDelivery.objects.values_list("alert_id", "channel_id", "purpose", "escalation_level")) == [
        (old.pk, channel.pk, "escalation", 1)
    ]
    for alert in (young, handled, no_rule):
        alert.refresh_from_db()
        assert alert.escalation_level == 0

    # One further period: old reaches level 2 (the rule's maximum), young its first level.
    later = now + dt.timedelta(seconds=300)
    assert {a.pk for a in escalate_due_alerts(later)} == {old.pk, young.pk}
    assert {a.pk for a in escalate_due_alerts(now + dt.timedelta(days=1))} == {young.pk}
    assert escalate_due_alerts(now + dt.timedelta(days=2)) == []
    old.refresh_from_db()
    assert old.escalation_level == 2
    assert NotificationDelivery.objects.filter(alert=old, purpose="escalation").count() == 2


def test_admin_actions_go_through_the_lifecycle(admin_client):
    alert = new_alert()
    response = admin_client.post(
        "/admin/alerts/alert/", {"action": "mark_resolved", "_selected_action": [str(alert.pk)]}, follow=True
    )
    assert response.status_code == 200
    assert "acknowledge it before resolving it" in response.content.decode()
    admin_client.post("/admin/alerts/alert/", {"action": "mark_acknowledged", "_selected_action": [str(alert.pk)]})
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and AlertTransition.objects.filter(alert=alert).count() == 1
