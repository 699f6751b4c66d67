"""Default SLA targets per priority and the beat entries of the incidents app (both editable in
the admin afterwards)."""

from django.db import migrations
from django.utils import timezone

# priority: (minutes to acknowledge, minutes to resolve)
SLA = {1: (5, 60), 2: (15, 240), 3: (60, 1440), 4: (240, 4320), 5: (1440, 10080)}
SCHEDULE = [
    {
        "name": "Incident auto-open policies",
        "task": "incidents.tasks.apply_auto_open_policies",
        "every_seconds": 30,
        "description": "Every 30 s: each site's auto-open policies turn matching alerts into incidents.",
    },
    {
        "name": "Incident SLA breaches",
        "task": "incidents.tasks.check_sla_breaches",
        "every_seconds": 30,
        "description": "Every 30 s: incidents past their acknowledge/resolve target are marked and notified.",
    },
]


def create(apps, schema_editor):
    SLAPolicy = apps.get_model("incidents", "SLAPolicy")
    for priority, (ack, resolve) in SLA.items():
        SLAPolicy.objects.get_or_create(
            priority=priority, defaults={"acknowledge_minutes": ack, "resolve_minutes": resolve}
        )
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for entry in SCHEDULE:
        if PeriodicTask.objects.filter(name=entry["name"]).exists():
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(every=entry["every_seconds"], period="seconds")
        PeriodicTask.objects.create(
            name=entry["name"],
            task=entry["task"],
            interval=interval,
            queue="celery",
            expire_seconds=entry["every_seconds"],
            description=entry["description"],
            enabled=True,
        )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[entry["name"] for entry in SCHEDULE]
    ).delete()
    apps.get_model("incidents", "SLAPolicy").objects.filter(priority__in=SLA).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
