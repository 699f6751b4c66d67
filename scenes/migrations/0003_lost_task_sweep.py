"""The sweep for lost describe tasks: `next_attempt_at` on descriptions, and its beat entry
(database schedule, editable in the admin)."""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

SWEEP = {
    "name": "Resume lost scene descriptions",
    "task": "scenes.tasks.resume_lost_descriptions",
    "every_seconds": 120,
    "description": "Every 2 minutes: descriptions whose task was lost (Redis restart, killed worker) are queued again.",
}


def create_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=SWEEP["name"]).exists():
        return
    interval, _ = IntervalSchedule.objects.get_or_create(every=SWEEP["every_seconds"], period="seconds")
    PeriodicTask.objects.create(
        name=SWEEP["name"],
        task=SWEEP["task"],
        interval=interval,
        queue="celery",
        expire_seconds=SWEEP["every_seconds"],
        description=SWEEP["description"],
        enabled=True,
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP["name"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0004_beat_schedule"),
        ("scenes", "0002_audit_describer_config"),
        ("surveillance", "0004_beat_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="scenedescription",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="scenedescription",
            index=models.Index(
                condition=models.Q(("status__in", ["queued", "sending"])),
                fields=["next_attempt_at"],
                name="idx_scene_desc_unfinished",
            ),
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
