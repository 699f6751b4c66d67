"""Default SLA targets per priority (editable in the admin afterwards). The app's beat entries
are declared on its tasks (orin.periodic)."""

from django.db import migrations

# priority: (minutes to acknowledge, minutes to resolve)
SLA = {1: (5, 60), 2: (15, 240), 3: (60, 1440), 4: (240, 4320), 5: (1440, 10080)}


def create(apps, schema_editor):
    SLAPolicy = apps.get_model("incidents", "SLAPolicy")
    for priority, (ack, resolve) in SLA.items():
        SLAPolicy.objects.get_or_create(
            priority=priority, defaults={"acknowledge_minutes": ack, "resolve_minutes": resolve}
        )


def remove(apps, schema_editor):
    apps.get_model("incidents", "SLAPolicy").objects.filter(priority__in=SLA).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, remove)]
