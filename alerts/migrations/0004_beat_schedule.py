"""Celery beat entries of the alerts app (database schedule, editable in the admin): escalation
of unacknowledged alerts, and the outbox sweep that re-sends lost notification tasks."""

from django.db import migrations
from django.utils import timezone

SCHEDULE = [
    {
        "name": "Alert escalation",
        "task": "alerts.tasks.escalate_alerts",
        "every_seconds": 15,
        "description": "Every 15 s: alerts nobody acknowledged within their rule's delay escalate once per level.",
    },
    {
        "name": "Resume pending notifications",
        "task": "alerts.tasks.resume_pending_deliveries",
        "every_seconds": 60,
        "description": "Every minute: notification deliveries whose task was lost are sent again.",
    },
]


def create_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    created = False
    for entry in SCHEDULE:
        if PeriodicTask.objects.filter(name=entry["name"]).exists():
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(every=entry["every_seconds"], period="seconds")
        PeriodicTask.objects.create(
            name=entry["name"],
            task=entry["task"],
            interval=interval,
            queue="notifications",
            expire_seconds=entry["every_seconds"],
            description=entry["description"],
            enabled=True,
        )
        created = True
    if created:
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[entry["name"] for entry in SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_rule_routing_folding_delivery"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
