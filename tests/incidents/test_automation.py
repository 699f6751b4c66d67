"""What the system does by itself, with a real `celery beat` (database schedule) and a real
worker: each site's auto-open policies open incidents, and an SLA breach is written on the
timeline and notified through a channel (a local HTTP server records the webhook)."""

import datetime as dt
import json
import sys
import uuid

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from alerts.models import NotificationChannel, WebhookConfig
from incidents.models import AutoOpenPolicy, Incident, MessageKind
from incidents.services import actions
from incidents.services.automation import apply_policies, check_sla_breaches
from tests.alerts.conftest import HTTP, wait_until
from tests.conftest import start_process, stop_process
from tests.factories import CameraFactory
from tests.incidents.conftest import make_alert

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def every_second(*task_names: str) -> None:
    """Only these beat entries, each every second (the migration's 30 s is too slow for a test)."""
    fast, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
    PeriodicTask.objects.exclude(task__in=task_names).update(enabled=False)
    PeriodicTask.objects.filter(task__in=task_names).update(interval=fast, enabled=True, expire_seconds=None)
    PeriodicTasks.update_changed()


def system_webhook(owner) -> str:
    channel = NotificationChannel.objects.create(
        name="control room",
        channel_type="webhook",
        created_by=owner,
        receives_system_alerts=True,
        config={"timeout_seconds": 5, "retry_count": 2, "retry_backoff_seconds": 0.2},
    )
    path = f"/hooks/{uuid.uuid4().hex}"
    WebhookConfig.objects.create(channel=channel, url=f"{HTTP.base}{path}", secret="whsec-test")
    return path


@pytest.mark.timeout(150)
def test_policies_and_sla_breaches_run_by_beat_and_worker(world, celery_worker_process):
    cam_a2 = CameraFactory(dvr=world["cam_a"].dvr, name="Yard A")
    AutoOpenPolicy.objects.create(site=world["a"], name="Critical left alone", kind="unacknowledged", minutes=5)
    AutoOpenPolicy.objects.create(
        site=world["a"], name="Burst", kind="burst", severity="high", minutes=10, alert_count=3, priority=3
    )
    old = make_alert(world["cam_a"], minutes_ago=8)
    fresh = make_alert(world["cam_a"], minutes_ago=1)
    burst = [make_alert(cam_a2, minutes_ago=m, severity="high", alert_type="loitering") for m in (6, 4, 2)]
    other_site = make_alert(world["cam_b"], minutes_ago=30)  # site B has no policy
    late = actions.open_incident(user=world["op_a"], title="Nobody picked this up", site=world["a"], priority=2)
    Incident.objects.filter(pk=late.pk).update(acknowledge_due_at=timezone.now() - dt.timedelta(seconds=1))
    hook = system_webhook(world["root"])
    every_second("incidents.tasks.apply_auto_open_policies", "incidents.tasks.check_sla_breaches")

    beat = start_process(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "orin",
            "beat",
            "-l",
            "info",
            "-S",
            "django_celery_beat.schedulers:DatabaseScheduler",
        ],
        log_name="celery-beat-incidents",
    )
    try:
        opened = wait_until(
            lambda: Incident.objects.filter(opened_by_policy__isnull=False).count() == 2, 60, 0.5, "two auto incidents"
        )
        assert opened
        received = wait_until(lambda: HTTP.received(hook), 60, 0.5, "the SLA breach webhook")
    finally:
        stop_process(beat)

    by_policy = {i.opened_by_policy.name: i for i in Incident.objects.filter(opened_by_policy__isnull=False)}
    assert list(by_policy["Critical left alone"].alerts.all()) == [old]
    assert by_policy["Critical left alone"].reported_by is None and by_policy["Critical left alone"].priority == 2
    assert set(by_policy["Burst"].alerts.all()) == set(burst) and by_policy["Burst"].camera == cam_a2
    assert not fresh.incidents.exists() and not other_site.incidents.exists()

    late.refresh_from_db()
    assert late.acknowledge_breached_at is not None
    assert late.messages.filter(kind=MessageKind.SLA).count() == 1
    payload = json.loads(received[0].body)
    assert late.number in json.dumps(payload) and "SLA breach" in json.dumps(payload)


def test_policies_and_breaches_run_once_whatever_the_repeats(world):
    AutoOpenPolicy.objects.create(site=world["a"], name="Critical", kind="unacknowledged", minutes=5)
    make_alert(world["cam_a"], minutes_ago=9)
    assert len(apply_policies()) == 1 and apply_policies() == []
    late = actions.open_incident(user=world["op_a"], title="Late", site=world["a"], priority=1)
    Incident.objects.filter(pk=late.pk).update(
        acknowledge_due_at=timezone.now() - dt.timedelta(minutes=1),
        resolve_due_at=timezone.now() - dt.timedelta(minutes=1),
    )
    assert {what for _, what in check_sla_breaches()} == {"acknowledge", "resolve"}
    assert check_sla_breaches() == []
    # The breach's own (critical) system alert never opens an incident by policy.
    assert apply_policies(timezone.now() + dt.timedelta(minutes=10)) == []
