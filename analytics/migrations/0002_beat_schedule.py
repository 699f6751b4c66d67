"""Every 30 s: end the tracks of cameras that went quiet, so a loiterer who left while the edge
device stopped sending still gets a final dwell time; states older than a day are forgotten."""

from django.db import migrations

NAME = "Analytics: close quiet tracks"


def create_entry(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    interval, _ = IntervalSchedule.objects.get_or_create(every=30, period="seconds")
    PeriodicTask.objects.create(
        name=NAME,
        task="analytics.tasks.close_quiet_tracks",
        interval=interval,
        expire_seconds=25,
        enabled=True,
        description="Every 30 s: tracks unseen past their timeout end; their open activities get final durations.",
    )


def remove_entry(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_entry, remove_entry)]
