"""Beat entry for the frame sweep: frames stored while the broker was away (or whose queued task
Redis lost in a restart) are sent to recognition again. Editable in the admin afterwards."""

from django.db import migrations
from django.utils import timezone

ENTRY = {
    "name": "Requeue stale frames",
    "task": "faces.tasks.requeue_stale_frames",
    "every_seconds": 60,
    "description": "Every minute: frames still queued after ORIN_FRAME_REQUEUE_AFTER_SECONDS are sent to "
    "recognition again (their task never reached the broker, or the broker lost it).",
}


def create_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=ENTRY["name"]).exists():
        return
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    interval, _ = IntervalSchedule.objects.get_or_create(every=ENTRY["every_seconds"], period="seconds")
    PeriodicTask.objects.create(
        name=ENTRY["name"],
        task=ENTRY["task"],
        interval=interval,
        queue="recognition",
        expire_seconds=ENTRY["every_seconds"],
        description=ENTRY["description"],
        enabled=True,
    )
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=ENTRY["name"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("faces", "0004_person_index_ef_construction_128"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
