"""The default celery beat schedule in the database (partition maintenance, media retention,
system and camera health), so a fresh install runs them; editable in the admin afterwards."""

from django.db import migrations


def create_schedule(apps, schema_editor):
    from surveillance.services.schedule import ensure_beat_schedule

    ensure_beat_schedule(
        apps.get_model("django_celery_beat", "PeriodicTask"),
        apps.get_model("django_celery_beat", "IntervalSchedule"),
        apps.get_model("django_celery_beat", "CrontabSchedule"),
        apps.get_model("django_celery_beat", "PeriodicTasks"),
    )


def remove_schedule(apps, schema_editor):
    from surveillance.services.schedule import DEFAULT_SCHEDULE

    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[entry["name"] for entry in DEFAULT_SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveillance", "0003_partition_archives"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
