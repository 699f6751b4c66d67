"""Daily beat entry for the recognition precision check (faces.tasks.check_recognition_precision);
created once by name, editable in the admin afterwards."""

from django.db import migrations

NAME = "Recognition precision"


def create_entry(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.create(
        name=NAME,
        task="faces.tasks.check_recognition_precision",
        crontab=crontab,
        expire_seconds=6 * 3600,
        enabled=True,
        description="Daily: a camera whose reviewed recognition precision fell below "
        "ORIN_FACE_PRECISION_ALERT raises a system alert.",
    )


def remove_entry(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("faces", "0005_model_versions_datasets_suggestions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_entry, remove_entry)]
